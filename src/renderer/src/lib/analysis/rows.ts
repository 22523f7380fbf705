// The rows the analysis draws: one per run, or one per group (its runs' mean for numbers, the shared
// value for anything else), and which keys still make sense as axes once runs are grouped (a setting
// that differs inside a group, such as the seed, has no single value for the group).

import { runValue, type RunValue } from '../../../../shared/run-values.ts';
import type { RunGroup } from '../../../../shared/run-groups.ts';
import type { RunRecord } from '../../../../shared/training.ts';
import { runRow, type PlotRow } from './axes.ts';

function groupValue(runs: readonly RunRecord[], key: string): RunValue {
  const values = runs.map((r) => runValue(r, key));
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (nums.length > 0 && nums.length === values.filter((v) => v !== null).length)
    return nums.reduce((a, b) => a + b, 0) / nums.length;
  const first = values[0] ?? null;
  return values.every((v) => v === first) ? first : null;
}

export function groupRow(group: RunGroup, keys: readonly string[]): PlotRow {
  const values: Record<string, RunValue> = {};
  for (const k of keys) values[k] = groupValue(group.runs, k);
  return { id: `group:${group.id}`, label: `${group.label} (${group.runs.length})`, values, runIds: group.runs.map((r) => r.id) };
}

/** Keys that have one value across each group's runs (metrics always stay: they are averaged). */
export function keysConstantInGroups(
  groups: readonly RunGroup[],
  keys: readonly string[],
  metrics: ReadonlySet<string>,
): string[] {
  return keys.filter(
    (k) =>
      metrics.has(k) ||
      groups.every((g) => {
        const first = g.runs[0] ? runValue(g.runs[0], k) : null;
        return g.runs.every((r) => runValue(r, k) === first);
      }),
  );
}

export function plotRows(runs: readonly RunRecord[], groups: readonly RunGroup[] | null, keys: readonly string[]): PlotRow[] {
  return groups ? groups.map((g) => groupRow(g, keys)) : runs.map((r) => runRow(r, keys));
}
