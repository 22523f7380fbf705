// Noticing sweeps another process (the CLI) created or changed, for the app's clients. A sweep's
// runs reach the app through the change log (store/change-log.ts), but the sweeps table has no log
// of its own: a sweep that completes, or is paused from the CLI, changes no run. So each poll, when
// another connection has committed since the last one (PRAGMA data_version, which costs no read),
// the few columns that say how a sweep stands are read for every sweep (a small table) and compared
// with the last read.

import type { Db } from '../store/migrate.ts';

interface SweepState {
  id: number;
  state: string;
}

export interface SweepWatcher {
  /** Ids of sweeps created or changed (status, message, owner) since the last poll; empty when none. */
  poll(): number[];
}

export function createSweepWatcher(db: Db): SweepWatcher {
  const s = {
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    states: db.prepare<[], SweepState>(
      "SELECT id, status || '|' || status_message || '|' || ifnull(owner_pid, '') || '|' || ifnull(finished_at, '') AS state FROM sweeps",
    ),
  };
  const read = () => new Map(s.states.all().map((row) => [row.id, row.state]));
  let version = s.dataVersion.get()!;
  let last = read();
  return {
    poll() {
      const current = s.dataVersion.get()!;
      if (current === version) return [];
      version = current;
      const now = read();
      const changed = [...now].filter(([id, state]) => last.get(id) !== state).map(([id]) => id);
      last = now;
      return changed;
    },
  };
}
