// The run service's side of successive halving: which of its runs wait at rungs, the answer when one
// reaches a rung, and the message a pruned run ends with. Whether a run goes on is the judge's call
// (by default sweeps/asha-judge.ts, for the runs of sweeps that ask for it); how a worker waits and is
// released is rung-gate.ts's.

import type { RunRecord } from '../../shared/training.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/index.ts';
import { ashaJudge } from '../sweeps/asha-judge.ts';
import type { Outcome, OwnedRun } from './owned-run.ts';
import type { WorkerMessage } from './protocol.ts';
import { answerGate, rungsFor, type RungJudge } from './rung-gate.ts';

type Finished = Extract<WorkerMessage, { type: 'finished' }>;

export class RunPruning {
  private readonly judge: RungJudge | null;

  /** `judge`: undefined for successive halving of the sweeps that ask for it, null for none at all. */
  constructor(
    store: Store,
    judge: RungJudge | null | undefined,
    private readonly log: Logger,
  ) {
    this.judge = judge === undefined ? ashaJudge(store) : judge;
  }

  /** The epochs at whose end the run's worker waits; none for a run resumed by hand after it was pruned. */
  rungs(run: OwnedRun): number[] {
    return run.gated ? rungsFor(this.judge, run.record, this.log) : [];
  }

  /** Judges the run (`record` as stored, the rung's metrics included) and releases its waiting worker. */
  answer(run: OwnedRun, record: RunRecord, epoch: number): void {
    answerGate(this.judge, record, epoch, run.control!, this.log, (why) => (run.pruneMessage = why));
  }

  /** How the worker's report of its end is recorded: a pruned run's message is the judge's reason. */
  outcome(run: OwnedRun, m: Finished): Outcome {
    return { status: m.status, message: m.status === 'pruned' ? (run.pruneMessage ?? m.message) : m.message };
  }
}
