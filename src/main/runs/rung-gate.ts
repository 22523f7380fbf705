// The parent's half of the rung gate (successive halving). A judge, supplied by whoever prunes (the
// sweep service), says which epochs are a run's rungs and, when the run reaches one, whether it goes
// on. The run service asks it nothing for a run without rungs, so runs nothing prunes pay nothing.

import type { RunRecord } from '../../shared/training.ts';
import type { Logger } from '../log/logger.ts';
import { GATE_CONTINUE, GATE_PRUNE, GATE_WAITING, GATE_WAKE, WORD_CONTROL, WORD_GATE, CONTROL_STOP } from './protocol.ts';

export type RungVerdict = { prune: false } | { prune: true; message: string };

export interface RungJudge {
  /** Epochs at whose end `run` waits for a decision; empty when nothing prunes it. */
  rungs(run: RunRecord): number[];
  /**
   * Whether `run` goes on after `epoch`, whose metrics and checkpoint are in the store by now. The
   * run's worker waits until this answers; a stop still reaches it meanwhile.
   */
  decide(run: RunRecord, epoch: number): RungVerdict | Promise<RungVerdict>;
}

/** The judge's rungs for a run, or none when it cannot say (a pruning fault must not stop training). */
export function rungsFor(judge: RungJudge | null, run: RunRecord, log: Logger): number[] {
  if (!judge) return [];
  try {
    return judge.rungs(run);
  } catch (e) {
    log.error(`Run ${run.id} trains without pruning: its rungs could not be worked out`, e);
    return [];
  }
}

/**
 * Asks the judge and releases the waiting worker with its answer. `onPrune` runs before the release,
 * so the reason is known by the time the worker reports that it ended. A judge that fails lets the
 * run go on: a fault in pruning must not cost a run.
 */
export function answerGate(
  judge: RungJudge | null,
  run: RunRecord,
  epoch: number,
  control: Int32Array,
  log: Logger,
  onPrune: (message: string) => void,
): void {
  const release = (verdict: RungVerdict) => {
    if (verdict.prune) onPrune(verdict.message);
    Atomics.store(control, WORD_GATE, verdict.prune ? GATE_PRUNE : GATE_CONTINUE);
    Atomics.notify(control, WORD_GATE);
  };
  const failed = (e: unknown) => {
    log.error(`Run ${run.id} goes on past epoch ${epoch}: its pruning decision failed`, e);
    release({ prune: false });
  };
  let verdict: RungVerdict | Promise<RungVerdict>;
  try {
    verdict = judge ? judge.decide(run, epoch) : { prune: false };
  } catch (e) {
    failed(e);
    return;
  }
  if (verdict instanceof Promise) verdict.then(release, failed);
  else release(verdict);
}

/** A stop must reach a worker blocked at a gate, which sleeps on the gate word, not the control word. */
export function stopAtGate(control: Int32Array): void {
  Atomics.store(control, WORD_CONTROL, CONTROL_STOP);
  Atomics.notify(control, WORD_CONTROL);
  Atomics.compareExchange(control, WORD_GATE, GATE_WAITING, GATE_WAKE);
  Atomics.notify(control, WORD_GATE);
}
