// What the parallel-coordinates component derives from its inputs, kept out of the component so it
// stays about drawing and interaction: the rows (runs or group means), their axes in the remembered
// order, and which rows pass the brushes.

import { METRICS } from '../../../../shared/run-values.ts';
import type { RunGroup } from '../../../../shared/run-groups.ts';
import type { RunRecord } from '../../../../shared/training.ts';
import { AXIS_METRICS, axisKeys, buildAxes, type Axis, type PlotRow } from './axes.ts';
import { keysConstantInGroups, plotRows } from './rows.ts';

export interface PlotModel {
  keys: string[];
  rows: PlotRow[];
  axes: Axis[];
}

export function plotModel(
  runs: readonly RunRecord[],
  groups: readonly RunGroup[] | null,
  logKeys: ReadonlySet<string> = new Set(),
): PlotModel {
  const all = axisKeys(runs);
  const keys = groups ? keysConstantInGroups(groups, all, new Set(AXIS_METRICS)) : all;
  const rows = plotRows(runs, groups, keys);
  return { keys, rows, axes: buildAxes(rows, keys, logKeys) };
}

/** The axes in `order` (keys missing from it keep their natural place at the end). */
export function orderedAxes(axes: readonly Axis[], order: readonly string[]): Axis[] {
  const byKey = new Map(axes.map((a) => [a.key, a]));
  const first = order.flatMap((k) => byKey.get(k) ?? []);
  return [...first, ...axes.filter((a) => !order.includes(a.key))];
}

/** Short axis titles: metrics by their column names ("−ELBO", "KL"), settings by their label. */
export function axisTitle(axis: Axis): string {
  return METRICS.find((m) => m.key === axis.key)?.short ?? axis.label;
}

/** A row passes when any of its runs passes (a group stays bright while some of its runs do). */
export function rowPasses(
  rows: readonly PlotRow[],
  runById: ReadonlyMap<number, RunRecord>,
  passes: (run: RunRecord) => boolean,
): boolean[] {
  return rows.map((row) =>
    row.runIds.some((id) => {
      const run = runById.get(id);
      return run !== undefined && passes(run);
    }),
  );
}
