// Migration 005 (evaluations): the table and its constraints on a version-4 database with a run in
// it, the change-log entry an evaluation makes, the cascade on deleting the run, and the store's
// headline evaluation on the run record.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import type { EvaluationResult } from '../src/shared/evaluation.ts';
import { openDatabase } from '../src/main/store/database.ts';
import { migrate, schemaVersion } from '../src/main/store/migrate.ts';
import { MIGRATIONS } from '../src/main/store/migrations/index.ts';
import { tempDir } from './helpers.ts';

const result = (over: Partial<EvaluationResult> = {}): EvaluationResult => ({
  checkpointStep: 30,
  k: 100,
  images: 50,
  split: 'held-out',
  binarization: 'none',
  nll: 98.5,
  nllStdErr: 1.5,
  bitsPerDim: 98.5 / (784 * Math.LN2),
  negElbo: 104.25,
  activeUnits: 7,
  latentDim: 16,
  mutualInfo: 3.5,
  seed: 12,
  backend: 'wasm',
  durationMs: 850,
  ...over,
});

test('005 adds evaluations to a version-4 database, logs them as run updates and cascades with the run', (t) => {
  const file = `${tempDir(t)}/runs.db`;
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.slice(0, 4));
  const runId = Number(
    db
      .prepare("INSERT INTO runs (name, preset, config, status, created_at) VALUES ('r', 'quick', ?, 'completed', 0)")
      .run(JSON.stringify(DEFAULT_CONFIG)).lastInsertRowid,
  );
  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, 5)), [5]);
  assert.equal(schemaVersion(db), 5);
  const insert = db.prepare(`INSERT INTO evaluations (run_id, checkpoint_step, k, images, split, binarization, nll,
      active_units, latent_dim, seed, duration_ms, created_at) VALUES (?, 3, ?, 10, ?, ?, 90, 1, 2, 1, 5, 0)`);
  insert.run(runId, 5, 'held-out', 'none');
  assert.deepEqual(db.prepare('SELECT run_id, kind FROM changes ORDER BY seq DESC LIMIT 1').raw().get(), [runId, 'update']);
  assert.throws(() => insert.run(runId, 0, 'held-out', 'none'), /CHECK constraint/, 'k is at least 1');
  assert.throws(() => insert.run(runId, 5, 'validation', 'none'), /CHECK constraint/);
  assert.throws(() => insert.run(runId, 5, 'test', 'sometimes'), /CHECK constraint/);
  assert.throws(() => insert.run(runId + 1, 5, 'test', 'static'), /FOREIGN KEY constraint/);
  db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  assert.equal(db.prepare('SELECT COUNT(*) FROM evaluations').pluck().get(), 0);
  db.close();
});

test("the run record carries its latest checkpoint's largest-k evaluation; NaN survives the store", (t) => {
  const store = openDatabase(`${tempDir(t)}/runs.db`);
  t.after(() => store.close());
  const run = store.runs.create({ config: DEFAULT_CONFIG });
  const other = store.runs.create({ config: DEFAULT_CONFIG });
  assert.equal(store.runs.get(run.id)!.evaluation, null);
  store.evaluations.add(run.id, result({ k: 100 }));
  const big = store.evaluations.add(run.id, result({ k: 5000, nll: 97.25 }));
  store.evaluations.add(run.id, result({ k: 10, checkpointStep: 10 }));
  store.evaluations.add(other.id, result({ nll: Number.NaN }));
  assert.deepEqual(store.runs.get(run.id)!.evaluation, big);
  const listed = new Map(store.runs.list().map((r) => [r.id, r.evaluation]));
  assert.deepEqual(listed.get(run.id), big);
  assert.ok(Number.isNaN(listed.get(other.id)!.nll));
  assert.deepEqual(
    store.evaluations.list(run.id).map((e) => [e.checkpointStep, e.k]),
    [
      [30, 100],
      [30, 5000],
      [10, 10],
    ],
  );
  assert.throws(() => store.evaluations.add(9999, result()), /Run 9999/);
});
