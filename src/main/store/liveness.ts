// Telling, while the database stays open, that a process training a run has gone: at open time
// recovery.ts does this once, but a viewer that stays open (the app beside the CLI) must notice a
// killed CLI by itself, or the run reads "running" until the app restarts.
//
// Two signs, either enough: the owner's pid no longer exists (signal 0, same machine), or its
// heartbeat (written every few seconds by the owning process, see runs/heartbeat.ts) is older than
// `staleAfterMs` (a hung process, a pid reused by another program, a process on another machine).
// The scan is a read of the live runs only (the runs_live index); the write lock is taken only when a
// run actually looks dead.

import type { Store } from './database.ts';
import type { Db } from './migrate.ts';
import { defaultIsProcessAlive } from './recovery.ts';
import { NOT_ON_A_QUEUE } from './queue-runs.ts';

export interface OwnerSweepOptions {
  /** This process: its own runs are its run service's business. */
  ownPid?: number;
  isProcessAlive?: (pid: number) => boolean;
  now?: () => number;
  /** A heartbeat older than this means the owner is gone. */
  staleAfterMs?: number;
}

export interface OwnerSweeper {
  /** Marks the runs of dead owners interrupted; returns their ids. */
  sweep(): number[];
}

interface LiveRow {
  id: number;
  status: string;
  owner_pid: number | null;
  heartbeat_at: number | null;
}

export const DEFAULT_STALE_AFTER_MS = 30_000;

/**
 * For a check repeated on a timer: the time before which a heartbeat means its owner is gone, or
 * undefined when this check comes long overdue. That means this process (or the whole machine) was
 * suspended, and every owner's heartbeat is old for the same reason, so staleness says nothing until
 * they had a chance to beat.
 */
export function staleCutoff(staleAfterMs: number, now: () => number = Date.now): () => number | undefined {
  let last = now();
  return () => {
    const at = now();
    const overdue = at - last >= staleAfterMs / 2;
    last = at;
    return overdue ? undefined : at - staleAfterMs;
  };
}

export function createOwnerSweeper(store: Store, options: OwnerSweepOptions = {}): OwnerSweeper {
  const ownPid = options.ownPid ?? process.pid;
  const isProcessAlive = options.isProcessAlive ?? defaultIsProcessAlive;
  const now = options.now ?? Date.now;
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const db: Db = store.db;
  // Same IN list as the runs_live partial index, so this reads the index, not the table; runs on a
  // queue are the workers' (queue-runs.ts).
  const live = db.prepare<[], LiveRow>(
    `SELECT id, status, owner_pid, heartbeat_at FROM runs WHERE status IN ('queued', 'running', 'paused') AND ${NOT_ON_A_QUEUE}`,
  );
  const cutoff = staleCutoff(staleAfterMs, now);

  return {
    sweep() {
      const staleBefore = cutoff();
      let deadPid = false;
      let stale = false;
      for (const run of live.all()) {
        const pid = run.owner_pid;
        if (pid === ownPid) continue;
        if (pid === null) deadPid ||= run.status !== 'queued';
        else if (!isProcessAlive(pid)) deadPid = true;
        else if (staleBefore !== undefined && run.heartbeat_at !== null && run.heartbeat_at < staleBefore) stale = true;
      }
      const ids: number[] = [];
      if (deadPid) ids.push(...store.runs.interruptOrphans());
      if (stale && staleBefore !== undefined) ids.push(...store.runs.interruptStale(staleBefore, ownPid));
      return ids;
    },
  };
}
