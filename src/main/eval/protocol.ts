// Messages between the evaluation service (main) and an evaluation worker: one job per thread,
// given in workerData; the worker posts progress, then one result or error. A cancel terminates it.

import type { ExperimentConfig } from '../../shared/config.ts';
import type { EvaluationResult } from '../../shared/evaluation.ts';
import type { AppError } from '../../shared/result.ts';

export interface EvalJob {
  config: ExperimentConfig;
  /** The data set the run recorded; a data set that no longer matches is refused. */
  fingerprint: string;
  runLabel: string;
  checkpointStep: number;
  encoder: Uint8Array;
  decoder: Uint8Array;
  k: number;
  images: number;
}

export type EvalWorkerMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'result'; result: EvaluationResult }
  | { type: 'error'; error: AppError };
