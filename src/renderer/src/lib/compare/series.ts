// The compare chart's curves: one per run, for a chosen loss part, split (training per step or
// held-out per epoch) and x-axis (step, epoch, images seen, wall time), optionally smoothed. Runs
// log on different grids (batch sizes, log intervals, resumes), so hovering looks up each run's own
// nearest point rather than a shared index.

import type { ExperimentConfig } from '../../../../shared/config.ts';
import type { EpochMetric, StepMetric } from '../../../../shared/training.ts';
import { Ema } from '../ema.ts';
import type { LossPart, XY } from '../loss-series.ts';

export type Split = 'train' | 'heldOut';
export type XAxis = 'step' | 'epoch' | 'images' | 'wall';

export interface CurveOptions {
  part: LossPart;
  split: Split;
  xAxis: XAxis;
  /** EMA weight in [0, 1), applied to per-step training losses only. */
  smoothing: number;
  /** A log axis cannot show zero or negative values: such points are left out. */
  logScale: boolean;
}

/** What a curve needs from a run's RunDetail. */
export interface CurveSource {
  config: ExperimentConfig;
  totalSteps: number;
  steps: readonly StepMetric[];
  epochs: readonly EpochMetric[];
}

export interface RunCurve {
  /** Points as logged (held-out: one per epoch). Ascending in x. */
  raw: XY[];
  /** The EMA of the raw points; empty when not smoothing (or for held-out). */
  smoothed: XY[];
}

/** The smoothed curve when there is one, else the raw: what hovering reads and the legend counts. */
export function shownPoints(curve: RunCurve): XY[] {
  return curve.smoothed.length > 0 ? curve.smoothed : curve.raw;
}

/**
 * Steps per epoch, for a fractional-epoch axis: from the planned total when the run knows it, else
 * from a completed epoch, else 0 (the axis then falls back to each step's logged epoch).
 */
export function stepsPerEpoch(source: CurveSource): number {
  const epochs = source.config.optim.epochs;
  if (source.totalSteps > 0 && epochs > 0) return source.totalSteps / epochs;
  const done = source.epochs.find((e) => e.epoch > 0 && e.step > 0);
  return done ? done.step / done.epoch : 0;
}

/**
 * Wall time since the run first started, per step and per epoch metric. Logged wall times restart
 * at each resume; a drop therefore means "resumed here", and everything after it is shifted by the
 * time reached just before. Steps and epoch metrics are read as one timeline ordered by step (an
 * epoch's metric comes after its last step).
 */
export function cumulativeWall(
  steps: readonly StepMetric[],
  epochs: readonly EpochMetric[],
): { steps: number[]; epochs: number[] } {
  type Entry = { step: number; order: number; wallMs: number; kind: 'step' | 'epoch'; index: number };
  const entries: Entry[] = [
    ...steps.map((s, index): Entry => ({ step: s.step, order: 0, wallMs: s.wallMs, kind: 'step', index })),
    ...epochs.map((e, index): Entry => ({ step: e.step, order: 1, wallMs: e.wallMs, kind: 'epoch', index })),
  ].sort((a, b) => a.step - b.step || a.order - b.order);
  const out = { steps: new Array<number>(steps.length), epochs: new Array<number>(epochs.length) };
  let offset = 0;
  let previous = 0;
  for (const entry of entries) {
    if (entry.wallMs < previous) offset += previous;
    previous = entry.wallMs;
    out[entry.kind === 'step' ? 'steps' : 'epochs'][entry.index] = offset + entry.wallMs;
  }
  return out;
}

function plottable(y: number, logScale: boolean): boolean {
  return Number.isFinite(y) && (!logScale || y > 0);
}

/** The x of a point logged at `step` (`epoch` is its logged epoch, `wallMs` cumulative). */
function xOf(axis: XAxis, step: number, epoch: number, wallMs: number, batchSize: number, perEpoch: number): number {
  switch (axis) {
    case 'step':
      return step;
    case 'epoch':
      return perEpoch > 0 ? step / perEpoch : epoch;
    case 'images':
      return step * batchSize;
    // Seconds: chart.js picks round tick values in the axis unit, and whole seconds read well.
    case 'wall':
      return wallMs / 1000;
  }
}

export function buildCurve(source: CurveSource, options: CurveOptions): RunCurve {
  const perEpoch = stepsPerEpoch(source);
  const batch = source.config.optim.batchSize;
  const wall = options.xAxis === 'wall' ? cumulativeWall(source.steps, source.epochs) : null;
  const raw: XY[] = [];
  const smoothed: XY[] = [];
  if (options.split === 'heldOut') {
    source.epochs.forEach((e, i) => {
      const y = e.heldOut?.[options.part];
      if (y === undefined || !plottable(y, options.logScale)) return;
      raw.push({ x: xOf(options.xAxis, e.step, e.epoch, wall?.epochs[i] ?? 0, batch, perEpoch), y });
    });
    return { raw, smoothed };
  }
  const ema = options.smoothing > 0 ? new Ema(options.smoothing) : null;
  source.steps.forEach((s, i) => {
    const y = s.loss[options.part];
    const x = xOf(options.xAxis, s.step, s.epoch, wall?.steps[i] ?? 0, batch, perEpoch);
    // The average runs over every value, so hiding points on a log axis does not shift the curve.
    const avg = ema?.next(y);
    if (plottable(y, options.logScale)) raw.push({ x, y });
    if (avg !== undefined && plottable(avg, options.logScale)) smoothed.push({ x, y: avg });
  });
  return { raw, smoothed };
}

/** Index of the point nearest to x in points ascending by x; -1 when there are none. */
export function nearestIndex(points: readonly XY[], x: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.x < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1]!.x - x) <= Math.abs(points[lo]!.x - x)) return lo - 1;
  return lo;
}

/**
 * Each curve's nearest point to x, or null for a curve that has nothing near: inside a curve's
 * x range its nearest point always counts; beyond either end only within `reach` (so a short run
 * does not report its last value all the way across a longer run's chart).
 */
export function pointsAt(curves: readonly (readonly XY[])[], x: number, reach: number): (XY | null)[] {
  return curves.map((points) => {
    const first = points[0];
    const last = points[points.length - 1];
    const nearest = points[nearestIndex(points, x)];
    if (!first || !last || !nearest) return null;
    const inside = x >= first.x && x <= last.x;
    return inside || Math.abs(nearest.x - x) <= reach ? nearest : null;
  });
}

const NICE_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** A tick spacing for a wall-time axis of `range` seconds: round minutes and hours, not 0:50, 1:40. */
export function durationTickStep(range: number, maxTicks = 8): number {
  const wanted = range / Math.max(1, maxTicks - 1);
  return NICE_SECONDS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86400) * 86400;
}
