// The training controls' arithmetic: β and the learning rate at a step, and the epoch-end updates of
// reduce-on-plateau, early stopping and the best epoch. Pure functions of the config, the step and a
// small JSON state, so the trainer's checkpoint can carry the state and a resumed run continues
// exactly, and the tests can hold every schedule to a hand-computed table.
// Settings missing from a config (a run stored before the controls existed) take their defaults, so
// such a run trains and resumes as it did.

import type { ExperimentConfig, LossConfig, OptimConfig } from './config.ts';
import { LOSS_CONTROL_DEFAULTS, OPTIM_CONTROL_DEFAULTS } from './presets.ts';
import type { WatchedSplit } from './data-split.ts';

/** Where the step about to be taken sits in the run. */
export interface ScheduleClock {
  /** Steps completed before this one (0 for the first step). */
  step: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** The loss settings with any control a stored config lacks at its default. */
export function lossControls(loss: LossConfig): LossConfig {
  return { ...LOSS_CONTROL_DEFAULTS, ...stripUndefined(loss) } as LossConfig;
}

/** The optimisation settings with any control a stored config lacks at its default. */
export function optimControls(optim: OptimConfig): OptimConfig {
  return { ...OPTIM_CONTROL_DEFAULTS, ...stripUndefined(optim) } as OptimConfig;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** β for the step at `clock`: `loss.beta` times the schedule's factor in 0..1. */
export function betaAt(loss: LossConfig, clock: ScheduleClock): number {
  const c = lossControls(loss);
  switch (c.klSchedule) {
    case 'constant':
      return c.beta;
    case 'linear':
      return c.beta * Math.min(1, clock.step / clock.stepsPerEpoch / c.klWarmupEpochs);
    case 'cyclical': {
      // Fu et al.'s τ = mod(t, T/M) / (T/M), from the step count so a cycle need not be whole epochs.
      const position = (clock.step * c.klCycles) / clock.totalSteps;
      const tau = position - Math.floor(position);
      return tau < c.klCycleRise ? c.beta * (tau / c.klCycleRise) : c.beta;
    }
  }
}

/** The state the epoch-end controls carry from epoch to epoch; JSON, so it travels in a checkpoint. */
export interface ControlState {
  /** The current learning rate of `plateau` (the others are functions of the step). */
  plateauLr: number;
  /** Best monitored value seen by `plateau`, null before the first epoch. */
  plateauBest: number | null;
  /** Epochs since `plateau` last improved or reduced. */
  plateauWait: number;
  /** Best monitored value (held-out negative ELBO) so far, and the 1-based epoch it was reached at. */
  best: number | null;
  bestEpoch: number;
  /**
   * What the latest epoch end watched and its value: saved in every epoch-end checkpoint, so the
   * store holds per epoch what the decisions saw (the validation split has no epoch_metrics column).
   * Absent before the first epoch end and from checkpoints written before it existed.
   */
  watched?: WatchedSplit;
  monitored?: number | null;
}

export function initialControlState(optim: OptimConfig): ControlState {
  return { plateauLr: optim.learningRate, plateauBest: null, plateauWait: 0, best: null, bestEpoch: 0 };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const WATCHED: readonly WatchedSplit[] = ['validation', 'test', 'held-out', 'train'];

/** A checkpoint's state checked; null when it is missing or malformed (the caller starts afresh). */
export function checkedControlState(v: unknown): ControlState | null {
  if (typeof v !== 'object' || v === null) return null;
  const s = v as Record<string, unknown>;
  const nullableNum = (x: unknown) => x === null || isNum(x);
  if (!isNum(s.plateauLr) || !nullableNum(s.plateauBest) || !isNum(s.plateauWait)) return null;
  if (!nullableNum(s.best) || !isNum(s.bestEpoch)) return null;
  const watched =
    typeof s.watched === 'string' && WATCHED.includes(s.watched as WatchedSplit) ? (s.watched as WatchedSplit) : null;
  return {
    plateauLr: s.plateauLr,
    plateauBest: s.plateauBest,
    plateauWait: s.plateauWait,
    best: s.best,
    bestEpoch: s.bestEpoch,
    ...(watched ? { watched, monitored: nullableNum(s.monitored) ? s.monitored : null } : {}),
  };
}

/** The learning rate for the step at `clock`. */
export function learningRateAt(optim: OptimConfig, clock: ScheduleClock, state: ControlState): number {
  const c = optimControls(optim);
  const epoch = Math.floor(clock.step / clock.stepsPerEpoch);
  switch (c.lrSchedule) {
    case 'constant':
      return c.learningRate;
    case 'step':
      return c.learningRate * c.lrFactor ** Math.floor(epoch / c.lrStepEpochs);
    case 'exponential':
      return c.learningRate * c.lrFactor ** epoch;
    case 'cosine': {
      // Reaches lrMin at the last step, as the help says (PyTorch's CosineAnnealingLR with T_max = steps - 1).
      const t = clock.totalSteps > 1 ? clock.step / (clock.totalSteps - 1) : 0;
      return c.lrMin + ((c.learningRate - c.lrMin) * (1 + Math.cos(Math.PI * Math.min(1, t)))) / 2;
    }
    case 'plateau':
      return state.plateauLr;
  }
}

export interface EpochVerdict {
  state: ControlState;
  /** This epoch is the best so far (its checkpoint is the best one). */
  improved: boolean;
  /** Early stopping says the run ends here. */
  stop: boolean;
}

/**
 * The controls after `epoch` (1-based, just completed) scored `monitored` (the held-out negative
 * ELBO; the training one when nothing is held out). Improvement is strict, so ties keep the earlier
 * epoch. Reduce-on-plateau follows PyTorch's ReduceLROnPlateau (mode min, threshold 0, no cooldown):
 * after more than `lrPatience` epochs without improvement the rate is multiplied by `lrFactor`.
 */
export function endEpoch(
  config: ExperimentConfig,
  state: ControlState,
  epoch: number,
  monitored: number,
  watched?: WatchedSplit,
): EpochVerdict {
  const c = optimControls(config.optim);
  const next: ControlState = {
    ...state,
    ...(watched ? { watched, monitored: Number.isFinite(monitored) ? monitored : null } : {}),
  };
  const finite = Number.isFinite(monitored);
  const improved = finite && (state.best === null || monitored < state.best);
  if (improved) {
    next.best = monitored;
    next.bestEpoch = epoch;
  }
  if (c.lrSchedule === 'plateau') {
    if (finite && (state.plateauBest === null || monitored < state.plateauBest)) {
      next.plateauBest = monitored;
      next.plateauWait = 0;
    } else {
      next.plateauWait = state.plateauWait + 1;
      if (next.plateauWait > c.lrPatience) {
        next.plateauLr = Math.max(c.lrMin, state.plateauLr * c.lrFactor);
        next.plateauWait = 0;
      }
    }
  }
  return { state: next, improved, stop: shouldStopEarly(config, next, epoch) };
}

/** Early stopping's test: `earlyStopPatience` epochs have passed since the best one. */
export function shouldStopEarly(config: ExperimentConfig, state: ControlState, epoch: number): boolean {
  const patience = optimControls(config.optim).earlyStopPatience;
  return patience > 0 && epoch - state.bestEpoch >= patience;
}

/** The controls a config turns on, in words ("β: linear warm-up over 10 epochs"); empty when none. */
export function describeControls(config: ExperimentConfig): string[] {
  const l = lossControls(config.loss);
  const o = optimControls(config.optim);
  const out: string[] = [];
  if (l.klSchedule === 'linear') out.push(`β: linear warm-up to ${l.beta} over ${l.klWarmupEpochs} epochs`);
  if (l.klSchedule === 'cyclical') out.push(`β: ${l.klCycles} cycles to ${l.beta}, rising over ${l.klCycleRise * 100}% of each`);
  if (l.freeBits > 0) out.push(`Free bits: ${l.freeBits} nats per dimension`);
  if (l.objective === 'iwae') out.push(`Objective: IWAE with K = ${l.samples}`);
  if (o.lrSchedule === 'step') out.push(`Learning rate: × ${o.lrFactor} every ${o.lrStepEpochs} epochs`);
  if (o.lrSchedule === 'exponential') out.push(`Learning rate: × ${o.lrFactor} per epoch`);
  if (o.lrSchedule === 'cosine') out.push(`Learning rate: cosine to ${o.lrMin}`);
  if (o.lrSchedule === 'plateau')
    out.push(`Learning rate: × ${o.lrFactor} after ${o.lrPatience + 1} epochs without improvement (min ${o.lrMin})`);
  if (o.earlyStopPatience > 0)
    out.push(`Early stopping: after ${o.earlyStopPatience} epoch${o.earlyStopPatience === 1 ? '' : 's'} without improvement`);
  if (o.clipNorm > 0) out.push(`Gradient norm clipped at ${o.clipNorm}`);
  return out;
}

/** Whether β, the learning rate or the objective can differ from the plain run's: worth a chart. */
export function hasScheduledControls(config: ExperimentConfig): boolean {
  const l = lossControls(config.loss);
  return (
    l.klSchedule !== 'constant' ||
    l.freeBits > 0 ||
    l.objective === 'iwae' ||
    optimControls(config.optim).lrSchedule !== 'constant'
  );
}
