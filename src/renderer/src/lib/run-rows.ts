// The Runs table's row model: runs, or groups of runs each followed by its runs when expanded,
// flattened into one list so the virtual window (virtual-window.ts) treats every line alike.

import { groupRuns, summarize, type RunGroup, type Summary } from '../../../shared/run-groups.ts';
import { metricSpec } from '../../../shared/run-values.ts';
import type { RunRecord } from '../../../shared/training.ts';
import type { SortDirection } from './run-columns.ts';

export type TableRow =
  | { kind: 'run'; id: string; run: RunRecord; inGroup: boolean }
  | { kind: 'group'; id: string; group: RunGroup; expanded: boolean };

/**
 * Ungrouped: one row per run, in the given order. Grouped: one row per group, ordered by the mean
 * of the sort key when it is a metric (the best group first) and otherwise by each group's first
 * run in the sorted order; an expanded group's runs follow it.
 */
export function buildRows(
  sorted: readonly RunRecord[],
  groupBy: readonly string[],
  expanded: ReadonlySet<string>,
  sort: { key: string; direction: SortDirection },
): TableRow[] {
  if (groupBy.length === 0) return sorted.map((run) => ({ kind: 'run', id: `r${run.id}`, run, inGroup: false }));
  let groups = groupRuns(sorted, groupBy);
  if (metricSpec(sort.key)) {
    const sign = sort.direction === 'asc' ? 1 : -1;
    const means = new Map(groups.map((g) => [g.id, summarize(g.runs, sort.key)?.mean ?? null]));
    groups = [...groups].sort((a, b) => {
      const x = means.get(a.id) ?? null;
      const y = means.get(b.id) ?? null;
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
      return sign * (x - y);
    });
  }
  const rows: TableRow[] = [];
  for (const group of groups) {
    const open = expanded.has(group.id);
    rows.push({ kind: 'group', id: `g${group.id}`, group, expanded: open });
    if (open) for (const run of group.runs) rows.push({ kind: 'run', id: `r${run.id}`, run, inGroup: true });
  }
  return rows;
}

/** The runs as the table lists them (collapsed groups' runs are not listed): the order of shift-click ranges. */
export function listedRunIds(rows: readonly TableRow[]): number[] {
  const ids: number[] = [];
  for (const row of rows) if (row.kind === 'run') ids.push(row.run.id);
  return ids;
}

/** "103.2 ± 1.4"; a lone run has no spread. */
export function meanStd(s: Summary | null, format: (v: number) => string): string {
  if (!s) return '—';
  return Number.isNaN(s.std) ? format(s.mean) : `${format(s.mean)} ± ${format(s.std)}`;
}

/** The hover text of a group's metric cell: every statistic, and which end is best. */
export function summaryTitle(key: string, s: Summary | null, format: (v: number) => string): string {
  if (!s) return 'No run in this group has a value';
  const best = metricSpec(key)?.lowerIsBetter === false ? s.max : s.min;
  const std = Number.isNaN(s.std) ? 'n/a (one run)' : format(s.std);
  return `mean ${format(s.mean)}, std ${std} over ${s.n} run${s.n === 1 ? '' : 's'}\nmin ${format(s.min)}, max ${format(s.max)}, best ${format(best)}`;
}
