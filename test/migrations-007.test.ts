// Migration 007 (run_data): an image folder run's class names and skipped files, kept beside runs
// stored before it (which have none), and deleted with their run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storeAfterMigration } from './migration-fixture.ts';

test('007 adds run_data: older runs have none, a folder run keeps its classes and skipped files until deleted', (t) => {
  const { store, old } = storeAfterMigration(t, 'run-data', 7);
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
