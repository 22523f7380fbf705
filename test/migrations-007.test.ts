// Migration 007 (run_data): an image folder run's class names and skipped files, kept beside runs
// stored before it (which have none), and deleted with their run.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../src/main/store/migrate.ts';
import { MIGRATIONS } from '../src/main/store/migrations/index.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { tempDir } from './helpers.ts';

const position = MIGRATIONS.findIndex((m) => m.name === 'run-data');

test('007 adds run_data: older runs have none, a folder run keeps its classes and skipped files until deleted', (t) => {
  assert.ok(position >= 6, 'listed after 006');
  const file = join(tempDir(t), 'w.db');
  const db = new Database(file);
  migrate(db, MIGRATIONS.slice(0, position));
  const old = Number(
    db.prepare("INSERT INTO runs (name, preset, config, status, created_at) VALUES ('old', 'quick', '{}', 'completed', 0)").run()
      .lastInsertRowid,
  );
  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, position + 1)), [position + 1]);
  db.close();

  const store = openDatabase(file);
  t.after(() => store.close());
  assert.equal(store.runData.get(old), null);
  const info = { classNames: ['cats', 'dogs'], skipped: [{ path: '/p/cats/x.png', reason: 'Input file is missing' }] };
  store.runData.save(old, info);
  assert.deepEqual(store.runData.get(old), info);
  store.runData.save(old, { classNames: null, skipped: [] });
  assert.deepEqual(store.runData.get(old), { classNames: null, skipped: [] });
  assert.throws(() => store.runData.save(old + 99, info), /Run \d+/);
  store.runs.remove(old);
  assert.equal(store.runData.get(old), null, 'deleted with its run');
});
