// The registry of processes that train runs from this database (migration 003), so a run's owner can
// be named, not only numbered: "trained by the CLI, pid 1234". A process registers when it opens the
// database to train and leaves when it closes it; rows left by a killed process are swept by the next
// registration (or replaced when its pid is reused).

import { PROCESS_KINDS, type ProcessKind } from '../../shared/training.ts';
import { invalidArgument } from './errors.ts';
import type { Db } from './migrate.ts';

export interface ProcessRegistry {
  /** Records this process as `kind`; runs it claims from now on carry that kind. */
  register(kind: ProcessKind): void;
  /** Removes this process's row; safe to call when it never registered. */
  unregister(): void;
  kindOf(pid: number): ProcessKind | null;
}

export interface ProcessRegistryDeps {
  pid: number;
  now: () => number;
  isProcessAlive: (pid: number) => boolean;
}

export function createProcessRegistry(db: Db, deps: ProcessRegistryDeps): ProcessRegistry {
  const s = {
    upsert: db.prepare(`
      INSERT INTO processes (pid, kind, started_at) VALUES (?, ?, ?)
      ON CONFLICT (pid) DO UPDATE SET kind = excluded.kind, started_at = excluded.started_at`),
    all: db.prepare<[], number>('SELECT pid FROM processes').pluck(),
    remove: db.prepare('DELETE FROM processes WHERE pid = ?'),
    kind: db.prepare<[number], ProcessKind>('SELECT kind FROM processes WHERE pid = ?').pluck(),
  };
  const register = db.transaction((kind: ProcessKind) => {
    for (const pid of s.all.all()) if (pid !== deps.pid && !deps.isProcessAlive(pid)) s.remove.run(pid);
    s.upsert.run(deps.pid, kind, deps.now());
  });
  return {
    register(kind) {
      if (!PROCESS_KINDS.includes(kind)) {
        throw invalidArgument(`Unknown process kind "${String(kind)}"; expected ${PROCESS_KINDS.join(', ')}.`, 'processKind');
      }
      register.immediate(kind);
    },
    unregister() {
      s.remove.run(deps.pid);
    },
    kindOf(pid) {
      return s.kind.get(pid) ?? null;
    },
  };
}
