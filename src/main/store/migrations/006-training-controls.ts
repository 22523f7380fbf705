// The training controls (KL and learning-rate schedules, free bits, the IWAE objective): each step
// also logs the objective the optimizer minimised, the β it used and its learning rate, since with a
// schedule or free bits these differ from the negative ELBO, β and rate the config names. Nullable:
// steps logged before this migration have none, and SQLite stores a NaN objective as NULL.
//
// The best checkpoint needs no column: every epoch-end checkpoint is kept (see checkpoints.ts), and
// the best is the one whose epoch has the lowest held-out negative ELBO, read from epoch_metrics.
//
// Numbered 006 to follow issue 10's evaluation migration (005), which is written beside it; until the
// two are merged it is the fifth in the list, and `version` must be its place there (5, then 6).

import type { Migration } from '../migrate.ts';

export const migration006: Migration = {
  version: 6,
  name: 'training-controls',
  up(db) {
    db.exec(`
      ALTER TABLE step_metrics ADD COLUMN objective REAL;
      ALTER TABLE step_metrics ADD COLUMN beta REAL;
      ALTER TABLE step_metrics ADD COLUMN learning_rate REAL;
    `);
  },
};
