// Liveness for runs trained by another process (the CLI next to the app): owner_pid alone says who
// claimed a run, heartbeat_at says when that process last showed signs of life, so a viewer can tell a
// slow step from a stuck one. The partial index serves the recovery scan at every open, which only
// looks at live statuses and should not grow with the history of finished runs.

import type { Migration } from '../migrate.ts';

export const migration002: Migration = {
  version: 2,
  name: 'run-heartbeat',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN heartbeat_at INTEGER;
      CREATE INDEX runs_live ON runs (status) WHERE status IN ('queued', 'running', 'paused');
    `);
  },
};
