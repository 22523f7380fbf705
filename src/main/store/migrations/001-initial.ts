// The first schema. Migrations are history: never edit one that has shipped, add the next file instead.
// Status names are spelled out here rather than imported, so a later change to the shared type cannot
// silently change what this migration did.
//
// Layout choices:
// - AUTOINCREMENT on runs: a deleted run's id is never handed out again, so an exported model or a
//   bookmark that names run 12 cannot later point at a different run.
// - Metric tables are WITHOUT ROWID, clustered on (run_id, step|epoch): a chart reads one contiguous
//   range, and the primary key doubles as the index the ON DELETE CASCADE needs.
// - Loss columns are nullable: SQLite stores NaN as NULL, and a diverging run logs NaN losses.
// - Blobs come last in their rows, so listing checkpoints or images without them never reads the
//   overflow pages that hold the bytes.

import type { Migration } from '../migrate.ts';

export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        preset TEXT NOT NULL,
        config TEXT NOT NULL CHECK (json_valid(config)),
        status TEXT NOT NULL
          CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'interrupted')),
        status_message TEXT NOT NULL DEFAULT '',
        backend TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        dataset_name TEXT NOT NULL DEFAULT '',
        dataset_fingerprint TEXT NOT NULL DEFAULT '',
        notes TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array'),
        owner_pid INTEGER,
        step INTEGER NOT NULL DEFAULT 0,
        epoch INTEGER NOT NULL DEFAULT 0,
        total_steps INTEGER NOT NULL DEFAULT 0,
        train_recon REAL,
        train_kl REAL,
        train_total REAL,
        held_out_recon REAL,
        held_out_kl REAL,
        held_out_total REAL,
        images_per_sec REAL
      ) STRICT;
      CREATE INDEX runs_created ON runs (created_at DESC, id DESC);

      CREATE TABLE step_metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        recon REAL,
        kl REAL,
        total REAL,
        images_per_sec REAL NOT NULL,
        wall_ms REAL NOT NULL,
        PRIMARY KEY (run_id, step)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE epoch_metrics (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        train_recon REAL,
        train_kl REAL,
        train_total REAL,
        held_out_recon REAL,
        held_out_kl REAL,
        held_out_total REAL,
        images_per_sec REAL NOT NULL,
        wall_ms REAL NOT NULL,
        PRIMARY KEY (run_id, epoch)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        at_epoch_end INTEGER NOT NULL CHECK (at_epoch_end IN (0, 1)),
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (json_valid(state)),
        encoder BLOB NOT NULL,
        decoder BLOB NOT NULL,
        optimizer BLOB
      ) STRICT;
      CREATE INDEX checkpoints_run_step ON checkpoints (run_id, step);

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('reconstruction', 'samples')),
        rows INTEGER NOT NULL CHECK (rows > 0),
        cols INTEGER NOT NULL CHECK (cols > 0),
        height INTEGER NOT NULL CHECK (height > 0),
        width INTEGER NOT NULL CHECK (width > 0),
        created_at INTEGER NOT NULL,
        pixels BLOB NOT NULL CHECK (length(pixels) = rows * cols * height * width)
      ) STRICT;
      CREATE INDEX images_run_kind_step ON images (run_id, kind, step);
    `);
  },
};
