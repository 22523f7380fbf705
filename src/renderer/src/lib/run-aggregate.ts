// Everything the run view shows about one run, built from its logged history (getRun) and the live
// training events that follow. Plain data and functions so it can be tested without a DOM; the live
// store wraps it with reactivity.

import type { LoggedImage, RunDetail } from '../../../shared/contract.ts';
import type { EpochMetric, ImageKind, RunStatus, StepControls, StepMetric, TrainingEvent } from '../../../shared/training.ts';

export interface StepPoint {
  step: number;
  recon: number;
  kl: number;
  total: number;
  /** What the optimizer saw (objective, β, rate); absent for steps logged before the controls existed. */
  controls?: StepControls;
}

export interface RunProgress {
  /** 1-based epoch being trained (or last trained). */
  epoch: number;
  step: number;
  totalSteps: number;
  imagesPerSec: number | null;
  etaSeconds: number | null;
}

export interface RunAggregate {
  runId: number;
  /** Ascending by step, no duplicates: the chart relies on it. */
  steps: StepPoint[];
  /** Ascending by epoch. */
  epochs: EpochMetric[];
  images: Partial<Record<ImageKind, LoggedImage>>;
  progress: RunProgress;
  /** From live events; null until one arrives (the run record says the rest). */
  status: RunStatus | null;
  statusMessage: string;
  backend: string | null;
  backendNote: string;
  trainSize: number | null;
  heldOutSize: number | null;
  /** Whether any checkpoint was saved: a run without one has no weights to export. */
  hasCheckpoint: boolean;
  /** Bumped whenever points were removed or inserted before the end, so incremental readers start over. */
  generation: number;
  historyLoaded: boolean;
}

export function createAggregate(runId: number): RunAggregate {
  return {
    runId,
    steps: [],
    epochs: [],
    images: {},
    progress: { epoch: 0, step: 0, totalSteps: 0, imagesPerSec: null, etaSeconds: null },
    status: null,
    statusMessage: '',
    backend: null,
    backendNote: '',
    trainSize: null,
    heldOutSize: null,
    hasCheckpoint: false,
    generation: 0,
    historyLoaded: false,
  };
}

/**
 * Empties an aggregate in place (components hold the object) so a fresh history can be merged:
 * after missed events, live points would leave a gap that mergeHistory, which only prepends, cannot
 * fill. The generation moves on so charts rebuild rather than append.
 */
export function resetAggregate(agg: RunAggregate): void {
  const generation = agg.generation + 1;
  Object.assign(agg, createAggregate(agg.runId), { generation });
}

/** Index of the first point whose step is >= `step`. */
function firstAtOrAfter(points: readonly { step: number }[], step: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A resumed run restarts from its checkpoint: what was logged after it is replayed, so drop it. */
function truncateAfter(agg: RunAggregate, step: number): void {
  const keep = firstAtOrAfter(agg.steps, step + 1);
  if (keep < agg.steps.length) {
    agg.steps.length = keep;
    agg.generation++;
  }
  agg.epochs = agg.epochs.filter((e) => e.step <= step);
}

function pointOf(step: number, loss: { recon: number; kl: number; total: number }, controls?: StepControls): StepPoint {
  const point: StepPoint = { step, recon: loss.recon, kl: loss.kl, total: loss.total };
  if (controls) point.controls = controls;
  return point;
}

/** Applies one event for this run; returns false when it was for another run. */
export function applyEvent(agg: RunAggregate, event: TrainingEvent): boolean {
  if (event.runId !== agg.runId) return false;
  switch (event.type) {
    case 'started':
      truncateAfter(agg, event.fromStep);
      agg.backend = event.backend;
      agg.backendNote = event.backendNote;
      agg.trainSize = event.trainSize;
      agg.heldOutSize = event.heldOutSize;
      agg.progress = { ...agg.progress, step: event.fromStep, totalSteps: event.totalSteps, etaSeconds: null };
      agg.status = 'running';
      agg.statusMessage = '';
      break;
    case 'step': {
      const last = agg.steps[agg.steps.length - 1];
      if (last && event.step <= last.step) truncateAfter(agg, event.step - 1);
      agg.steps.push(pointOf(event.step, event.loss, event.controls));
      agg.progress = {
        epoch: event.epoch,
        step: event.step,
        totalSteps: event.totalSteps,
        imagesPerSec: event.imagesPerSec,
        etaSeconds: event.etaSeconds,
      };
      break;
    }
    case 'epoch':
      agg.epochs = agg.epochs.filter((e) => e.epoch < event.metric.epoch);
      agg.epochs.push(event.metric);
      break;
    case 'image':
      agg.images = { ...agg.images, [event.kind]: { kind: event.kind, epoch: event.epoch, step: event.step, grid: event.grid } };
      break;
    case 'checkpoint':
      agg.hasCheckpoint = true;
      break;
    case 'status':
      agg.status = event.status;
      agg.statusMessage = event.message;
      if (event.status !== 'running') agg.progress = { ...agg.progress, etaSeconds: null };
      break;
  }
  return true;
}

/**
 * Folds logged history in under what live events already brought. Live points are full resolution
 * and newest, so they win; history (downsampled) fills in everything before the first live point.
 */
export function mergeHistory(agg: RunAggregate, detail: RunDetail): void {
  const hadLiveProgress = agg.progress.step > 0 || agg.steps.length > 0;
  const firstLive = agg.steps[0]?.step ?? Infinity;
  const older = detail.steps.filter((s: StepMetric) => s.step < firstLive).map((s) => pointOf(s.step, s.loss, s.controls));
  if (older.length > 0) {
    agg.steps = older.concat(agg.steps);
    agg.generation++;
  }

  const liveEpochs = new Set(agg.epochs.map((e) => e.epoch));
  agg.epochs = detail.epochs
    .filter((e) => !liveEpochs.has(e.epoch))
    .concat(agg.epochs)
    .sort((a, b) => a.epoch - b.epoch);

  const images = { ...agg.images };
  for (const image of detail.images) {
    const live = images[image.kind];
    if (!live || image.step > live.step) images[image.kind] = image;
  }
  agg.images = images;

  const run = detail.run;
  if (!hadLiveProgress) {
    // The record's own step counter may lag what was logged; the metrics themselves do not.
    const lastStep = detail.steps[detail.steps.length - 1];
    const lastEpoch = detail.epochs[detail.epochs.length - 1];
    const step =
      run.status === 'completed' && run.totalSteps > 0
        ? run.totalSteps
        : Math.max(run.step, lastStep?.step ?? 0, lastEpoch?.step ?? 0);
    const epoch = Math.max(run.epoch, lastStep?.epoch ?? 0, lastEpoch?.epoch ?? 0);
    agg.progress = {
      epoch,
      step,
      totalSteps: run.totalSteps,
      imagesPerSec: run.imagesPerSec ?? lastStep?.imagesPerSec ?? null,
      etaSeconds: null,
    };
  } else if (agg.progress.totalSteps === 0) {
    agg.progress = { ...agg.progress, totalSteps: run.totalSteps };
  }
  if (agg.status === null) {
    agg.status = run.status;
    agg.statusMessage = run.statusMessage;
  }
  agg.backend ??= run.backend || null;
  agg.hasCheckpoint ||= detail.checkpoints.length > 0;
  agg.historyLoaded = true;
}
