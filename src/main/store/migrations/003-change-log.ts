// What lets one process follow runs that another process writes (the app next to the CLI):
//
// - `changes`: a log of which run changed and how, filled by triggers so that every writer, of any
//   version that has this migration, records its changes without knowing about the log. A watcher
//   polls PRAGMA data_version (which moves only when ANOTHER connection commits) and then reads only
//   the log rows after the last one it saw, and from them only the runs that changed. Heartbeat-only
//   updates are left out (UPDATE OF lists every other column): they change nothing a person sees and
//   come every few seconds per live run. A later migration that adds a visible column to runs must
//   recreate runs_change_update with that column in its list.
// - The log prunes itself: every 256th row deletes what is more than 4,096 rows old, inside the
//   writer's own transaction, so no reader ever needs the write lock to keep it small. A watcher
//   that fell further behind sees the gap (its next seq is gone) and re-reads everything.
// - `processes`: who has the database open to train (the app, a browser-mode server, the CLI), so a
//   run's owner can be named ("trained by the CLI") and not only numbered. runs.owner_kind follows
//   owner_pid by trigger, so the statements that claim and release runs stay as they are.
//
// seq is AUTOINCREMENT: never reused, so "after seq N" stays meaningful across pruning. Rolled-back
// transactions roll back the sequence too, so seqs are contiguous and a gap means rows were pruned.

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
].join(', ');

export const migration003: Migration = {
  version: 3,
  name: 'change-log',
  up(db) {
    db.exec(`
      CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('insert', 'update', 'delete', 'epoch', 'image', 'checkpoint'))
      ) STRICT;

      CREATE TRIGGER runs_change_insert AFTER INSERT ON runs BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.id, 'insert');
      END;
      CREATE TRIGGER runs_change_update AFTER UPDATE OF ${VISIBLE_RUN_COLUMNS} ON runs BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.id, 'update');
      END;
      CREATE TRIGGER runs_change_delete AFTER DELETE ON runs BEGIN
        INSERT INTO changes (run_id, kind) VALUES (OLD.id, 'delete');
      END;
      CREATE TRIGGER epochs_change_insert AFTER INSERT ON epoch_metrics BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.run_id, 'epoch');
      END;
      CREATE TRIGGER epochs_change_update AFTER UPDATE ON epoch_metrics BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.run_id, 'epoch');
      END;
      CREATE TRIGGER images_change_insert AFTER INSERT ON images BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.run_id, 'image');
      END;
      CREATE TRIGGER checkpoints_change_insert AFTER INSERT ON checkpoints BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.run_id, 'checkpoint');
      END;
      CREATE TRIGGER changes_prune AFTER INSERT ON changes WHEN NEW.seq % 256 = 0 BEGIN
        DELETE FROM changes WHERE seq <= NEW.seq - 4096;
      END;

      CREATE TABLE processes (
        pid INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('app', 'server', 'cli')),
        started_at INTEGER NOT NULL
      ) STRICT;

      ALTER TABLE runs ADD COLUMN owner_kind TEXT CHECK (owner_kind IN ('app', 'server', 'cli'));
      CREATE TRIGGER runs_owner_kind_insert AFTER INSERT ON runs WHEN NEW.owner_pid IS NOT NULL BEGIN
        UPDATE runs SET owner_kind = (SELECT kind FROM processes WHERE pid = NEW.owner_pid) WHERE id = NEW.id;
      END;
      CREATE TRIGGER runs_owner_kind_update AFTER UPDATE OF owner_pid ON runs BEGIN
        UPDATE runs SET owner_kind = (SELECT kind FROM processes WHERE pid = NEW.owner_pid) WHERE id = NEW.id;
      END;
    `);
  },
};
