// The Runs table's first screenful, answered before the whole list (listRunsHead). In Chromium a
// WebSocket message costs its receiver time for every byte (measured: ~0.1 ms per kilobyte on an
// idle machine, so ~0.3-0.5 s for the 3 MB list of 10,000 runs, before it is even parsed); a page
// that opens on the table asks for the rows it will show first, in the table's own sort and
// filter, and draws them while the whole list is still on its way. The store's list, and every
// view that works on all runs, waits for the whole list: the head is only drawn.

import { filterRuns } from './run-query.ts';
import { sortByColumn, type SortDirection } from './run-sort.ts';
import type { PackedRunList } from './run-list.ts';
import type { RunRecord } from './training.ts';

/** More rows than any window shows at once (the table's rows are 34 px high). */
export const MAX_HEAD_ROWS = 200;
export const MAX_HEAD_QUERY = 2000;
export const MAX_SORT_KEY = 200;

export interface RunListHeadArgs {
  /** A column key of the table (run-columns.ts); an unknown key sorts every run as missing, newest first. */
  sort: { key: string; direction: SortDirection };
  /** The table's filter (run-query.ts); a query with an error filters nothing, as in the table. */
  query: string;
  count: number;
}

export interface RunListHead {
  /** The first `count` runs the query matches, in the table's order, packed like listRuns' list. */
  list: PackedRunList;
  /** How many runs the query matches, and how many there are. */
  matched: number;
  total: number;
}

/**
 * The runs `args` asks for, and the counts. `sorted` is the order of an earlier call with the same
 * runs, sort and query, to reuse: sorting 10,000 runs by a setting costs tens of milliseconds.
 */
export function runListHead(
  runs: readonly RunRecord[],
  args: RunListHeadArgs,
  now: number,
  sorted?: readonly RunRecord[],
): { head: RunRecord[]; sorted: readonly RunRecord[]; matched: number; total: number } {
  const order = sorted ?? sortByColumn(filterRuns(runs, args.query).runs, args.sort.key, args.sort.direction, now);
  return { head: order.slice(0, args.count), sorted: order, matched: order.length, total: runs.length };
}
