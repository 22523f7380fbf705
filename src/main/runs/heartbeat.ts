// The owning process's sign of life for its runs: every few seconds, whatever the runs are doing
// (training, paused, waiting in the queue, a step that takes minutes), heartbeat_at is refreshed, so
// another process sharing the database can tell a quiet run from a dead owner (store/liveness.ts).
// Written from the main thread, which is what answers for the process.

import type { Store } from '../store/index.ts';

export const HEARTBEAT_INTERVAL_MS = 5000;

/** Starts beating for `runIds()`; returns the function that stops it. The timer never keeps the process alive. */
export function startHeartbeat(store: Store, runIds: () => readonly number[], intervalMs = HEARTBEAT_INTERVAL_MS): () => void {
  const timer = setInterval(() => {
    for (const id of runIds()) {
      try {
        store.runs.heartbeat(id);
      } catch {
        // A beat lost to a busy lock or a run deleted meanwhile is made up by the next one; the run
        // service deals with the run itself.
      }
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
