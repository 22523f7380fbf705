// Types of what training produces: loss parts, progress events, image grids, and run records.
// Shared by the engine (in a worker), the run service, the store, the CLI and the renderer.

import type { ExperimentConfig } from './config.ts';
import type { EvaluationSplit, WatchedSplit } from './data-split.ts';
import type { EvaluationRecord, EvaluationState } from './evaluation.ts';

/** `pruned`: stopped early by its sweep's successive halving, at a rung where it ranked low. */
export type RunStatus = 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'interrupted' | 'pruned';
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused', 'completed', 'failed', 'interrupted', 'pruned'];
/** Statuses in which some process is (supposed to be) working on the run. */
export const LIVE_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused'];

/** What kind of process has the database open to train: the desktop app, a browser-mode server, the CLI. */
export type ProcessKind = 'app' | 'server' | 'cli';
export const PROCESS_KINDS: readonly ProcessKind[] = ['app', 'server', 'cli'];

/** The process that claimed a live run. Several processes may share one database. */
export interface RunOwnerProcess {
  pid: number;
  /** Null when the process did not say (it predates the registry, or registered nothing). */
  kind: ProcessKind | null;
}

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Loss per image, in nats. `total` is the negative ELBO: recon + kl (beta only weights the optimised objective). */
export interface LossParts {
  recon: number;
  kl: number;
  total: number;
}

/**
 * What the optimizer saw at a step: the objective it minimised per image (the β-weighted ELBO with
 * free bits' floor, or the IWAE bound's negative; the negative ELBO itself when no control is on),
 * the β it used and the learning rate.
 */
export interface StepControls {
  objective: number;
  beta: number;
  learningRate: number;
}

/**
 * A grid of images, row-major, pixels 0..255: `rows*cols*height*width*channels` bytes, channels
 * interleaved (RGBRGB...) when there are 3. `channels` absent means 1 (grayscale): every grid logged
 * before colour existed, and the store derives it from the byte count, so no column records it.
 */
export interface ImageGrid {
  rows: number;
  cols: number;
  height: number;
  width: number;
  channels?: 1 | 3;
  pixels: Uint8Array;
}

export type ImageKind = 'reconstruction' | 'samples';

export interface RunRecord {
  id: number;
  name: string;
  preset: string;
  config: ExperimentConfig;
  status: RunStatus;
  /** Why a run failed or was interrupted; empty otherwise. */
  statusMessage: string;
  backend: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  datasetName: string;
  datasetFingerprint: string;
  notes: string;
  tags: string[];
  /** Steps completed so far (from the last logged step). */
  step: number;
  epoch: number;
  totalSteps: number;
  finalTrain: LossParts | null;
  finalHeldOut: LossParts | null;
  imagesPerSec: number | null;
  /** Who is training (or has queued) the run; null once it finished or before anyone claimed it. */
  owner: RunOwnerProcess | null;
  /** The sweep the run belongs to, and its position in the sweep's expansion; null for a lone run. */
  sweepId: number | null;
  sweepIndex: number | null;
  /**
   * Its headline NLL_k evaluation: of its latest evaluated checkpoint, the largest k (then the most
   * images, then the newest); null when it has none.
   */
  evaluation: EvaluationRecord | null;
  /** The queue worker that trained it (its latest attempt); null when it trained on this machine. */
  worker: RunWorker | null;
}

/** A queue worker as it names itself (`npm run worker -- --name`) and the host it runs on. */
export interface RunWorker {
  name: string;
  host: string;
}

export interface StepMetric {
  step: number;
  epoch: number;
  loss: LossParts;
  imagesPerSec: number;
  /** Milliseconds since the run (or its latest resume) started. */
  wallMs: number;
  /** Absent for steps logged before the training controls existed. */
  controls?: StepControls;
}

export interface EpochMetric {
  epoch: number;
  step: number;
  train: LossParts;
  heldOut: LossParts | null;
  /**
   * What early stopping, reduce-on-plateau and the best checkpoint watched at this epoch's end, and
   * its negative ELBO. Carried by the live event and by the epoch's checkpoint (in its control
   * state); absent from epochs read back from epoch_metrics, which has no column for it.
   */
  watched?: { split: WatchedSplit; total: number };
  imagesPerSec: number;
  wallMs: number;
}

/**
 * Events a training worker emits, relayed by the run service to the store and to clients.
 * Epoch numbers: a `step` event's epoch is the 1-based epoch the step belongs to; an EpochMetric's
 * is the 1-based epoch just completed; `image` and `checkpoint` events carry the count of completed
 * epochs at that moment. Steps are always the count of completed steps.
 */
export type TrainingEvent =
  | {
      type: 'started';
      runId: number;
      backend: BackendName;
      backendNote: string;
      trainSize: number;
      /** Images evaluated each epoch: the test split's or the held-out share's, as `evaluation` says. */
      heldOutSize: number;
      /** Absent from runs started before test splits existed: they held out a share. */
      evaluation?: EvaluationSplit;
      /** Training images kept out for early stopping and reduce-on-plateau to watch (absent: none). */
      validationSize?: number;
      stepsPerEpoch: number;
      totalSteps: number;
      /** Step the run starts from (non-zero when resumed from a checkpoint). */
      fromStep: number;
    }
  | {
      type: 'step';
      runId: number;
      epoch: number;
      step: number;
      totalSteps: number;
      loss: LossParts;
      imagesPerSec: number;
      etaSeconds: number;
      wallMs: number;
      controls?: StepControls;
    }
  | { type: 'epoch'; runId: number; metric: EpochMetric }
  | { type: 'image'; runId: number; epoch: number; step: number; kind: ImageKind; grid: ImageGrid }
  | { type: 'checkpoint'; runId: number; epoch: number; step: number }
  | { type: 'status'; runId: number; status: RunStatus; message: string }
  /** An NLL_k evaluation of checkpoint `step`: its progress (`done` of `total` images), then its end. */
  | {
      type: 'evaluation';
      runId: number;
      step: number;
      k: number;
      state: EvaluationState;
      done: number;
      total: number;
      /** Why it failed or was cancelled; empty otherwise. */
      message: string;
    };
