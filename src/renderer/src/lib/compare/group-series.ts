// A group's curve in Compare: the mean of its runs' curves at each x, with the spread that makes the
// mean honest (± one sample standard deviation, or the min–max envelope). Runs of one group rarely
// log at the same x (batch sizes, log intervals, resumes, a run stopped early), so each run is read
// by linear interpolation on a grid shared by the group, and only inside its own x range: past the
// end of a short run the mean is over the runs that got that far, and `n` says how many did.

import { summarizeValues } from '../../../../shared/run-groups.ts';
import type { XY } from '../loss-series.ts';

export interface BandPoint {
  x: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN where only one run reaches this x. */
  std: number;
  min: number;
  max: number;
  /** Runs whose curves cover this x. */
  n: number;
}

/** What the shaded band spans: mean ± one sample standard deviation, or the runs' full range. */
export type BandMode = 'std' | 'minmax';

/** Grid points a group's curve is computed at (more would only be decimated away on screen). */
export const MAX_GROUP_POINTS = 400;

/**
 * The curve's value at x by linear interpolation between its neighbouring points (ascending in x);
 * null outside the curve's own x range, so a run says nothing about where it never logged.
 */
export function valueAt(points: readonly XY[], x: number): number | null {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || x < first.x || x > last.x) return null;
  let lo = 0;
  let hi = points.length - 1;
  // The last index whose x is at most x.
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (points[mid]!.x <= x) lo = mid;
    else hi = mid - 1;
  }
  const a = points[lo]!;
  const b = points[lo + 1];
  if (a.x === x || !b) return a.y;
  return a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
}

/**
 * The x values a group is summarised at: every x any run logged when there are at most
 * `maxPoints` of them (runs on one logging grid are then read exactly, not interpolated), else
 * `maxPoints` evenly spaced over the whole range: binning to a fixed grid keeps fifty long runs
 * cheap.
 */
export function commonGrid(curves: readonly (readonly XY[])[], maxPoints = MAX_GROUP_POINTS): number[] {
  const xs = new Set<number>();
  let lo = Infinity;
  let hi = -Infinity;
  for (const points of curves) {
    for (const p of points) xs.add(p.x);
    if (points.length > 0) {
      lo = Math.min(lo, points[0]!.x);
      hi = Math.max(hi, points[points.length - 1]!.x);
    }
  }
  if (xs.size <= maxPoints) return [...xs].sort((a, b) => a - b);
  const count = Math.max(2, maxPoints);
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1));
}

/** The group's mean curve and spread at each grid x some run covers. */
export function groupSeries(curves: readonly (readonly XY[])[], maxPoints = MAX_GROUP_POINTS): BandPoint[] {
  const out: BandPoint[] = [];
  for (const x of commonGrid(curves, maxPoints)) {
    const values: number[] = [];
    for (const points of curves) {
      const v = valueAt(points, x);
      if (v !== null && Number.isFinite(v)) values.push(v);
    }
    const s = summarizeValues(values);
    if (s) out.push({ x, mean: s.mean, std: s.std, min: s.min, max: s.max, n: s.n });
  }
  return out;
}

/**
 * The band's lower and upper edge at one point. One run has no spread (the band closes onto the
 * mean). On a log axis an edge at or below zero cannot be drawn: the lower edge then falls back to
 * the smallest run's value, which is positive since only positive points are plotted there.
 */
export function bandEdges(p: BandPoint, mode: BandMode, logScale = false): { lo: number; hi: number } {
  if (mode === 'minmax') return { lo: p.min, hi: p.max };
  const spread = Number.isFinite(p.std) ? p.std : 0;
  const lo = p.mean - spread;
  return { lo: logScale && lo <= 0 ? p.min : lo, hi: p.mean + spread };
}
