// How the Runs table is laid out: its columns in order, the sort and the grouping. Remembered in
// localStorage under a versioned key; what is read back is checked key by key, so a stale or
// hand-edited entry (a setting that no longer exists, a wrong type) falls back to the defaults
// for that part instead of breaking the view.

import { fieldSpec } from '../../../../shared/config.ts';
import { DEFAULT_COLUMNS, KEY_METRIC, isColumnKey, type SortDirection } from '../run-columns.ts';

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

function load(): RunsTablePrefs {
  try {
    const text = globalThis.localStorage?.getItem(PREFS_KEY);
    return validatePrefs(text ? JSON.parse(text) : null);
  } catch {
    // Unreadable JSON or storage that refuses access: the defaults, as for a first start.
    return validatePrefs(null);
  }
}

class RunsTablePrefsStore {
  private readonly initial = load();
  columns = $state.raw<string[]>(this.initial.columns);
  sort = $state.raw(this.initial.sort);
  groupBy = $state.raw<string[]>(this.initial.groupBy);

  private save(): void {
    try {
      const prefs: RunsTablePrefs = { columns: this.columns, sort: this.sort, groupBy: this.groupBy };
      globalThis.localStorage?.setItem(PREFS_KEY, JSON.stringify(prefs));
    } catch {
      // A full or disabled storage only costs remembering the layout.
    }
  }

  setColumns(columns: string[]): void {
    this.columns = columns;
    this.save();
  }

  addColumn(key: string): void {
    if (!isColumnKey(key) || key === KEY_METRIC || this.columns.includes(key)) return;
    this.setColumns([...this.columns, key]);
  }

  removeColumn(key: string): void {
    this.setColumns(this.columns.filter((k) => k !== key));
  }

  /** Moves a column one place left (-1) or right (+1). */
  moveColumn(key: string, by: -1 | 1): void {
    const i = this.columns.indexOf(key);
    const j = i + by;
    if (i < 0 || j < 0 || j >= this.columns.length) return;
    const next = [...this.columns];
    [next[i], next[j]] = [next[j]!, next[i]!];
    this.setColumns(next);
  }

  resetColumns(): void {
    this.setColumns([...DEFAULT_COLUMNS]);
  }

  setSort(key: string, direction: SortDirection): void {
    this.sort = { key, direction };
    this.save();
  }

  setGroupBy(keys: string[]): void {
    this.groupBy = keys;
    this.save();
  }
}

export const runsTablePrefs = new RunsTablePrefsStore();
