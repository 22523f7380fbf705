// Which queue worker trained a run (issue 12): its name and host, as the worker reported them, kept
// after the run ends so the run page and the Runs table can say where it trained. NULL for runs that
// trained in a process on this machine (and every run stored before this migration). And the queue a
// sweep's runs train on, its URL without the password (which is never stored): NULL for a local sweep.

import type { Migration } from '../migrate.ts';

export const migration009: Migration = {
  version: 9,
  name: 'run-worker',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN worker_name TEXT;
      ALTER TABLE runs ADD COLUMN worker_host TEXT;
      ALTER TABLE sweeps ADD COLUMN queue_url TEXT;
    `);
  },
};
