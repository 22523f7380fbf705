// Migration 009 (run-worker): the queue worker that trained a run, kept on the run; runs stored
// before it trained on this machine and name none.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { presetConfig } from './helpers.ts';
import { storeAfterMigration } from './migration-fixture.ts';

test('009 adds the worker to runs: older runs have none, a started run keeps its worker after it ends', (t) => {
  const { store, old } = storeAfterMigration(t, 'run-worker', 9);
  assert.equal(store.runs.get(old)!.worker, null);
  const run = store.runs.create({ config: presetConfig('quick'), status: 'queued', ownerPid: process.pid });
  store.runs.markStarted(run.id, {
    backend: 'wasm',
    ownerPid: process.pid,
    totalSteps: 4,
    worker: { name: 'ws1', host: 'lab-3' },
  });
  assert.deepEqual(store.runs.get(run.id)!.worker, { name: 'ws1', host: 'lab-3' });
  // A retry moves the trial to another worker; the run names the newest.
  store.runs.setWorker(run.id, { name: 'ws2', host: 'lab-2' });
  store.runs.markFinished(run.id, 'interrupted', 'stopped');
  assert.deepEqual(store.runs.get(run.id)!.worker, { name: 'ws2', host: 'lab-2' }, 'kept after the run ends');
  assert.deepEqual(store.runs.list().find((r) => r.id === run.id)!.worker, { name: 'ws2', host: 'lab-2' }, 'in the listing too');
  // Resumed on this machine, it names no worker any more.
  store.runs.claimForResume(run.id, process.pid);
  store.runs.markStarted(run.id, { backend: 'wasm', ownerPid: process.pid, totalSteps: 4 });
  assert.equal(store.runs.get(run.id)!.worker, null);
});
