// The one contract between the renderer and main: every method (its arguments and result) and every
// event. IPC (Electron) and HTTP + WebSocket (browser mode) both carry exactly this, so the
// renderer holds one `WorkbenchClient` and cannot tell which transport is underneath.
// Results always cross as Result envelopes: a failure is data, never a thrown exception.

import type { ExperimentConfig, DataConfig } from './config.ts';
import type { Preset } from './presets.ts';
import type { EvaluationRecord } from './evaluation.ts';
import type { Result } from './result.ts';
import type { PackedRunList } from './run-list.ts';
import type { RunListHead, RunListHeadArgs } from './run-list-head.ts';
import type { SweepRecord } from './sweep.ts';
import type { EpochMetric, ImageGrid, ImageKind, RunRecord, StepMetric, TrainingEvent } from './training.ts';

export interface AppInfo {
  version: string;
  /** 'electron' or 'browser': lets the UI offer a native file dialog only where one exists. */
  shell: 'electron' | 'browser';
  databasePath: string;
  /** The log file where this process records faults, or null when it keeps no log file. */
  logFile: string | null;
  presets: readonly Preset[];
  /** Runs that may train at once; more wait in the queue. */
  maxConcurrent: number;
  /**
   * The process id that trains this workbench's runs: a live run owned by another pid is trained
   * by another process sharing the database (the CLI, another window), which this one cannot pause.
   */
  pid: number;
  /** Logical cores of the machine that trains: a sweep's default parallelism is cores - 1. */
  cores: number;
}

export interface DatasetSummary {
  name: string;
  fingerprint: string;
  count: number;
  height: number;
  width: number;
  /** Images per label (index = label), or null when the data set has no labels. */
  labelCounts: number[] | null;
  /** Every pixel 0 or 1 (so a Bernoulli likelihood is a log-likelihood without binarizing). */
  binary: boolean;
  /** The data set's own test split, which evaluation then uses; null without one. */
  test: { name: string; count: number; labelCounts: number[] | null } | null;
  /** A test file found beside the training file by the usual names, when none is set; else null. */
  testCandidate: string | null;
  /** 3 for a colour image folder; absent: grayscale. */
  channels?: 1 | 3;
  /** An image folder's class names, label i being classNames[i]; absent otherwise. */
  classNames?: string[];
  /** An image folder's files that could not be decoded (data.badImages skip); absent otherwise. */
  skipped?: SkippedImage[];
}

/** A file of an image folder left out because it could not be decoded, and the decoder's reason. */
export interface SkippedImage {
  path: string;
  reason: string;
}

/**
 * What a run's data set held beyond its name and fingerprint: an image folder's class names (label
 * i is classNames[i]; null for a data set whose labels are plain numbers, or none) and the files it
 * skipped. Absent for runs stored before image folders existed.
 */
export interface RunDataInfo {
  classNames: string[] | null;
  skipped: SkippedImage[];
}

/**
 * How far the loading of an image folder is, while a form checks it or a run starts on it: the
 * first load decodes every file (`decoding`, done of total files); later loads read the cache.
 */
export interface DataLoadProgress {
  path: string;
  phase: 'scanning' | 'decoding' | 'reading';
  done: number;
  total: number;
}

export interface LoggedImage {
  kind: ImageKind;
  epoch: number;
  step: number;
  grid: ImageGrid;
}

/**
 * What Compare draws of a run: its record, logged history and checkpoints, without the images a
 * RunDetail carries (Compare reads images per checkpoint, and only for the few runs it shows).
 */
export type RunHistory = Pick<RunDetail, 'run' | 'steps' | 'epochs' | 'checkpoints'>;

export interface RunDetail {
  run: RunRecord;
  steps: StepMetric[];
  epochs: EpochMetric[];
  /** The latest image of each kind. */
  images: LoggedImage[];
  /** Steps at which images were logged, per kind, for scrubbing through a run's history. */
  imageSteps: Record<ImageKind, number[]>;
  /** Saved checkpoints, oldest first: every epoch end, plus the newest mid-epoch one. */
  checkpoints: CheckpointSummary[];
  /** Class names and skipped files of its data set; null when none were kept (not an image folder, or older). */
  data?: RunDataInfo | null;
}

/** Which of a run's checkpoints to use: the latest, or the best (see CheckpointSummary.best). */
export type CheckpointChoice = 'last' | 'best';
export const CHECKPOINT_CHOICES: readonly CheckpointChoice[] = ['last', 'best'];

export interface CheckpointSummary {
  step: number;
  /** Epochs completed when it was saved. */
  epoch: number;
  atEpochEnd: boolean;
  /** The run's best checkpoint: the epoch end with the lowest held-out negative ELBO. */
  best: boolean;
  /** A conditional VAE's class count (labels 0 to classes - 1); absent when not conditioned. */
  classes?: number;
}

/** Latent points decoded by one run's decoder at one checkpoint. */
export interface DecodedImages {
  runId: number;
  /** The checkpoint used (the latest when none was asked for). */
  step: number;
  epoch: number;
  /** One cell per point, in the order given, `cols` cells per row; pixels are the decoder's mean. */
  grid: ImageGrid;
  /** Milliseconds the decode itself took in main's latent worker. */
  decodeMs: number;
}

/** Images encoded by one run's encoder at one checkpoint: the posterior means, for plotting. */
export interface LatentEncoding {
  runId: number;
  step: number;
  epoch: number;
  /** Whose images these are (`sourceRunId`, or the run itself) and which split of that run. */
  sourceRunId: number;
  source: 'held-out' | 'train';
  count: number;
  latentDim: number;
  /** Posterior means, `count * latentDim`, row-major. */
  means: number[];
  /** One label per image, or null when the data set has none. */
  labels: number[] | null;
  /**
   * KL(q(z_d|x) || N(0,1)) of each latent dimension, averaged over these images, in nats. A
   * dimension near 0 is inactive (collapsed to the prior).
   */
  klPerDim: number[];
  /** The images themselves, one per row (`rows = count`, `cols = 1`), when asked for. */
  images: ImageGrid | null;
}

export interface RunEdit {
  runId: number;
  name?: string;
  notes?: string;
  tags?: string[];
}

/** Method name -> [argument, result]. Methods without arguments take `void`. */
export interface WorkbenchMethods {
  getAppInfo: [void, AppInfo];
  /** Loads a data set (without training) to show its size and labels in the form. */
  inspectDataset: [{ data: DataConfig }, DatasetSummary];
  /**
   * Opens a native file dialog (Electron only); null when cancelled or unavailable. `testPath`: the
   * test split found beside the picked file as the CLI and loader find it (`t10k-*` beside an IDX
   * `train-*` file, `mnist_test.csv` beside `mnist_train.csv`), or null when there is none.
   */
  pickDataFile: [void, { path: string; testPath: string | null } | null];
  /** Opens a native folder dialog for an image folder (Electron only); null when cancelled or unavailable. */
  pickDataFolder: [void, { path: string } | null];
  /**
   * Opens a native save dialog for a new export folder (Electron only); null when cancelled or
   * unavailable. The path does not exist yet: it is meant for exportRun's `dir`.
   */
  pickExportFolder: [{ suggestedName: string }, { path: string } | null];
  startRun: [{ config: ExperimentConfig }, RunRecord];
  pauseRun: [{ runId: number }, RunRecord];
  resumeRun: [{ runId: number }, RunRecord];
  stopRun: [{ runId: number }, RunRecord];
  /** Every run, newest first, packed by column (unpackRunList in run-list.ts gives the records). */
  listRuns: [void, PackedRunList];
  /**
   * The Runs table's first `count` rows (at most MAX_HEAD_ROWS) in its sort and filter, and how
   * many runs match: a page opening on the table draws them while listRuns' whole list arrives.
   */
  listRunsHead: [RunListHeadArgs, RunListHead];
  getRun: [{ runId: number; maxPoints?: number }, RunDetail];
  /**
   * Several runs' histories in one call (at most MAX_HISTORY_RUNS), each run's steps bucketed to at
   * most `maxPoints`; runs that do not exist are left out. Compare with hundreds of runs asks a few
   * of these instead of one getRun per run.
   */
  getRunHistories: [{ runIds: number[]; maxPoints?: number }, RunHistory[]];
  getImage: [{ runId: number; kind: ImageKind; step: number }, LoggedImage];
  updateRun: [RunEdit, RunRecord];
  /** Deletes runs with everything logged for them; live runs are stopped first. */
  deleteRuns: [{ runIds: number[] }, { deleted: number[] }];
  /**
   * Writes a finished run as a folder `dir` (absolute; must not exist or be empty): the encoder and
   * decoder in the TensorFlow.js Layers format, manifest.json, metrics CSVs and image PNGs.
   * `files` are paths relative to `dir`. `checkpoint`: the latest (default) or the best one.
   */
  exportRun: [{ runId: number; dir: string; checkpoint?: CheckpointChoice }, { dir: string; files: string[] }];
  /** Checks an export folder (absolute path) completely, then stores it as a new completed run. */
  importRun: [{ dir: string }, RunRecord];
  /**
   * Decodes latent points (each `latentDim` long; at most 1,024) with a run's decoder at checkpoint
   * `step` (default: the latest). Runs in a worker thread that keeps recently used models loaded.
   * A conditional VAE decodes every point with `label` (required for one, ignored by other runs).
   */
  decodeLatents: [{ runId: number; step?: number; points: number[][]; cols?: number; label?: number }, DecodedImages];
  /**
   * Encodes the first `count` (at most 5,000) held-out images of run `sourceRunId` (default: the
   * run itself; its training images when it holds none out) with run `runId`'s encoder at
   * checkpoint `step` (default: the latest). The data set is reloaded from the run's config and
   * must still have the fingerprint the source run recorded.
   */
  encodeImages: [{ runId: number; step?: number; count: number; sourceRunId?: number; includeImages?: boolean }, LatentEncoding];
  /**
   * Evaluates checkpoint `step` (default: the latest) of a run: the importance-weighted NLL_k with
   * `k` samples per image (default: the run's end-of-training k, else 100; at most 5,000) on at most
   * `images` of its evaluation images, plus active units and I(x; z). Runs in a worker thread; its
   * progress arrives as `evaluation` training events; resolves with the stored record. One at a time per run.
   */
  evaluateRun: [{ runId: number; step?: number; k?: number; images?: number }, EvaluationRecord];
  /** Cancels a run's evaluation in progress (nothing is stored); `cancelled` is false when none was running. */
  cancelEvaluation: [{ runId: number }, { cancelled: boolean }];
  /** Every evaluation of a run, oldest first. */
  listEvaluations: [{ runId: number }, EvaluationRecord[]];
  /**
   * Checks a sweep definition completely (every axis and every run's config), stores the sweep with
   * all its runs queued, and starts training them `parallel` at a time. `definition` is untrusted
   * and checked by expandSweep (src/shared/sweep.ts). With `queueUrl` (postgres://USER:PASSWORD@HOST:PORT/DB)
   * its runs train on that queue's workers instead, this process following them: the connection is
   * checked before anything is stored, and the password is kept in memory only (the sweep records
   * the URL without it). A URL without a password takes it from VAE_QUEUE_URL when that names the same queue.
   */
  createSweep: [{ definition: unknown; queueUrl?: string }, SweepRecord];
  /** Newest first. */
  listSweeps: [void, SweepRecord[]];
  getSweep: [{ sweepId: number }, SweepRecord];
  /** Lets running runs finish their current epoch-end checkpoint and stop; starts nothing new. */
  pauseSweep: [{ sweepId: number }, SweepRecord];
  /**
   * Continues a paused, cancelled or orphaned sweep: interrupted runs resume, queued ones start. A
   * sweep on a queue is followed again (`queueUrl`, or VAE_QUEUE_URL when it names the sweep's queue).
   */
  resumeSweep: [{ sweepId: number; queueUrl?: string }, SweepRecord];
  /** Stops the sweep's live runs (resumable) and marks the sweep cancelled; queued runs stay queued. */
  cancelSweep: [{ sweepId: number }, SweepRecord];
}

/** The most runs one getRunHistories call may name. */
export const MAX_HISTORY_RUNS = 500;

export type MethodName = keyof WorkbenchMethods;
export type MethodArgs<M extends MethodName> = WorkbenchMethods[M][0];
export type MethodResult<M extends MethodName> = WorkbenchMethods[M][1];

export const METHOD_NAMES = [
  'getAppInfo',
  'inspectDataset',
  'pickDataFile',
  'pickDataFolder',
  'pickExportFolder',
  'startRun',
  'pauseRun',
  'resumeRun',
  'stopRun',
  'listRuns',
  'listRunsHead',
  'getRun',
  'getRunHistories',
  'getImage',
  'updateRun',
  'deleteRuns',
  'exportRun',
  'importRun',
  'decodeLatents',
  'encodeImages',
  'evaluateRun',
  'cancelEvaluation',
  'listEvaluations',
  'createSweep',
  'listSweeps',
  'getSweep',
  'pauseSweep',
  'resumeSweep',
  'cancelSweep',
] as const satisfies readonly MethodName[];

/** Events pushed from main. Training events arrive in batches, at most ~20 a second per client. */
export type WorkbenchEvent =
  | { type: 'training'; events: TrainingEvent[] }
  /** Some run was created, changed or deleted: lists should refresh. */
  | { type: 'runs-changed' }
  /**
   * Runs changed by another process sharing the database (new, renamed, progressed, finished,
   * deleted), as they are now; their training progress arrives as ordinary training events.
   */
  | { type: 'runs-updated'; runs: RunRecord[]; deleted: number[] }
  /** A sweep was created or changed status (its runs' changes arrive as run events). */
  | { type: 'sweeps-changed'; sweeps: SweepRecord[] }
  /** An image folder being loaded for a data check or a run that is starting. */
  | { type: 'data-progress'; progress: DataLoadProgress }
  /**
   * Never sent by main: a client whose transport dropped and came back (the browser mode's
   * WebSocket) says so, since events sent meanwhile are lost and views must re-read what they show.
   */
  | { type: 'reconnected' };

/** What the Electron window's native menu asks the UI to do; the UI owns how each is shown. */
export const APP_COMMANDS = ['new-experiment', 'open-data-file', 'open-image-folder'] as const;
export type AppCommand = (typeof APP_COMMANDS)[number];
export interface AppCommandEvent {
  type: 'command';
  command: AppCommand;
}

/** What the renderer holds. Each method resolves with a Result envelope and never rejects. */
export type WorkbenchClient = {
  [M in MethodName]: MethodArgs<M> extends void
    ? () => Promise<Result<MethodResult<M>>>
    : (args: MethodArgs<M>) => Promise<Result<MethodResult<M>>>;
} & {
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
  /**
   * Subscribes to native menu commands (File > New Experiment, ...); returns the unsubscribe
   * function. Only where there is a native menu: the Electron window has it, a browser tab does not.
   */
  onCommand?(listener: (event: AppCommandEvent) => void): () => void;
};

/** What main implements; a thrown AppFailure becomes a failed Result at the transport. */
export type WorkbenchHandlers = {
  [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodResult<M>> | MethodResult<M>;
};
