// How the Runs table is laid out: its columns in order, the sort and the grouping, remembered in
// localStorage under a versioned key and checked when read back (runs-table-layout.ts).

import { DEFAULT_COLUMNS, isColumnKey, KEY_METRIC } from '../run-columns.ts';
import { PREFS_KEY, validatePrefs, type RunsTablePrefs } from '../runs-table-layout.ts';
import type { SortDirection } from '../run-columns.ts';

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
