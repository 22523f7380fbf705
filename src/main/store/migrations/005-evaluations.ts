// Evaluations: importance-weighted negative log-likelihoods (NLL_k) and collapse diagnostics of a
// run's checkpoints, several per run (the end of training, then any checkpoint on demand, at any k).
// Each row says exactly what was measured: the checkpoint's step, k, how many images, which split
// and which binarization, so two numbers are only set side by side when they mean the same thing.
// Not a foreign key to checkpoints: a resume rewrites checkpoints, and a measured number stays true
// of the weights it measured.
//
// An insert logs an 'update' of its run in the change log (migration 003): the run's record carries
// its headline evaluation, so another process showing the run re-reads it, as for any other change.

import type { Migration } from '../migrate.ts';

export const migration005: Migration = {
  version: 5,
  name: 'evaluations',
  up(db) {
    db.exec(`
      CREATE TABLE evaluations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        checkpoint_step INTEGER NOT NULL CHECK (checkpoint_step >= 0),
        k INTEGER NOT NULL CHECK (k >= 1),
        images INTEGER NOT NULL CHECK (images >= 1),
        split TEXT NOT NULL CHECK (split IN ('held-out', 'train', 'test')),
        binarization TEXT NOT NULL CHECK (binarization IN ('none', 'dynamic', 'static')),
        nll REAL,
        nll_std_err REAL,
        bits_per_dim REAL,
        neg_elbo REAL,
        active_units INTEGER NOT NULL,
        latent_dim INTEGER NOT NULL,
        mutual_info REAL,
        seed INTEGER NOT NULL,
        backend TEXT NOT NULL DEFAULT '',
        duration_ms REAL NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX evaluations_run ON evaluations (run_id, checkpoint_step, k);
      CREATE TRIGGER evaluations_change_insert AFTER INSERT ON evaluations BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.run_id, 'update');
      END;
    `);
  },
};
