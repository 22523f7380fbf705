// Messages between the run service (parent thread) and a training worker thread.
// Control (pause/stop) goes through a SharedArrayBuffer flag instead of messages, so the worker's
// tight training loop sees it without yielding to its event loop between steps.

import type { ExperimentConfig } from '../../shared/config.ts';
import type { DataLoadProgress, SkippedImage } from '../../shared/contract.ts';
import type { AppError } from '../../shared/result.ts';
import type { BackendName, LossParts, TrainingEvent } from '../../shared/training.ts';
import type { EvaluationResult } from '../../shared/evaluation.ts';
import type { CheckpointBlobs } from '../engine/trainer.ts';

export const CONTROL_RUN = 0;
export const CONTROL_PAUSE = 1;
export const CONTROL_STOP = 2;

// The control buffer's second word is the rung gate (successive halving): at the end of a rung epoch
// the worker sets it to WAITING, posts `gate` and blocks on it until the parent writes a decision. A
// stop that arrives meanwhile turns WAITING into WAKE, so the blocked worker cannot miss it.
export const CONTROL_WORDS = 2;
export const WORD_CONTROL = 0;
export const WORD_GATE = 1;
export const GATE_IDLE = 0;
export const GATE_WAITING = 1;
export const GATE_CONTINUE = 2;
export const GATE_PRUNE = 3;
export const GATE_WAKE = 4;

export interface WorkerInput {
  config: ExperimentConfig;
  /** Int32Array(CONTROL_WORDS) view: CONTROL_RUN / PAUSE / STOP, then the rung gate. */
  control: SharedArrayBuffer;
  /** Present when resuming: the checkpoint to continue from. */
  resume: CheckpointBlobs | null;
  /** When resuming, the data set must be the one the run was trained on. */
  expectFingerprint: string | null;
}

/**
 * Worker -> parent once its data is loaded, before it starts its backend: how many compute threads
 * may it use? Asked this late so that runs started together all count when the cores are shared.
 */
export interface ThreadsRequest {
  type: 'threads-request';
}

/** Parent -> worker: the answer to ThreadsRequest. */
export interface ThreadsMessage {
  type: 'threads';
  threads: number;
}

/** Parent -> worker: the run record exists (or the queue slot opened); start training as `runId`. */
export interface BeginMessage {
  type: 'begin';
  runId: number;
  /** Epochs at whose end the run waits for a continue-or-prune decision; empty when nothing prunes it. */
  rungs: number[];
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
  /** Compute threads the backend got (see ThreadsRequest). */
  threads: number;
  /** `data`: the threads train shares of each batch (gradient workers); `kernels`: the backend's own pool. */
  threading: 'data' | 'kernels';
  /** An image folder's class names (null: none), and the files it skipped; kept with the run. */
  classNames: string[] | null;
  skipped: SkippedImage[];
}

export interface FinalMetrics {
  train: LossParts | null;
  heldOut: LossParts | null;
  imagesPerSec: number;
}

export type WorkerMessage =
  | DataReady
  | ThreadsRequest
  /** Loading an image folder, before data-ready: the first load decodes every file. */
  | { type: 'data-progress'; progress: DataLoadProgress }
  | { type: 'event'; event: TrainingEvent }
  | { type: 'checkpoint'; blobs: CheckpointBlobs }
  /** The end-of-training evaluation of the final checkpoint (its progress travels as events). */
  | { type: 'evaluation'; result: EvaluationResult }
  /** The run finished a rung epoch (its metrics and checkpoint already posted) and waits for a decision. */
  | { type: 'gate'; epoch: number }
  | {
      type: 'finished';
      /** `pruned`: the parent decided so at a rung; it holds the message saying why. */
      status: 'completed' | 'failed' | 'interrupted' | 'pruned';
      message: string;
      final: FinalMetrics;
    }
  /** Failure before training began (bad data, unavailable backend): nothing was stored. */
  | { type: 'setup-failed'; error: AppError };
