// Trains a few steps of a config with N compute threads, in a thread of its own, and reports time
// and losses: what bench/ compares across thread counts, and what the determinism tests check.

import type { ExperimentConfig } from '../../shared/config.ts';
import { runWorkerJob } from '../worker-threads.ts';

export interface StepTiming {
  /** The backend's note: which backend, and how many threads it got. */
  note: string;
  /** Timed steps (fewer than asked when the config's epochs end first). */
  steps: number;
  msPerStep: number;
  /** CPU time of the whole process per timed step (all its threads). */
  cpuMsPerStep: number;
  imagesPerSec: number;
  /** CPU time / wall time of each thread that worked during the timed steps, busiest first (Linux). */
  threadUtilisation: number[];
  /** Loss (total) of every step, warm-up included, in order. */
  losses: number[];
  /** Tensors alive after the timed steps minus before them: 0 when nothing leaks. */
  tensorGrowth: number;
  /** The same over the gradient workers of a data-parallel run (summed; 0 without them). */
  workerTensorGrowth: number;
  /** Gradient workers the run trained with (data-parallel shares after the first). */
  gradientWorkers: number;
}

export type StepTimerProtocol = {
  time: {
    request: { config: ExperimentConfig; threads: number; warmup: number; steps: number; synthetic?: number };
    reply: StepTiming;
  };
};

/**
 * Trains `warmup` then `steps` steps of `config` on `threads` compute threads (its run.threading
 * says how; 1 = the single-threaded build) in a fresh worker thread, which ends with the call (its compute
 * threads too), and times the `steps`. `synthetic`: train on that many generated images of the
 * config's size instead of its data (a colour model without an image folder).
 */
export function timeTrainingSteps(
  config: ExperimentConfig,
  threads: number,
  { warmup = 2, steps = 10, synthetic }: { warmup?: number; steps?: number; synthetic?: number } = {},
): Promise<StepTiming> {
  return runWorkerJob<StepTimerProtocol, 'time'>(
    import.meta.url,
    'step-timer-worker',
    { op: 'time', config, threads, warmup, steps, ...(synthetic ? { synthetic } : {}) },
    { tensorflow: true },
  );
}
