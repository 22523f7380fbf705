// Noticing what other processes changed, cheaply enough to ask several times a second.
//
// PRAGMA data_version is a counter kept per connection that moves only when ANOTHER connection
// commits to the file, so asking it costs no read of the database at all; only when it moved does the
// watcher read the change log (migration 003) after the last seq it saw, and report which runs
// changed and how. This connection's own writes do not move data_version: its process reports them
// itself (the run service's events), so they are not re-read here unless `invalidate` asks for it.

import type { Db } from './migrate.ts';

export type ChangeKind = 'insert' | 'update' | 'delete' | 'epoch' | 'image' | 'checkpoint';

export interface ChangeBatch {
  /**
   * True when log rows this watcher never saw were pruned (it fell more than the log's length behind):
   * what changed is unknown, and a reader should re-read everything it shows.
   */
  reset: boolean;
  /** Each changed run's id with the kinds of change it had, in the order the runs first changed. */
  runs: Map<number, Set<ChangeKind>>;
}

export interface ChangeWatcher {
  /**
   * What changed since the previous poll, or null when nothing did. Reads nothing but data_version
   * when no other connection has committed since the previous poll.
   */
  poll(): ChangeBatch | null;
  /** Makes the next poll read the log even if data_version did not move (after this connection's own writes). */
  invalidate(): void;
  /** The last seq read, for tests and diagnostics. */
  readonly cursor: number;
}

interface ChangeRow {
  seq: number;
  run_id: number;
  kind: ChangeKind;
}

export function createChangeWatcher(db: Db): ChangeWatcher {
  const s = {
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    maxSeq: db.prepare<[], number | null>('SELECT MAX(seq) FROM changes').pluck(),
    minSeq: db.prepare<[], number | null>('SELECT MIN(seq) FROM changes').pluck(),
    since: db.prepare<[number], ChangeRow>('SELECT seq, run_id, kind FROM changes WHERE seq > ? ORDER BY seq'),
  };
  let version = s.dataVersion.get()!;
  let cursor = s.maxSeq.get() ?? 0;
  let forced = false;

  return {
    get cursor() {
      return cursor;
    },
    invalidate() {
      forced = true;
    },
    poll() {
      const current = s.dataVersion.get()!;
      if (current === version && !forced) return null;
      version = current;
      forced = false;
      // One read transaction for both statements, so a prune committed between them cannot fake a gap.
      const { rows, min } = db.transaction(() => ({ rows: s.since.all(cursor), min: s.minSeq.get() ?? null }))();
      const reset = min !== null && min > cursor + 1;
      if (rows.length === 0 && !reset) return null;
      const runs = new Map<number, Set<ChangeKind>>();
      for (const row of rows) {
        let kinds = runs.get(row.run_id);
        if (!kinds) runs.set(row.run_id, (kinds = new Set()));
        kinds.add(row.kind);
      }
      const newest = rows.at(-1);
      if (newest) cursor = newest.seq;
      return { reset, runs };
    },
  };
}
