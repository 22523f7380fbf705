// What the Runs table remembers of its layout (columns in order, sort, grouping), and how a stored
// value is read back: key by key, so a stale or hand-edited entry (a setting that no longer exists,
// a wrong type) falls back to the default for that part instead of breaking the view.

import { fieldSpec } from '../../../shared/config.ts';
import { DEFAULT_COLUMNS, KEY_METRIC, isColumnKey, type SortDirection } from './run-columns.ts';

export const PREFS_KEY = 'vae-workbench.runs-table.v1';

export interface RunsTablePrefs {
  columns: string[];
  sort: { key: string; direction: SortDirection };
  groupBy: string[];
}

const DEFAULT_SORT: RunsTablePrefs['sort'] = { key: 'created', direction: 'desc' };

function isSortKey(key: string): boolean {
  return key === 'status' || key === 'name' || key === KEY_METRIC || isColumnKey(key);
}

/** Keeps what is valid of a stored value; anything else is the default. */
export function validatePrefs(raw: unknown): RunsTablePrefs {
  const o = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null);
  const cols = strings(o.columns);
  const columns = cols ? [...new Set(cols.filter((k) => isColumnKey(k) && k !== KEY_METRIC))] : [...DEFAULT_COLUMNS];
  const s = (o.sort ?? {}) as Record<string, unknown>;
  const sort: RunsTablePrefs['sort'] =
    typeof s.key === 'string' && isSortKey(s.key) && (s.direction === 'asc' || s.direction === 'desc')
      ? { key: s.key, direction: s.direction }
      : DEFAULT_SORT;
  const groupBy = [...new Set((strings(o.groupBy) ?? []).filter((k) => fieldSpec(k) !== undefined))];
  return { columns, sort, groupBy };
}
