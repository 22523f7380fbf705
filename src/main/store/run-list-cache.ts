// The list of every run, kept between listings and brought up to date from the change log
// (migration 003). Every write to a column a RunRecord shows, from any process, adds a row to
// `changes` through a trigger, so the log's newest seq names a state of the runs table: when it has
// not moved, the previous list is still exact and costs one indexed read; when it has, only the runs
// changed since are read again. With 10,000 runs a full read is ~150 ms of the main thread, and the
// Runs view asks again after every change it hears of.

import type { RunRecord } from '../../shared/training.ts';
import { deepFreeze } from './config-cache.ts';
import type { Db } from './migrate.ts';

export interface RunListSource {
  /** Every run, newest first. */
  all(): RunRecord[];
  one(id: number): RunRecord | null;
}

export interface RunListCache {
  /** Every run, newest first; frozen, and the same array while nothing changed. */
  list(): readonly RunRecord[];
}

const newestFirst = (a: RunRecord, b: RunRecord) => b.createdAt - a.createdAt || b.id - a.id;

export function createRunListCache(db: Db, source: RunListSource): RunListCache {
  const s = {
    newest: db.prepare<[], number | null>('SELECT MAX(seq) FROM changes').pluck(),
    oldest: db.prepare<[], number | null>('SELECT MIN(seq) FROM changes').pluck(),
    changed: db
      .prepare<[number], number>("SELECT DISTINCT run_id FROM changes WHERE seq > ? AND kind IN ('insert', 'update', 'delete')")
      .pluck(),
  };
  let cached: { seq: number; runs: readonly RunRecord[] } | null = null;

  function patched(runs: readonly RunRecord[], since: number): RunRecord[] {
    const fresh = new Map(s.changed.all(since).map((id) => [id, source.one(id)]));
    if (fresh.size === 0) return [...runs];
    const kept = runs.filter((r) => !fresh.has(r.id));
    for (const run of fresh.values()) if (run !== null) kept.push(run);
    return kept.sort(newestFirst);
  }

  // One read transaction, so the seq and the rows read describe the same state.
  const refresh = db.transaction((): readonly RunRecord[] => {
    const seq = s.newest.get() ?? 0;
    if (cached?.seq === seq) return cached.runs;
    const oldest = s.oldest.get() ?? 0;
    // A log pruned past the cached seq no longer says everything that changed since: read it all.
    const runs = cached !== null && oldest <= cached.seq + 1 ? patched(cached.runs, cached.seq) : source.all();
    cached = { seq, runs: deepFreeze(runs) };
    return cached.runs;
  });

  return {
    list() {
      // Inside a caller's transaction the seq may yet be rolled back and reused for other writes,
      // so nothing read there is kept.
      return db.inTransaction ? source.all() : refresh();
    },
  };
}
