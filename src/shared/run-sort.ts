// The order of the Runs table: the value each column sorts by and the sort itself. Shared because
// the server sorts too: it answers the table's first screenful (listRunsHead) in the table's order
// before the whole list arrives, and the two orders must be the same.

import { architecture } from './model-summary.ts';
import { runValue, type RunValue } from './run-values.ts';
import type { RunRecord, RunWorker } from './training.ts';

/** How a queue worker is named wherever a run shows it: "ws1 on lab-3". */
export function workerLabel(worker: RunWorker): string {
  return worker.host && worker.host !== worker.name ? `${worker.name} on ${worker.host}` : worker.name;
}

/** The value a column shows and sorts by; null when the run has none. */
export function columnValue(run: RunRecord, key: string, now: number): RunValue {
  switch (key) {
    case 'created':
      return run.createdAt;
    case 'preset':
      return run.preset;
    case 'backend':
      return run.backend || null;
    case 'worker':
      return run.worker ? workerLabel(run.worker) : null;
    case 'model':
      return architecture(run.config);
    case 'status':
      return run.status;
    case 'name':
      return run.name.toLowerCase();
    default:
      return runValue(run, key, now);
  }
}

export type SortDirection = 'asc' | 'desc';

function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Missing values (no loss yet, NaN) go last whichever way; ties fall back to newest first. */
export function sortByColumn(runs: readonly RunRecord[], key: string, direction: SortDirection, now = Date.now()): RunRecord[] {
  const sign = direction === 'asc' ? 1 : -1;
  return runs
    .map((run) => {
      const v = columnValue(run, key, now);
      return { run, value: typeof v === 'number' && Number.isNaN(v) ? null : v };
    })
    .sort((a, b) => {
      if (a.value === null || b.value === null) {
        if (a.value === b.value) return b.run.id - a.run.id;
        return a.value === null ? 1 : -1;
      }
      return sign * compareValues(a.value, b.value) || b.run.id - a.run.id;
    })
    .map((x) => x.run);
}
