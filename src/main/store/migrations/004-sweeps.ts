// Sweeps: a base config crossed with axes of values, trained as ordinary runs that point back at
// their sweep. Three changes, in one transaction:
//
// - `sweeps`: the definition as the user gave it (JSON, validated before it is stored), its status,
//   and the process that drives it (owner_pid + heartbeat_at, as for runs), so a sweep whose process
//   was killed is seen as orphaned and can be taken over by the next process that opens it.
// - runs.sweep_id / runs.sweep_index: a run's place in its sweep. UNIQUE (sweep_id, sweep_index)
//   makes "nothing runs twice" a property of the schema: a sweep's runs are created once, all at
//   its creation, and a second attempt to create point i fails instead of training it again.
// - runs.status may now be 'pruned' (stopped early by successive halving). SQLite cannot alter a
//   CHECK constraint, so `runs` is rebuilt the way SQLite documents (create, copy, drop, rename)
//   with foreign keys off (the migration runner turns them off around this migration only, and
//   checks every reference before committing). Its indexes and triggers are recreated as they were,
//   the change-log trigger now also watching the new columns, and the AUTOINCREMENT high-water mark
//   is carried over so a deleted run's id is still never handed out again.
//
// Status names are spelled out here, not imported: a migration is history.

import type { Migration } from '../migrate.ts';

const VISIBLE_RUN_COLUMNS = [
  'name',
  'preset',
  'config',
  'status',
  'status_message',
  'backend',
  'started_at',
  'finished_at',
  'dataset_name',
  'dataset_fingerprint',
  'notes',
  'tags',
  'owner_pid',
  'step',
  'epoch',
  'total_steps',
  'train_recon',
  'train_kl',
  'train_total',
  'held_out_recon',
  'held_out_kl',
  'held_out_total',
  'images_per_sec',
  'sweep_id',
  'sweep_index',
].join(', ');

const COPIED_COLUMNS = [
  'id',
  'name',
  'preset',
  'config',
  'status',
  'status_message',
  'backend',
  'created_at',
  'started_at',
  'finished_at',
  'dataset_name',
  'dataset_fingerprint',
  'notes',
  'tags',
  'owner_pid',
  'step',
  'epoch',
  'total_steps',
  'train_recon',
  'train_kl',
  'train_total',
  'held_out_recon',
  'held_out_kl',
  'held_out_total',
  'images_per_sec',
  'heartbeat_at',
  'owner_kind',
].join(', ');

export const migration004: Migration = {
  version: 4,
  name: 'sweeps',
  foreignKeysOff: true,
  up(db) {
    const highWater = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'runs'").pluck().get() as number | undefined;
    db.exec(`
      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        definition TEXT NOT NULL CHECK (json_valid(definition)),
        status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'cancelled', 'completed')),
        status_message TEXT NOT NULL DEFAULT '',
        created_at INTEGER NOT NULL,
        finished_at INTEGER,
        owner_pid INTEGER,
        heartbeat_at INTEGER
      ) STRICT;

      CREATE TABLE runs_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        preset TEXT NOT NULL,
        config TEXT NOT NULL CHECK (json_valid(config)),
        status TEXT NOT NULL
          CHECK (status IN ('queued', 'running', 'paused', 'completed', 'failed', 'interrupted', 'pruned')),
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
        images_per_sec REAL,
        heartbeat_at INTEGER,
        owner_kind TEXT CHECK (owner_kind IN ('app', 'server', 'cli')),
        sweep_id INTEGER REFERENCES sweeps (id) ON DELETE SET NULL,
        -- Kept when the sweep is deleted (sweep_id set NULL): the run stays, its position is history.
        sweep_index INTEGER,
        UNIQUE (sweep_id, sweep_index)
      ) STRICT;
      INSERT INTO runs_new (${COPIED_COLUMNS}) SELECT ${COPIED_COLUMNS} FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_new RENAME TO runs;

      CREATE INDEX runs_created ON runs (created_at DESC, id DESC);
      CREATE INDEX runs_live ON runs (status) WHERE status IN ('queued', 'running', 'paused');

      CREATE TRIGGER runs_change_insert AFTER INSERT ON runs BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.id, 'insert');
      END;
      CREATE TRIGGER runs_change_update AFTER UPDATE OF ${VISIBLE_RUN_COLUMNS} ON runs BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.id, 'update');
      END;
      CREATE TRIGGER runs_change_delete AFTER DELETE ON runs BEGIN
        INSERT INTO changes (run_id, kind) VALUES (OLD.id, 'delete');
      END;
      CREATE TRIGGER runs_owner_kind_insert AFTER INSERT ON runs WHEN NEW.owner_pid IS NOT NULL BEGIN
        UPDATE runs SET owner_kind = (SELECT kind FROM processes WHERE pid = NEW.owner_pid) WHERE id = NEW.id;
      END;
      CREATE TRIGGER runs_owner_kind_update AFTER UPDATE OF owner_pid ON runs BEGIN
        UPDATE runs SET owner_kind = (SELECT kind FROM processes WHERE pid = NEW.owner_pid) WHERE id = NEW.id;
      END;
    `);
    if (highWater !== undefined) db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'runs'").run(highWater);
  },
};
