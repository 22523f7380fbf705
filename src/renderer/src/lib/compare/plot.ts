// What the compare chart draws, from the compared runs: a curve per run, or per group its mean and
// band over the curves of its runs whose histories have loaded.

import type { PlottedGroup, PlottedRun } from '../chart/compare-chart.ts';
import type { XY } from '../loss-series.ts';
import type { CompareGroup, CompareRun } from './compare-run.ts';
import { groupSeries } from './group-series.ts';
import { formatLoss } from '../format.ts';
import { buildCurve, nearestIndex, pointsAt, shownPoints, type CurveOptions, type RunCurve } from './series.ts';

export type NamedRun = PlottedRun & { name: string };
export type NamedGroup = PlottedGroup & {
  label: string;
  /** Runs with a curve. */ n: number;
  /** Runs in the group. */ total: number;
};

function curveOf(r: CompareRun, options: CurveOptions): RunCurve | null {
  if (r.detail.state !== 'ready') return null;
  const d = r.detail.value;
  return buildCurve({ config: r.run.config, totalSteps: d.run.totalSteps, steps: d.steps, epochs: d.epochs }, options);
}

export function plotRuns(runs: readonly CompareRun[], options: CurveOptions): NamedRun[] {
  return runs.flatMap((r) => {
    const curve = curveOf(r, options);
    if (!curve) return [];
    return [
      {
        runId: r.id,
        name: r.run.name,
        slot: r.slot,
        raw: curve.raw,
        smoothed: curve.smoothed,
        markPoints: options.split === 'heldOut',
      },
    ];
  });
}

/** Each group's band over its runs' shown (smoothed when smoothing) curves. */
export function plotGroups(groups: readonly CompareGroup[], options: CurveOptions, showMembers: boolean): NamedGroup[] {
  return groups.map((g) => {
    const curves: XY[][] = [];
    for (const r of g.runs) {
      const curve = curveOf(r, options);
      const points = curve ? shownPoints(curve) : [];
      if (points.length > 0) curves.push(points);
    }
    return {
      id: g.id,
      label: g.label,
      slot: g.slot,
      band: groupSeries(curves),
      members: showMembers ? curves : [],
      markPoints: options.split === 'heldOut',
      n: curves.length,
      total: g.runs.length,
    };
  });
}

/** A line of the chart's hover box. */
export interface HoverRow {
  key: string;
  name: string;
  slot: number;
  point: XY;
  /** A group's spread and count at this x; empty for a run. */
  detail: string;
}

/** Each run's nearest shown point to x (see pointsAt for `reach`). */
export function runRowsAt(runs: readonly NamedRun[], x: number, reach: number): HoverRow[] {
  const found = pointsAt(
    runs.map((p) => shownPoints(p)),
    x,
    reach,
  );
  return runs.flatMap((p, i) => {
    const point = found[i];
    return point ? [{ key: `run-${p.runId}`, name: p.name, slot: p.slot, point, detail: '' }] : [];
  });
}

/** Each group's mean nearest to x, with its ± std and how many runs it is over there. */
export function groupRowsAt(groups: readonly NamedGroup[], x: number, reach: number): HoverRow[] {
  const means = groups.map((g) => g.band.map((b) => ({ x: b.x, y: b.mean })));
  const found = pointsAt(means, x, reach);
  return groups.flatMap((g, i) => {
    const point = found[i];
    const at = point ? g.band[nearestIndex(means[i]!, point.x)] : undefined;
    if (!point || !at) return [];
    const spread = Number.isFinite(at.std) ? `± ${formatLoss(at.std)} ` : '';
    return [{ key: `group-${g.id}`, name: g.label, slot: g.slot, point, detail: `${spread}(n = ${at.n})` }];
  });
}
