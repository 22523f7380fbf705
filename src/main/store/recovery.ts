// Crash recovery. A run's status is written by the process training it, so when that process is killed
// (crash, power loss, `kill -9` of the CLI) the row keeps saying "running" forever. At every open, and
// whenever the run service asks again, runs whose owner is gone become "interrupted", which the UI
// offers to resume from the latest checkpoint.
//
// At open, liveness is judged by pid alone. A pid can be reused by an unrelated process after a reboot;
// such a run then stays "running" until a process that keeps the database open (the app) sees its
// heartbeat go stale (liveness.ts): owners beat on a timer (runs/heartbeat.ts), not per logged step,
// since a conv model on the cpu backend can take minutes between logged steps.

import type { Store } from './database.ts';

/** Signal 0 checks existence without signalling; EPERM means the pid exists but belongs to another user. */
export function defaultIsProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Marks orphaned live runs as interrupted (see RunsRepo.interruptOrphans); returns their ids. */
export function recoverInterrupted(store: Store): number[] {
  return store.runs.interruptOrphans();
}
