// Messages between the run service (parent thread) and a training worker thread.
// Control (pause/stop) goes through a SharedArrayBuffer flag instead of messages, so the worker's
// tight training loop sees it without yielding to its event loop between steps.

import type { ExperimentConfig } from '../../shared/config.ts';
import type { AppError } from '../../shared/result.ts';
import type { BackendName, LossParts, TrainingEvent } from '../../shared/training.ts';
import type { CheckpointBlobs } from '../engine/trainer.ts';

export const CONTROL_RUN = 0;
export const CONTROL_PAUSE = 1;
export const CONTROL_STOP = 2;

export interface WorkerInput {
  config: ExperimentConfig;
  /** Int32Array(1) view: CONTROL_RUN / CONTROL_PAUSE / CONTROL_STOP. */
  control: SharedArrayBuffer;
  /** Present when resuming: the checkpoint to continue from. */
  resume: CheckpointBlobs | null;
  /** When resuming, the data set must be the one the run was trained on. */
  expectFingerprint: string | null;
}

/** Parent -> worker: the run record exists (or the queue slot opened); start training as `runId`. */
export interface BeginMessage {
  type: 'begin';
  runId: number;
}

export interface DataReady {
  type: 'data-ready';
  datasetName: string;
  datasetFingerprint: string;
  trainSize: number;
  heldOutSize: number;
  stepsPerEpoch: number;
  totalSteps: number;
  backend: BackendName;
  backendNote: string;
}

export interface FinalMetrics {
  train: LossParts | null;
  heldOut: LossParts | null;
  imagesPerSec: number;
}

export type WorkerMessage =
  | DataReady
  | { type: 'event'; event: TrainingEvent }
  | { type: 'checkpoint'; blobs: CheckpointBlobs }
  | {
      type: 'finished';
      status: 'completed' | 'failed' | 'interrupted';
      message: string;
      final: FinalMetrics;
    }
  /** Failure before training began (bad data, unavailable backend): nothing was stored. */
  | { type: 'setup-failed'; error: AppError };
