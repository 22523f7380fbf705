// Every failure out of SQLite names the database file and says what SQLite said, whichever repository
// (or metric writer) met it; the store's own failures (not found, bad argument) pass through as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { openSync, writeSync, closeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/main/store/index.ts';
import { AppFailure } from '../src/shared/result.ts';
import { presetConfig, tempDir } from './helpers.ts';

const config = presetConfig('quick');
const requireHere = createRequire(import.meta.url);

function expectStoreError(fn: () => unknown, file: string, code: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AppFailure, String(e));
    assert.equal(e.appError.code, 'store-error');
    assert.ok(e.message.includes(file), e.message);
    assert.match(e.message, code);
    return true;
  });
}

test('writes refused by SQLite name the file in every repository and in metric writers', (t) => {
  const file = join(tempDir(t), 'w.db');
  const store = openDatabase(file);
  t.after(() => store.close());
  const run = store.runs.create({ config });
  const writer = store.metrics.writer(run.id, { batchSize: 1000 });
  writer.append({ step: 1, epoch: 1, loss: { recon: 1, kl: 1, total: 2 }, imagesPerSec: 1, wallMs: 1 });
  store.db.pragma('query_only = ON');
  const readOnly = /attempt to write a readonly database \(SQLITE_READONLY: the database cannot be written/;
  expectStoreError(() => store.runs.create({ config }), file, readOnly);
  expectStoreError(() => store.runs.heartbeat(run.id), file, readOnly);
  expectStoreError(() => writer.flush(), file, readOnly);
  expectStoreError(
    () =>
      store.checkpoints.save({
        runId: run.id,
        epoch: 0,
        step: 1,
        encoder: new Uint8Array(1),
        decoder: new Uint8Array(1),
        state: {},
      }),
    file,
    readOnly,
  );
  store.db.pragma('query_only = OFF');
  // The store's own failures are not database errors and keep their code and wording.
  assert.throws(
    () => store.runs.update(999, { name: 'x' }),
    (e: unknown) => {
      assert.ok(e instanceof AppFailure);
      assert.equal(e.appError.code, 'not-found');
      assert.equal(e.message, 'Run 999 does not exist (it may have been deleted).');
      return true;
    },
  );
  assert.equal(writer.pending, 0, 'getters pass through the wrapper');
});

test('a damaged page reads as SQLITE_CORRUPT with the file named', (t) => {
  const file = join(tempDir(t), 'w.db');
  const setup = openDatabase(file);
  const run = setup.runs.create({ config });
  const writer = setup.metrics.writer(run.id);
  for (let step = 1; step <= 500; step++)
    writer.append({ step, epoch: 1, loss: { recon: 1, kl: 1, total: 2 }, imagesPerSec: 1, wallMs: step });
  writer.close();
  const pageSize = setup.db.pragma('page_size', { simple: true }) as number;
  const root = setup.db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'step_metrics'").pluck().get() as number;
  setup.close();
  // Garbage over the table's root page: the runs table, which opening reads, stays intact.
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
  closeSync(fd);

  const store = openDatabase(file);
  t.after(() => store.close());
  expectStoreError(() => store.metrics.listSteps(run.id), file, /\(SQLITE_CORRUPT.*: the file is damaged\)/);
});

// SQLite answers a journal-mode change that meets a lock with SQLITE_BUSY at once, without its busy
// handler: a fresh file opened while another connection holds it (the app and the CLI at the same
// moment, a reader polling the new file) must wait, as every other statement does.
test('a fresh file locked by another connection for a moment is switched to WAL once the lock goes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'fresh.db');
  new Database(file).close();
  const holder = new Worker(
    `const Database = require(${JSON.stringify(requireHere.resolve('better-sqlite3'))});
     const { parentPort } = require('node:worker_threads');
     const db = new Database(${JSON.stringify(file)});
     db.exec('BEGIN IMMEDIATE');
     parentPort.postMessage('locked');
     // Lets go a moment after it is told to, on its own thread's clock.
     parentPort.once('message', () => setTimeout(() => { db.exec('ROLLBACK'); db.close(); }, 100));`,
    { eval: true },
  );
  t.after(() => holder.terminate());
  await once(holder, 'message');
  // Without the wait the pragma fails at once, whatever the busy timeout.
  const raw = new Database(file, { timeout: 5000 });
  assert.throws(() => raw.pragma('journal_mode = WAL'), /database is locked/);
  raw.close();
  // The holder lets go while openDatabase waits (Atomics.wait blocks this thread, not the worker's).
  holder.postMessage('release');
  const store = openDatabase(file, { busyTimeoutMs: 30_000 });
  t.after(() => store.close());
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
});
