// The store against real SQLite files: connection settings, runs, cascades, crash recovery, and two
// connections on one file as when the app and the CLI share it.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AppFailure, type ErrorCode } from '../src/shared/result.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { openDatabase, type OpenOptions, type Store } from '../src/main/store/database.ts';
import { recoverInterrupted } from '../src/main/store/recovery.ts';

type T = { after(fn: () => void): void };

function tempFile(t: T): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vae-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'runs.db');
}

function open(t: T, file = tempFile(t), opts: OpenOptions = {}): Store {
  const store = openDatabase(file, opts);
  t.after(() => store.close());
  return store;
}

/** A clock the test moves by hand, so orderings and timestamps are exact. */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const failsWith = (code: ErrorCode, pattern?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof AppFailure, `expected AppFailure, got ${String(e)}`);
  assert.equal(e.appError.code, code);
  if (pattern) assert.match(e.message, pattern);
  return true;
};

const count = (store: Store, table: string, runId: number) =>
  store.db.prepare(`SELECT COUNT(*) FROM ${table} WHERE run_id = ?`).pluck().get(runId) as number;

/** A pid that certainly belonged to a process that has exited. */
const deadPid = () => spawnSync('true').pid;

test('connections use WAL, NORMAL sync, foreign keys and a busy timeout', (t) => {
  const store = open(t);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1);
  assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(store.db.pragma('busy_timeout', { simple: true }), 5000);
});

test('nativeBinding is handed to better-sqlite3', (t) => {
  const require = createRequire(import.meta.url);
  const binding = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');
  const store = open(t, tempFile(t), { nativeBinding: binding });
  assert.equal(store.runs.list().length, 0);
  assert.throws(() => openDatabase(tempFile(t), { nativeBinding: '/nonexistent/better_sqlite3.node' }), failsWith('store-error'));
});

test('a file that is not a database is refused with a store error', (t) => {
  const file = tempFile(t);
  fs.writeFileSync(file, 'label,1x1,1x2\n5,0,0\n'.repeat(200));
  assert.throws(() => openDatabase(file), failsWith('store-error', /runs\.db/));
});

test('create and get round-trip a run, with defaults filled in', (t) => {
  const clock = manualClock();
  const store = open(t, tempFile(t), { now: clock.now });
  const config = { ...DEFAULT_CONFIG, preset: 'mlp-small', run: { ...DEFAULT_CONFIG.run, name: '' } };
  const run = store.runs.create({ config, datasetName: 'builtin-mnist', datasetFingerprint: 'fp1', tags: ['a', ' a ', 'b', ''] });
  assert.equal(run.status, 'queued');
  assert.equal(run.preset, 'mlp-small');
  assert.equal(run.name, `mlp-small ${new Date(clock.now()).toISOString().slice(0, 16).replace('T', ' ')}`);
  assert.deepEqual(run.tags, ['a', 'b']);
  assert.equal(run.createdAt, clock.now());
  assert.deepEqual(store.runs.get(run.id), run);
  assert.deepEqual(run.config, config);
  assert.equal(run.finalTrain, null);
  assert.equal(store.runs.get(run.id + 100), null);
  const named = store.runs.create({ config: { ...config, run: { ...config.run, name: '  digits  ' } } });
  assert.equal(named.name, 'digits');
  assert.throws(() => store.runs.create({ config, status: 'exploded' as never }), failsWith('invalid-argument'));
});

test('list is newest first, ties broken by id', (t) => {
  const clock = manualClock();
  const store = open(t, tempFile(t), { now: clock.now });
  const a = store.runs.create({ config: DEFAULT_CONFIG, name: 'a' });
  clock.advance(10);
  const b = store.runs.create({ config: DEFAULT_CONFIG, name: 'b' });
  const c = store.runs.create({ config: DEFAULT_CONFIG, name: 'c' });
  const old = store.runs.create({ config: DEFAULT_CONFIG, name: 'imported', createdAt: clock.now() - 1e6 });
  assert.deepEqual(
    store.runs.list().map((r) => r.id),
    [c.id, b.id, a.id, old.id],
  );
});

test('update edits name, notes and tags independently; bad input is rejected', (t) => {
  const store = open(t);
  const run = store.runs.create({ config: DEFAULT_CONFIG, name: 'first', notes: 'n', tags: ['x'] });
  assert.deepEqual(store.runs.update(run.id, { notes: 'beta 4 blurs the\ndigits "a lot"' }).tags, ['x']);
  const edited = store.runs.update(run.id, { tags: ['conv', 'beta=4', 'conv'], name: ' renamed ' });
  assert.equal(edited.name, 'renamed');
  assert.equal(edited.notes, 'beta 4 blurs the\ndigits "a lot"');
  assert.deepEqual(edited.tags, ['conv', 'beta=4']);
  assert.deepEqual(store.runs.update(run.id, { tags: [] }).tags, []);
  assert.equal(store.runs.update(run.id, { notes: '' }).notes, '');
  assert.throws(() => store.runs.update(run.id, { name: '   ' }), failsWith('invalid-argument'));
  assert.throws(() => store.runs.update(run.id, { tags: [1] as never }), failsWith('invalid-argument'));
  assert.throws(() => store.runs.update(run.id + 1, { notes: 'x' }), failsWith('not-found', new RegExp(`Run ${run.id + 1}`)));
  assert.throws(() => store.runs.remove(run.id + 1), failsWith('not-found'));
  assert.throws(() => store.runs.setStatus(run.id + 1, 'paused'), failsWith('not-found'));
  assert.throws(() => store.runs.setProgress(run.id + 1, { step: 1, epoch: 1 }), failsWith('not-found'));
});

test('a run goes through start, progress, final losses and finish', (t) => {
  const clock = manualClock();
  const store = open(t, tempFile(t), { now: clock.now });
  const { id } = store.runs.create({ config: DEFAULT_CONFIG });
  clock.advance(5);
  let run = store.runs.markStarted(id, { backend: 'wasm', ownerPid: process.pid, totalSteps: 700 });
  assert.equal(run.status, 'running');
  assert.equal(run.backend, 'wasm');
  assert.equal(run.totalSteps, 700);
  const startedAt = clock.now();
  assert.equal(run.startedAt, startedAt);
  assert.deepEqual(store.runs.owner(id), { status: 'running', ownerPid: process.pid, heartbeatAt: startedAt });

  clock.advance(100);
  store.runs.setProgress(id, { step: 140, epoch: 1 });
  assert.equal(store.runs.owner(id)!.heartbeatAt, clock.now());
  assert.equal(store.runs.setStatus(id, 'paused').status, 'paused');
  store.runs.setFinal(id, {
    train: { recon: 80.5, kl: 20.25, total: 100.75 },
    heldOut: { recon: Number.NaN, kl: 1, total: Number.NaN },
    imagesPerSec: 850,
  });
  clock.advance(100);
  run = store.runs.markFinished(id, 'completed', '');
  assert.equal(run.status, 'completed');
  assert.equal(run.finishedAt, clock.now());
  assert.equal(run.step, 140);
  assert.deepEqual(run.finalTrain, { recon: 80.5, kl: 20.25, total: 100.75 });
  assert.ok(Number.isNaN(run.finalHeldOut!.recon) && run.finalHeldOut!.kl === 1);
  assert.equal(run.imagesPerSec, 850);
  assert.equal(store.runs.owner(id)!.ownerPid, null);

  // Resuming keeps the first start time and clears the finish.
  clock.advance(1000);
  run = store.runs.markStarted(id, { backend: 'cpu', ownerPid: process.pid, totalSteps: 700 });
  assert.equal(run.startedAt, startedAt);
  assert.equal(run.finishedAt, null);
  // A finished status set through setStatus releases the owner too.
  run = store.runs.setStatus(id, 'failed', 'loss became NaN at step 150');
  assert.equal(run.statusMessage, 'loss became NaN at step 150');
  assert.equal(store.runs.owner(id)!.ownerPid, null);
  assert.throws(() => store.runs.markFinished(id, 'running' as never, ''), failsWith('invalid-argument'));
});

test('a run held by another live process cannot be started twice', (t) => {
  const file = tempFile(t);
  const otherPid = 4_000_001;
  const app = open(t, file, { isProcessAlive: (pid) => pid === otherPid });
  const { id } = app.runs.create({ config: DEFAULT_CONFIG });
  // The CLI (another connection, another pid) claims it first.
  const cli = open(t, file, { isProcessAlive: () => true });
  cli.runs.markStarted(id, { backend: 'cpu', ownerPid: otherPid, totalSteps: 10 });
  assert.throws(
    () => app.runs.markStarted(id, { backend: 'cpu', ownerPid: process.pid, totalSteps: 10 }),
    failsWith('conflict', new RegExp(`pid ${otherPid}`)),
  );
  // Once the holder is gone the run can be taken over.
  const later = open(t, file, { isProcessAlive: () => false });
  assert.equal(later.runs.get(id)!.status, 'interrupted');
  assert.equal(app.runs.markStarted(id, { backend: 'cpu', ownerPid: process.pid, totalSteps: 10 }).status, 'running');
});

test('removing a run deletes its metrics, checkpoints and images', (t) => {
  const store = open(t);
  const keep = store.runs.create({ config: DEFAULT_CONFIG, name: 'keep' });
  const gone = store.runs.create({ config: DEFAULT_CONFIG, name: 'gone' });
  for (const run of [keep, gone]) {
    const w = store.metrics.writer(run.id);
    for (let s = 1; s <= 20; s++)
      w.append({ step: s, epoch: 1, loss: { recon: 1, kl: 1, total: 2 }, imagesPerSec: 1, wallMs: s });
    w.appendEpoch({ epoch: 1, step: 20, train: { recon: 1, kl: 1, total: 2 }, heldOut: null, imagesPerSec: 1, wallMs: 20 });
    w.close();
    store.checkpoints.save({
      runId: run.id,
      epoch: 1,
      step: 20,
      encoder: new Uint8Array(64),
      decoder: new Uint8Array(64),
      state: {},
      atEpochEnd: true,
    });
    store.images.save(run.id, {
      epoch: 1,
      step: 20,
      kind: 'samples',
      grid: { rows: 1, cols: 1, height: 2, width: 2, pixels: new Uint8Array(4) },
    });
  }
  store.runs.remove(gone.id);
  assert.equal(store.runs.get(gone.id), null);
  for (const table of ['step_metrics', 'epoch_metrics', 'checkpoints', 'images']) {
    assert.equal(count(store, table, gone.id), 0, table);
    assert.ok(count(store, table, keep.id) > 0, table);
  }
  // Ids are never reused, so a stale reference cannot land on a newer run.
  assert.ok(store.runs.create({ config: DEFAULT_CONFIG }).id > gone.id);
});

test('runs whose process died become interrupted on open; live ones stay', async (t) => {
  const file = tempFile(t);
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill());
  const dead = deadPid();
  const clock = manualClock();
  const first = openDatabase(file, { now: clock.now });
  const make = (name: string, status: 'running' | 'paused' | 'queued', ownerPid: number | null) => {
    const { id } = first.runs.create({ config: DEFAULT_CONFIG, name, ownerPid });
    if (ownerPid !== null && status !== 'queued') first.runs.markStarted(id, { backend: 'cpu', ownerPid, totalSteps: 100 });
    if (status !== 'running') first.runs.setStatus(id, status);
    if (ownerPid === null && status === 'running') first.db.prepare("UPDATE runs SET status = 'running' WHERE id = ?").run(id);
    return id;
  };
  const ids = {
    deadRunning: make('dead running', 'running', dead),
    deadPaused: make('dead paused', 'paused', dead),
    deadQueued: make('dead queued', 'queued', dead),
    nobodyRunning: make('nobody running', 'running', null),
    nobodyQueued: make('nobody queued', 'queued', null),
    liveChild: make('child running', 'running', sleeper.pid!),
    self: make('self running', 'running', process.pid),
  };
  const done = make('done', 'running', dead);
  first.runs.markFinished(done, 'completed', '');
  clock.advance(60_000);
  first.close();

  // Default liveness check: the real OS.
  const store = open(t, file, { now: clock.now });
  const status = (id: number) => store.runs.get(id)!.status;
  assert.equal(status(ids.deadRunning), 'interrupted');
  assert.equal(status(ids.deadPaused), 'interrupted');
  assert.equal(status(ids.deadQueued), 'interrupted');
  assert.equal(status(ids.nobodyRunning), 'interrupted');
  assert.equal(status(ids.nobodyQueued), 'queued');
  assert.equal(status(ids.liveChild), 'running');
  assert.equal(status(ids.self), 'running');
  assert.equal(status(done), 'completed');
  const interrupted = store.runs.get(ids.deadRunning)!;
  assert.match(interrupted.statusMessage, new RegExp(`pid ${dead}\\) stopped unexpectedly`));
  // The last sign of life, not the time of discovery, is when it stopped.
  assert.equal(interrupted.finishedAt, clock.now() - 60_000);
  assert.equal(store.runs.owner(ids.deadRunning)!.ownerPid, null);

  // Later, the child dies too; asking again catches it.
  const exited = new Promise((resolve) => sleeper.once('exit', resolve));
  sleeper.kill();
  await exited;
  assert.deepEqual(recoverInterrupted(store), [ids.liveChild]);
  assert.equal(status(ids.liveChild), 'interrupted');
  assert.equal(status(ids.self), 'running');
});

test('the injected liveness check decides, but the own pid is always alive', (t) => {
  const file = tempFile(t);
  const seed = open(t, file);
  const other = seed.runs.create({ config: DEFAULT_CONFIG, ownerPid: 12345, status: 'running' });
  const mine = seed.runs.create({ config: DEFAULT_CONFIG, ownerPid: process.pid, status: 'running' });
  const store = open(t, file, { isProcessAlive: () => false });
  assert.equal(store.runs.get(other.id)!.status, 'interrupted');
  assert.equal(store.runs.get(mine.id)!.status, 'running');
});

test('a second connection sees flushed metrics while the first keeps writing', (t) => {
  const file = tempFile(t);
  const writer = open(t, file);
  const reader = open(t, file);
  const { id } = writer.runs.create({ config: DEFAULT_CONFIG });
  writer.runs.markStarted(id, { backend: 'cpu', ownerPid: process.pid, totalSteps: 100 });
  const w = writer.metrics.writer(id, { batchSize: 10, maxDelayMs: Infinity });
  for (let s = 1; s <= 25; s++) w.append({ step: s, epoch: 1, loss: { recon: 1, kl: 1, total: 2 }, imagesPerSec: 1, wallMs: s });
  assert.equal(reader.metrics.listSteps(id).length, 20);
  assert.equal(reader.runs.get(id)!.step, 20);
  w.flush();
  assert.equal(reader.metrics.listSteps(id).length, 25);
});

test('several processes can open a fresh file and write to it at once', async (t) => {
  const file = tempFile(t);
  const storeModule = new URL('../src/main/store/database.ts', import.meta.url).href;
  const presetsModule = new URL('../src/shared/presets.ts', import.meta.url).href;
  // Each child migrates the same new file, then logs 3,000 steps in batches while the others do too.
  const script = `
    const { openDatabase } = await import(${JSON.stringify(storeModule)});
    const { DEFAULT_CONFIG } = await import(${JSON.stringify(presetsModule)});
    const store = openDatabase(process.argv[1]);
    const { id } = store.runs.create({ config: DEFAULT_CONFIG, name: 'child ' + process.pid, ownerPid: process.pid, status: 'running' });
    const w = store.metrics.writer(id, { batchSize: 50 });
    for (let step = 1; step <= 3000; step++) w.append({ step, epoch: 1, loss: { recon: 1, kl: 1, total: 2 }, imagesPerSec: 1, wallMs: step });
    store.runs.markFinished(id, 'completed', '');
    store.close();
  `;
  const children = [1, 2, 3].map(
    () =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('exit', resolve);
      }),
  );
  assert.deepEqual(await Promise.all(children), [0, 0, 0]);
  const store = open(t, file);
  const runs = store.runs.list();
  assert.equal(runs.length, 3);
  for (const run of runs) {
    assert.equal(run.status, 'completed');
    assert.equal(run.step, 3000);
    assert.equal(store.metrics.listSteps(run.id).length, 3000);
  }
});
