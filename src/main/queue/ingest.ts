// The coordinator's side of a trial: what arrived in PostgreSQL (a TrialSnapshot, already validated)
// goes into the SQLite store as if the run had trained here, through the same RunOutput a local run
// writes with. Idempotent by construction:
// - a cursor says how far the store has the trial; only rows past it are written, and step and
//   epoch rows are keyed by (run, step) and (run, epoch) in the store, so writing one twice replaces it;
// - the cursor is derived from the store itself (its newest checkpoint, with everything logged after
//   it dropped), so a coordinator restarted after a kill picks up exactly where the store stands;
// - when the trial's attempt changes (a retry resumed from its newest checkpoint and replays the
//   steps after it), the store is rewound the same way before anything of the new attempt is written,
//   so rows are never duplicated or left out of order.
// Each snapshot is written in one SQLite transaction: a kill mid-ingestion leaves the store as it was.

import type { EpochMetric, ImageGrid, ImageKind, RunWorker, StepMetric, TrainingEvent } from '../../shared/training.ts';
import { RunOutput } from '../runs/output.ts';
import { truncateAfterCheckpoint } from '../runs/resume-point.ts';
import type { CheckpointBlobs } from '../engine/trainer.ts';
import type { Store } from '../store/index.ts';
import { FINAL_TRIAL_STATUSES } from './protocol.ts';
import type { TrialRow } from './validate.ts';

export interface IngestCursor {
  /** The trial attempt the store's rows past the checkpoint belong to; -1 before the first look. */
  attempt: number;
  step: number;
  epoch: number;
  /** imageKey of the newest image in the store (-1: none at all, not even step 0's). */
  imageKey: number;
  checkpointStep: number;
  started: boolean;
}

export interface SnapshotImage {
  step: number;
  epoch: number;
  kind: ImageKind;
  grid: ImageGrid;
}

export interface SnapshotCheckpoint extends CheckpointBlobs {
  step: number;
  epoch: number;
}

export interface TrialSnapshot {
  trial: TrialRow;
  /** Rows past the cursor it was read with, oldest first. */
  steps: StepMetric[];
  epochs: EpochMetric[];
  images: SnapshotImage[];
  checkpoints: SnapshotCheckpoint[];
  /** False when the read stopped at a batch limit: more rows wait, so the trial cannot end yet. */
  complete: boolean;
}

export type IngestResult =
  /** The snapshot was of a new attempt: the store was rewound, and the snapshot must be read again. */
  | { kind: 'rewound'; cursor: IngestCursor; events: TrainingEvent[] }
  | { kind: 'progress'; cursor: IngestCursor; events: TrainingEvent[] }
  | {
      kind: 'ended';
      cursor: IngestCursor;
      events: TrainingEvent[];
      status: 'completed' | 'failed' | 'interrupted';
      message: string;
    };

/**
 * Images in the order a run logs them: by step, a step's reconstructions before its samples. A
 * worker may write the two of one step in two transactions, so the cursor must tell them apart.
 */
export function imageKey(step: number, kind: ImageKind): number {
  return step * 2 + (kind === 'samples' ? 1 : 0);
}

/** Drops what the store logged after its newest checkpoint and returns the cursor at that point. */
export function rewindToCheckpoint(store: Store, runId: number, attempt: number, started: boolean): IngestCursor {
  truncateAfterCheckpoint(store, runId);
  const step = store.checkpoints.list(runId).at(-1)?.step ?? 0;
  const epoch = store.metrics.listEpochs(runId).at(-1)?.epoch ?? 0;
  return { attempt, step, epoch, imageKey: step > 0 ? imageKey(step, 'samples') : -1, checkpointStep: step, started };
}

/** Whether the snapshot's trial is another attempt than the one the store's rows came from. */
export function attemptChanged(cursor: IngestCursor, trial: TrialRow): boolean {
  return cursor.attempt !== trial.attempt;
}

/**
 * One look at a trial, as the coordinator takes it: a snapshot of a new attempt only rewinds the
 * store (its rows were read past a cursor the rewind moves back); any other is written.
 */
export function ingest(store: Store, runId: number, ownerPid: number, cursor: IngestCursor, snap: TrialSnapshot): IngestResult {
  if (attemptChanged(cursor, snap.trial))
    return { kind: 'rewound', cursor: rewindToCheckpoint(store, runId, snap.trial.attempt, cursor.started), events: [] };
  return applySnapshot(store, runId, ownerPid, cursor, snap);
}

/**
 * Writes the snapshot's new rows to the store (one transaction) and says whether the trial has ended.
 * The caller rewinds first when attemptChanged; rows at or before the cursor are skipped.
 */
export function applySnapshot(
  store: Store,
  runId: number,
  ownerPid: number,
  cursor: IngestCursor,
  snap: TrialSnapshot,
): IngestResult {
  const events: TrainingEvent[] = [];
  const next = { ...cursor, attempt: snap.trial.attempt };
  const { trial } = snap;
  const write = store.db.transaction(() => {
    if (!next.started && trial.backend && trial.totalSteps !== null) {
      store.runs.markStarted(runId, {
        backend: trial.backend,
        ownerPid,
        totalSteps: trial.totalSteps,
        datasetName: trial.datasetName,
        datasetFingerprint: trial.datasetFingerprint,
        worker: trialWorker(trial),
      });
      next.started = true;
    }
    const output = new RunOutput(store, runId);
    const steps = snap.steps.filter((s) => s.step > cursor.step);
    for (const s of steps) output.event({ type: 'step', runId, totalSteps: trial.totalSteps ?? 0, etaSeconds: 0, ...s });
    if (steps.length > 0) next.step = steps.at(-1)!.step;
    for (const metric of snap.epochs.filter((e) => e.epoch > cursor.epoch)) {
      output.event({ type: 'epoch', runId, metric });
      events.push({ type: 'epoch', runId, metric });
      next.epoch = metric.epoch;
    }
    // Images and checkpoints are not keyed by step in the store: one already there is not written again.
    const images = snap.images.filter((i) => imageKey(i.step, i.kind) > cursor.imageKey);
    const haveImages = new Set(images.length > 0 ? store.images.list(runId).map((i) => imageKey(i.step, i.kind)) : []);
    for (const im of images) {
      if (!haveImages.has(imageKey(im.step, im.kind))) output.event({ type: 'image', runId, ...im });
      next.imageKey = imageKey(im.step, im.kind);
    }
    const checkpoints = snap.checkpoints.filter((c) => c.step > cursor.checkpointStep);
    const haveCheckpoints = new Set(checkpoints.length > 0 ? store.checkpoints.list(runId).map((c) => c.step) : []);
    for (const ck of checkpoints) {
      if (!haveCheckpoints.has(ck.step)) output.checkpoint(ck);
      next.checkpointStep = ck.step;
      events.push({ type: 'checkpoint', runId, epoch: ck.epoch, step: ck.step });
    }
    output.close();
    if (steps.length > 0) {
      const last = steps.at(-1)!;
      events.unshift({ type: 'step', runId, totalSteps: trial.totalSteps ?? 0, etaSeconds: 0, ...last });
    }
  });
  write.immediate();
  if (!snap.complete || !FINAL_TRIAL_STATUSES.includes(trial.status)) return { kind: 'progress', cursor: next, events };
  const status = trial.status as 'completed' | 'failed' | 'interrupted';
  return { kind: 'ended', cursor: next, events, status, message: trial.message };
}

/** The worker a trial's row names (its latest attempt's), as the store keeps it. */
export function trialWorker(trial: TrialRow): RunWorker | null {
  return trial.workerName === null ? null : { name: trial.workerName, host: trial.workerHost ?? '' };
}

/** The trial's final metrics and evaluation, once it has ended (after its last rows are in). */
export function applyFinal(store: Store, runId: number, trial: TrialRow): void {
  const output = new RunOutput(store, runId);
  if (trial.final) output.final(trial.final);
  output.close();
  if (trial.evaluation) store.evaluations.add(runId, trial.evaluation);
}
