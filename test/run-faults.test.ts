// Real store faults while runs train (no mocks): a full disk (SQLite's max_page_count on the store's own
// connection), a write lock held by another connection past the busy timeout, the run deleted by another
// connection, and a connection turned read-only. Each ends that run as failed with a message naming the
// database file; the process, the service and the other runs carry on, and no worker is left behind.
// Before the fix each of these threw out of a worker's message handler and killed the test process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/main/store/index.ts';
import { RunService } from '../src/main/runs/service.ts';
import { liveWorkerCount } from '../src/main/worker-threads.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { expectLiveWorkers, memoryLogger, nextEvent } from './run-helpers.ts';

// Long enough that a fault always lands mid-training; the fault then ends it within a few steps.
const LONG = presetConfig('quick', { 'data.limit': 400, 'optim.epochs': 60, 'optim.batchSize': 16 });
const SHORT = presetConfig('quick', { 'data.limit': 300, 'optim.epochs': 1 });

const firstStep = (service: RunService, runId: number) => nextEvent(service, (e) => e.type === 'step' && e.runId === runId);

test('a full disk fails the run, naming the database and SQLITE_FULL; the next run trains', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const store = openDatabase(file);
  const service = new RunService(store, { log: memoryLogger() });
  t.after(() => store.close());
  const base = liveWorkerCount();
  const run = await service.start(LONG);
  await firstStep(service, run.id);
  const pages = store.db.pragma('page_count', { simple: true }) as number;
  store.db.pragma(`max_page_count = ${pages}`);
  const ended = await service.waitFor(run.id);
  assert.equal(ended.status, 'failed');
  assert.match(ended.statusMessage, /SQLITE_FULL/);
  assert.ok(ended.statusMessage.includes(file), ended.statusMessage);
  await expectLiveWorkers(base, 'once the failed run ended');

  store.db.pragma('max_page_count = 1073741823');
  const next = await service.start(SHORT);
  assert.equal((await service.waitFor(next.id)).status, 'completed');
  // Whether or not the failure could be written at once, it is on record by now.
  assert.equal(store.runs.get(run.id)!.status, 'failed');
  await service.shutdown();
});

test('a write lock held past the busy timeout fails the run; its end is recorded once the lock goes', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const store = openDatabase(file, { busyTimeoutMs: 100 });
  const log = memoryLogger();
  const service = new RunService(store, { log });
  t.after(() => store.close());
  const base = liveWorkerCount();
  const run = await service.start(LONG);
  await firstStep(service, run.id);
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  const ended = await service.waitFor(run.id);
  assert.equal(ended.status, 'failed');
  assert.match(ended.statusMessage, /SQLITE_BUSY/);
  assert.ok(ended.statusMessage.includes(file), ended.statusMessage);
  await expectLiveWorkers(base, 'once the failed run ended');
  // The lock also kept the final status out; the row still says running until the service can write.
  assert.equal(store.runs.get(run.id)!.status, 'running');
  assert.ok(
    log.lines.some((l) => l.startsWith(`error Run ${run.id} ended failed`)),
    log.lines.join('\n'),
  );
  other.exec('ROLLBACK');
  other.close();
  await service.shutdown();
  const stored = store.runs.get(run.id)!;
  assert.equal(stored.status, 'failed');
  assert.match(stored.statusMessage, /SQLITE_BUSY/);
});

test('a connection turned read-only mid-run fails the run with SQLITE_READONLY and the file', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const store = openDatabase(file);
  const service = new RunService(store, { log: memoryLogger() });
  t.after(() => store.close());
  const run = await service.start(LONG);
  await firstStep(service, run.id);
  store.db.pragma('query_only = ON');
  const ended = await service.waitFor(run.id);
  assert.equal(ended.status, 'failed');
  assert.match(ended.statusMessage, /SQLITE_READONLY/);
  assert.ok(ended.statusMessage.includes(file), ended.statusMessage);
  store.db.pragma('query_only = OFF');
  await service.shutdown();
  assert.equal(store.runs.get(run.id)!.status, 'failed');
});

test('a run deleted by another process fails alone: the run beside it keeps training to the end', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const store = openDatabase(file);
  const service = new RunService(store, { maxConcurrent: 2, log: memoryLogger() });
  t.after(() => store.close());
  const base = liveWorkerCount();
  const other = presetConfig('quick', { 'data.limit': 600, 'optim.epochs': 4, 'optim.batchSize': 16 });
  const [doomed, survivor] = await Promise.all([service.start(LONG), service.start(other)]);
  await Promise.all([firstStep(service, doomed.id), firstStep(service, survivor.id)]);
  let doomedEnded = false;
  let survivorStepsAfter = 0;
  service.subscribe((e) => {
    if (e.type === 'status' && e.runId === doomed.id && e.status === 'failed') doomedEnded = true;
    if (e.type === 'step' && e.runId === survivor.id && doomedEnded) survivorStepsAfter++;
  });

  const elsewhere = new Database(file);
  elsewhere.pragma('foreign_keys = ON');
  elsewhere.prepare('DELETE FROM runs WHERE id = ?').run(doomed.id);
  elsewhere.close();

  const ended = await service.waitFor(doomed.id);
  assert.equal(ended.status, 'failed');
  assert.match(ended.statusMessage, new RegExp(`Run ${doomed.id} does not exist`));
  assert.ok(ended.statusMessage.includes(file), ended.statusMessage);
  const finished = await service.waitFor(survivor.id);
  assert.equal(finished.status, 'completed');
  assert.ok(survivorStepsAfter > 0, 'the other run went on training after the deleted one failed');
  assert.equal(store.runs.get(doomed.id), null);
  await expectLiveWorkers(base, 'once both runs ended');
  await service.shutdown();
});
