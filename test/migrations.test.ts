// Each migration on its own, the upgrade from every earlier version with data in it, and the refusals.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { AppFailure } from '../src/shared/result.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { openDatabase } from '../src/main/store/database.ts';
import { migrate, schemaVersion, type Db, type Migration } from '../src/main/store/migrate.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../src/main/store/migrations/index.ts';

function tempFile(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vae-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'runs.db');
}

function rawDb(t: { after(fn: () => void): void }, file = tempFile(t)): Db {
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  t.after(() => db.open && db.close());
  return db;
}

const tables = (db: Db) =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
const indexes = (db: Db) =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
const columns = (db: Db, table: string) => db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table);
const isStoreError = (e: unknown) => e instanceof AppFailure && e.appError.code === 'store-error';

test('migrations are numbered 1..n in order', () => {
  assert.deepEqual(
    MIGRATIONS.map((m) => m.version),
    MIGRATIONS.map((_, i) => i + 1),
  );
  assert.equal(LATEST_SCHEMA_VERSION, MIGRATIONS.length);
  assert.throws(() => migrate(new Database(':memory:'), [MIGRATIONS[1]!]), /out of order/);
});

test('001 creates the five tables, their per-run indexes and constraints', (t) => {
  const db = rawDb(t);
  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, 1)), [1]);
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(tables(db), ['checkpoints', 'epoch_metrics', 'images', 'runs', 'step_metrics']);
  assert.deepEqual(indexes(db), ['checkpoints_run_step', 'images_run_kind_step', 'runs_created']);
  assert.ok(columns(db, 'runs').includes('owner_pid'));
  assert.ok(!columns(db, 'runs').includes('heartbeat_at'));
  assert.deepEqual(columns(db, 'step_metrics'), ['run_id', 'step', 'epoch', 'recon', 'kl', 'total', 'images_per_sec', 'wall_ms']);
  assert.deepEqual(db.prepare('SELECT name FROM pragma_index_info(?)').pluck().all('checkpoints_run_step'), ['run_id', 'step']);
  const insertRun = db.prepare(
    "INSERT INTO runs (name, preset, config, status, created_at, tags) VALUES ('r', 'p', '{}', ?, 0, ?)",
  );
  assert.throws(() => insertRun.run('exploded', '[]'), /CHECK constraint/);
  assert.throws(() => insertRun.run('queued', '{"not":"an array"}'), /CHECK constraint/);
  const runId = Number(insertRun.run('queued', '[]').lastInsertRowid);
  assert.throws(
    () =>
      db
        .prepare(
          "INSERT INTO images (run_id, epoch, step, kind, rows, cols, height, width, created_at, pixels) VALUES (?, 0, 0, 'samples', 1, 1, 2, 2, 0, ?)",
        )
        .run(runId, new Uint8Array(3)),
    /CHECK constraint/,
  );
  assert.throws(() => db.prepare('INSERT INTO step_metrics VALUES (999, 0, 0, 1, 1, 1, 1, 1)').run(), /FOREIGN KEY/);
});

test('002 adds heartbeat_at and the partial index the recovery scan uses', (t) => {
  const db = rawDb(t);
  migrate(db, MIGRATIONS.slice(0, 1));
  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, 2)), [2]);
  assert.equal(schemaVersion(db), 2);
  assert.ok(columns(db, 'runs').includes('heartbeat_at'));
  const sql = db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'runs_live'").pluck().get() as string;
  assert.match(sql, /WHERE status IN/);
  const plan = db.prepare("EXPLAIN QUERY PLAN SELECT id FROM runs WHERE status IN ('queued', 'running', 'paused')").all() as {
    detail: string;
  }[];
  assert.match(plan.map((p) => p.detail).join('\n'), /runs_live/);
});

test('003 logs run changes by trigger, prunes the log, and names run owners from the process registry', (t) => {
  const db = rawDb(t);
  migrate(db, MIGRATIONS.slice(0, 2));
  const insertRun = db.prepare(
    "INSERT INTO runs (name, preset, config, status, created_at, owner_pid) VALUES ('r', 'p', '{}', 'queued', 0, ?)",
  );
  const before = Number(insertRun.run(null).lastInsertRowid);
  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, 3)), [3]);
  assert.equal(schemaVersion(db), 3);
  assert.ok(tables(db).includes('changes') && tables(db).includes('processes'));
  assert.ok(columns(db, 'runs').includes('owner_kind'));
  const log = () => db.prepare('SELECT run_id, kind FROM changes ORDER BY seq').raw().all();
  assert.deepEqual(log(), [], 'runs from before the migration are not in the log');

  db.prepare("INSERT INTO processes (pid, kind, started_at) VALUES (4242, 'cli', 0)").run();
  const runId = Number(insertRun.run(4242).lastInsertRowid);
  assert.equal(db.prepare('SELECT owner_kind FROM runs WHERE id = ?').pluck().get(runId), 'cli');
  db.prepare('UPDATE runs SET heartbeat_at = 5 WHERE id = ?').run(runId);
  db.prepare("UPDATE runs SET status = 'running', step = 3 WHERE id = ?").run(runId);
  db.prepare('UPDATE runs SET owner_pid = NULL WHERE id = ?').run(runId);
  assert.equal(db.prepare('SELECT owner_kind FROM runs WHERE id = ?').pluck().get(runId), null);
  db.prepare('INSERT INTO epoch_metrics VALUES (?, 1, 3, 1, 1, 2, NULL, NULL, NULL, 10, 30)').run(runId);
  db.prepare(
    "INSERT INTO images (run_id, epoch, step, kind, rows, cols, height, width, created_at, pixels) VALUES (?, 1, 3, 'samples', 1, 1, 1, 1, 0, ?)",
  ).run(runId, new Uint8Array(1));
  db.prepare(
    "INSERT INTO checkpoints (run_id, epoch, step, at_epoch_end, created_at, state, encoder, decoder) VALUES (?, 1, 3, 1, 0, '{}', ?, ?)",
  ).run(runId, new Uint8Array(1), new Uint8Array(1));
  db.prepare('INSERT INTO step_metrics VALUES (?, 3, 1, 1, 1, 2, 10, 30)').run(runId);
  db.prepare('DELETE FROM runs WHERE id = ?').run(before);
  assert.deepEqual(log(), [
    [runId, 'insert'],
    [runId, 'update'],
    [runId, 'update'],
    [runId, 'epoch'],
    [runId, 'image'],
    [runId, 'checkpoint'],
    [before, 'delete'],
  ]);
  assert.throws(() => db.prepare("INSERT INTO processes VALUES (1, 'daemon', 0)").run(), /CHECK constraint/);

  const edit = db.prepare('UPDATE runs SET notes = ? WHERE id = ?');
  db.transaction(() => {
    for (let i = 0; i < 5000; i++) edit.run(String(i), runId);
  })();
  const [min, max, count] = db.prepare('SELECT MIN(seq), MAX(seq), COUNT(*) FROM changes').raw().get() as [
    number,
    number,
    number,
  ];
  assert.equal(max, 5007);
  assert.ok(count <= 4096 + 256 && count > 4096, `${count} rows kept`);
  assert.equal(max - min + 1, count, 'what is kept is contiguous: a gap means pruning');
});

test('004 adds sweeps, places runs in them, allows pruned, and keeps every run, child row, trigger and id', (t) => {
  const db = rawDb(t);
  migrate(db, MIGRATIONS.slice(0, 3));
  db.prepare("INSERT INTO processes (pid, kind, started_at) VALUES (4242, 'cli', 0)").run();
  const insertRun = db.prepare(
    "INSERT INTO runs (name, preset, config, status, created_at, owner_pid, heartbeat_at) VALUES (?, 'p', '{}', 'running', 0, 4242, 9)",
  );
  const kept = Number(insertRun.run('kept').lastInsertRowid);
  const gone = Number(insertRun.run('gone').lastInsertRowid);
  db.prepare('INSERT INTO step_metrics VALUES (?, 3, 1, 1, 1, 2, 10, 30)').run(kept);
  db.prepare('INSERT INTO epoch_metrics VALUES (?, 1, 3, 1, 1, 2, NULL, NULL, NULL, 10, 30)').run(kept);
  db.prepare('DELETE FROM runs WHERE id = ?').run(gone);

  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, 4)), [4]);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'enforcement is back on after the rebuild');
  assert.ok(tables(db).includes('sweeps'));
  assert.deepEqual(
    indexes(db).filter((i) => String(i).startsWith('runs_')),
    ['runs_created', 'runs_live'],
  );
  const row = db.prepare('SELECT name, status, owner_kind, heartbeat_at, sweep_id FROM runs WHERE id = ?').raw().get(kept);
  assert.deepEqual(row, ['kept', 'running', 'cli', 9, null]);
  assert.equal(
    db.prepare('SELECT COUNT(*) FROM step_metrics WHERE run_id = ?').pluck().get(kept),
    1,
    'children survive the rebuild',
  );

  // The id of the run deleted before the migration is still never reused.
  const next = Number(insertRun.run('next').lastInsertRowid);
  assert.equal(next, gone + 1);
  // Triggers came back: the change log sees the new run, and owner_kind is still filled in.
  const lastChange = db.prepare('SELECT run_id, kind FROM changes ORDER BY seq DESC LIMIT 1').raw().get();
  assert.deepEqual(lastChange, [next, 'insert']);
  assert.equal(db.prepare('SELECT owner_kind FROM runs WHERE id = ?').pluck().get(next), 'cli');

  const sweepId = Number(
    db.prepare("INSERT INTO sweeps (name, definition, status, created_at) VALUES ('s', '{}', 'running', 0)").run()
      .lastInsertRowid,
  );
  const inSweep = db.prepare(
    "INSERT INTO runs (name, preset, config, status, created_at, sweep_id, sweep_index) VALUES ('x', 'p', '{}', 'queued', 0, ?, ?)",
  );
  const member = Number(inSweep.run(sweepId, 0).lastInsertRowid);
  assert.throws(() => inSweep.run(sweepId, 0), /UNIQUE constraint/, 'a sweep point is created once');
  assert.throws(() => inSweep.run(sweepId + 1, 1), /FOREIGN KEY constraint/);
  db.prepare("UPDATE runs SET status = 'pruned' WHERE id = ?").run(member);
  assert.throws(() => db.prepare("UPDATE runs SET status = 'exploded' WHERE id = ?").run(member), /CHECK constraint/);
  assert.throws(
    () => db.prepare("INSERT INTO sweeps (name, definition, status, created_at) VALUES ('s', '{}', 'lost', 0)").run(),
    /CHECK constraint/,
  );
  db.prepare('DELETE FROM sweeps WHERE id = ?').run(sweepId);
  assert.equal(db.prepare('SELECT sweep_id FROM runs WHERE id = ?').pluck().get(member), null, 'runs outlive their sweep');
});

test('an empty file is brought to the latest version', (t) => {
  const file = tempFile(t);
  const store = openDatabase(file);
  t.after(() => store.close());
  assert.equal(schemaVersion(store.db), LATEST_SCHEMA_VERSION);
  assert.deepEqual(store.runs.list(), []);
  // Opening again is a no-op for migrations.
  assert.deepEqual(migrate(store.db, MIGRATIONS), []);
});

test('a version-1 database with data is upgraded with its data intact', (t) => {
  const file = tempFile(t);
  const v1 = new Database(file);
  migrate(v1, MIGRATIONS.slice(0, 1));
  const config = { ...DEFAULT_CONFIG, preset: 'seed-notebook' };
  const runId = Number(
    v1
      .prepare(
        `INSERT INTO runs (name, preset, config, status, created_at, started_at, finished_at, backend,
                  dataset_name, dataset_fingerprint, notes, tags, step, epoch, total_steps,
                  train_recon, train_kl, train_total, held_out_recon, held_out_kl, held_out_total, images_per_sec)
                VALUES ('digit 5', 'seed-notebook', ?, 'completed', 1000, 1100, 9000, 'wasm', 'builtin-mnist',
                  'sha256:abc', 'first try', '["baseline","conv"]', 170, 10, 170, 40.5, 12.25, 52.75, 41, 12.5, 53.5, 110.2)`,
      )
      .run(JSON.stringify(config)).lastInsertRowid,
  );
  const step = v1.prepare('INSERT INTO step_metrics VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  v1.transaction(() => {
    for (let s = 1; s <= 170; s++) step.run(runId, s, Math.ceil(s / 17), 60 - s / 10, 10, 70 - s / 10, 100, s * 10);
  })();
  v1.prepare('INSERT INTO epoch_metrics VALUES (?, 1, 17, 50, 11, 61, 51, 11, 62, 105, 170)').run(runId);
  const encoder = new Uint8Array([1, 2, 3, 250]);
  v1.prepare(
    `INSERT INTO checkpoints (run_id, epoch, step, at_epoch_end, created_at, state, encoder, decoder, optimizer)
              VALUES (?, 10, 170, 1, 9000, '{"seed":1,"offset":0}', ?, ?, NULL)`,
  ).run(runId, encoder, new Uint8Array([9]));
  v1.prepare(
    `INSERT INTO images (run_id, epoch, step, kind, rows, cols, height, width, created_at, pixels)
              VALUES (?, 10, 170, 'reconstruction', 1, 2, 2, 2, 9000, ?)`,
  ).run(runId, new Uint8Array(8).fill(7));
  v1.close();

  const store = openDatabase(file);
  t.after(() => store.close());
  assert.equal(schemaVersion(store.db), LATEST_SCHEMA_VERSION);
  const run = store.runs.get(runId)!;
  assert.equal(run.name, 'digit 5');
  assert.equal(run.status, 'completed');
  assert.deepEqual(run.config, config);
  assert.deepEqual(run.tags, ['baseline', 'conv']);
  assert.deepEqual(run.finalTrain, { recon: 40.5, kl: 12.25, total: 52.75 });
  assert.deepEqual(run.finalHeldOut, { recon: 41, kl: 12.5, total: 53.5 });
  assert.equal(store.runs.owner(runId)!.heartbeatAt, null);
  assert.equal(store.metrics.listSteps(runId).length, 170);
  assert.deepEqual(store.metrics.listEpochs(runId)[0]!.heldOut, { recon: 51, kl: 11, total: 62 });
  const ckpt = store.checkpoints.latest(runId)!;
  assert.deepEqual([...ckpt.encoder], [...encoder]);
  assert.equal(ckpt.optimizer, null);
  assert.deepEqual(ckpt.state, { seed: 1, offset: 0 });
  assert.deepEqual([...store.images.latest(runId, 'reconstruction')!.grid.pixels], Array(8).fill(7));
});

test('a database from a newer app is refused and left untouched', (t) => {
  const file = tempFile(t);
  const db = new Database(file);
  db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
  db.close();
  assert.throws(
    () => openDatabase(file),
    (e) => {
      assert.ok(isStoreError(e));
      assert.match(
        (e as Error).message,
        new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 5}.*only knows up to ${LATEST_SCHEMA_VERSION}`),
      );
      return true;
    },
  );
  const after = new Database(file);
  assert.equal(schemaVersion(after), LATEST_SCHEMA_VERSION + 5);
  assert.deepEqual(tables(after), []);
  after.close();
});

test('a failing migration rolls back entirely, keeping the previous version', (t) => {
  const db = rawDb(t);
  const broken: Migration = {
    version: 2,
    name: 'broken',
    up(d) {
      d.exec('CREATE TABLE half_done (x INTEGER)');
      d.exec('ALTER TABLE no_such_table ADD COLUMN y INTEGER');
    },
  };
  assert.throws(
    () => migrate(db, [MIGRATIONS[0]!, broken]),
    (e) => isStoreError(e) && /version 2 \(broken\)/.test((e as Error).message),
  );
  assert.equal(schemaVersion(db), 1);
  assert.ok(!tables(db).includes('half_done'));
});
