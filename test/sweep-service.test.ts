// The sweep service with real training and a real database: a sweep's runs train at most
// `parallel` at once and all complete; pause, resume and cancel; repeated and raced calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Store } from '../src/main/store/index.ts';
import { RunService } from '../src/main/runs/service.ts';
import { SweepService } from '../src/main/sweeps/service.ts';
import { AppFailure } from '../src/shared/result.ts';
import type { SweepRecord } from '../src/shared/sweep.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { subsetData } from './mnist-subset.ts';
import { nextEvent, waitUntil } from './run-helpers.ts';
import { assertAllCompletedOnce, holdingJudge } from './sweep-helpers.ts';

/**
 * Tiny real training: 180 training images (MNIST's first, from a small IDX file), batch 50, one
 * epoch, a 32-unit model. Evaluation at the end of a run is not what these tests are about
 * (test/eval-cli.test.ts is): it is left out.
 */
const TINY_BASE = {
  data: subsetData(200),
  model: { encoderHidden: [32], decoderHidden: [32] },
  optim: { batchSize: 50, epochs: 1 },
  run: { evalSamples: 0 },
};

function tinySweep(overrides: Record<string, unknown> = {}) {
  return {
    preset: 'quick',
    base: TINY_BASE,
    axes: [{ path: 'model.latentDim', values: [2, 4] }],
    seeds: 2,
    parallel: 2,
    ...overrides,
  };
}

test('a 3-run sweep with parallel 2 trains every run, never more than 2 at once', async (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  const runs = new RunService(store, { maxConcurrent: 3 });
  const sweeps = new SweepService(store, runs);
  // Live = taken on by the run service (loading its data or training); sampled at every event.
  let most = 0;
  runs.subscribe(() => (most = Math.max(most, runs.activeRunIds().length)));
  const updates: SweepRecord[] = [];
  sweeps.subscribe((s) => updates.push(s));
  const created = await sweeps.create(tinySweep({ axes: [{ path: 'model.latentDim', values: [2, 4, 8] }], seeds: 0 }));
  assert.equal(created.total, 3);
  const done = await sweeps.waitFor(created.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.counts.completed, 3);
  assert.equal(most, 2, 'two runs live at once, never three');
  const members = store.runs.list().filter((r) => r.sweepId === created.id);
  assert.deepEqual(members.map((r) => r.sweepIndex).sort(), [0, 1, 2]);
  assert.ok(members.every((r) => r.tags.includes(`sweep-${created.id}`)));
  const best = members.reduce((a, b) => (a.finalHeldOut!.total <= b.finalHeldOut!.total ? a : b));
  assert.equal(done.bestRunId, best.id);
  assert.ok(
    updates.some((s) => s.counts.running > 0),
    'listeners saw runs training',
  );
  await sweeps.shutdown();
  await runs.shutdown();
  store.close();
});

// Two epochs of TINY_BASE: 8 steps a run. Under holdingJudge each run waits at the end of its first
// epoch (step 4, checkpointed) for as long as the test needs, instead of training long enough to be
// caught mid-run.
const GATED_BASE = { ...TINY_BASE, optim: { batchSize: 50, epochs: 2 } };

/** The runs' ids and latest checkpoint steps, for what a pause leaves. */
function checkpointSteps(store: Store, sweepId: number, status: string): number[] {
  return store.runs
    .list()
    .filter((r) => r.sweepId === sweepId && r.status === status)
    .map((r) => store.checkpoints.latest(r.id)?.step ?? -1);
}

test('pause, resume and cancel a sweep, each repeated and raced; it still ends with every run completed once', async (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  const hold = holdingJudge();
  const runs = new RunService(store, { maxConcurrent: 2, judge: hold.judge });
  const sweeps = new SweepService(store, runs);
  t.after(async () => {
    await sweeps.shutdown();
    await runs.shutdown();
    store.close();
  });
  // Three runs: two live at once, one queued behind them.
  const sweep = await sweeps.create(
    tinySweep({ base: GATED_BASE, axes: [{ path: 'model.latentDim', values: [2, 4, 8] }], seeds: 0 }),
  );
  await waitUntil(() => hold.arrivals() === 2, 'both live runs to wait at the end of epoch 1');

  const [paused, again] = await Promise.all([sweeps.pause(sweep.id), sweeps.pause(sweep.id)]);
  for (const s of [paused, again]) {
    assert.equal(s.status, 'paused');
    assert.equal(s.owner, null);
  }
  assert.equal(paused.counts.running + paused.counts.paused, 0, 'no run of it trains');
  assert.equal(paused.counts.interrupted, 2, 'both live runs stopped');
  assert.deepEqual(checkpointSteps(store, sweep.id, 'interrupted'), [4, 4], 'each at its checkpoint');
  assert.deepEqual(sweeps.driving(), []);
  assert.deepEqual(runs.activeRunIds(), []);
  const waiting = store.runs.list().filter((r) => r.sweepId === sweep.id && r.status === 'queued');
  assert.ok(
    waiting.every((r) => r.owner === null),
    'queued runs are left unclaimed',
  );
  assert.equal((await sweeps.waitFor(sweep.id)).status, 'paused');

  const resumed = await Promise.all([sweeps.resume(sweep.id), sweeps.resume(sweep.id)]);
  assert.deepEqual(
    resumed.map((s) => s.status),
    ['running', 'running'],
  );
  assert.deepEqual(sweeps.driving(), [sweep.id], 'one driver');
  await waitUntil(() => hold.arrivals() === 4, 'the resumed runs to wait at epoch 1 again');
  assert.equal(runs.activeRunIds().length, 2);

  const cancelled = await sweeps.cancel(sweep.id);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal((await sweeps.cancel(sweep.id)).status, 'cancelled', 'cancelling twice is cancelling once');
  assert.equal(cancelled.counts.running, 0);
  assert.deepEqual(runs.activeRunIds(), []);

  hold.release();
  await sweeps.resume(sweep.id);
  const done = await sweeps.waitFor(sweep.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.counts.completed, 3);
  assertAllCompletedOnce(store, sweep.id, 3);
  await assert.rejects(sweeps.pause(sweep.id), (e: AppFailure) => e.appError.code === 'conflict' && /completed/.test(e.message));
  assert.equal((await sweeps.resume(sweep.id)).status, 'completed', 'resuming a completed sweep changes nothing');
});

test('a run stopped by hand is not restarted in the same session: the sweep ends paused, and resume finishes it', async (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  const hold = holdingJudge();
  const runs = new RunService(store, { maxConcurrent: 2, judge: hold.judge });
  const sweeps = new SweepService(store, runs);
  t.after(async () => {
    await sweeps.shutdown();
    await runs.shutdown();
    store.close();
  });
  const sweep = await sweeps.create(tinySweep({ base: GATED_BASE, parallel: 1, seeds: 0 }));
  await waitUntil(() => hold.arrivals() === 1, 'the first run to wait at the end of epoch 1');
  const [first] = runs.activeRunIds();
  runs.stop(first!);
  // The later runs train straight through.
  hold.release();
  const ended = await sweeps.waitFor(sweep.id);
  assert.equal(ended.status, 'paused');
  assert.match(ended.statusMessage, /1 run was stopped before finishing; resume the sweep to continue/);
  assert.deepEqual([ended.counts.completed, ended.counts.interrupted], [1, 1]);
  await sweeps.resume(sweep.id);
  assert.equal((await sweeps.waitFor(sweep.id)).status, 'completed');
  assertAllCompletedOnce(store, sweep.id, 2);
});

test('two processes resuming one sweep: one drives it, the other is told it is driven elsewhere', async (t) => {
  const OTHER = 999_983;
  const file = join(tempDir(t), 'w.db');
  const alive = (pid: number) => pid === OTHER || pid === process.pid;
  const storeA = openDatabase(file, { isProcessAlive: alive });
  const storeB = openDatabase(file, { isProcessAlive: alive });
  const runsA = new RunService(storeA, { maxConcurrent: 2 });
  const runsB = new RunService(storeB, { maxConcurrent: 2, ownerPid: OTHER });
  const a = new SweepService(storeA, runsA);
  const b = new SweepService(storeB, runsB, { ownerPid: OTHER });
  t.after(async () => {
    await Promise.all([a.shutdown(), b.shutdown()]);
    await Promise.all([runsA.shutdown(), runsB.shutdown()]);
    storeA.close();
    storeB.close();
  });
  // Two runs: the subject is who drives, not how many it trains.
  const sweep = await a.create(tinySweep({ seeds: 0 }));
  assert.equal(sweep.total, 2);
  await a.pause(sweep.id);
  const outcomes = await Promise.allSettled([a.resume(sweep.id), b.resume(sweep.id)]);
  const won = outcomes.filter((o) => o.status === 'fulfilled');
  const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.equal(won.length, 1);
  assert.equal(lost.length, 1);
  assert.equal((lost[0]!.reason as AppFailure).appError.code, 'conflict');
  assert.match((lost[0]!.reason as Error).message, /Sweep \d+ is already being driven by another process \(pid \d+\)/);
  const driver = a.driving().length === 1 ? a : b;
  assert.equal((driver === a ? b : a).driving().length, 0);
  assert.equal((await driver.waitFor(sweep.id)).status, 'completed');
  assertAllCompletedOnce(storeA, sweep.id, 2);
});

test('a bad definition or data file is refused before anything is stored', async (t) => {
  const dir = tempDir(t);
  const store = openDatabase(join(dir, 'w.db'));
  const runs = new RunService(store);
  const sweeps = new SweepService(store, runs);
  t.after(async () => {
    await sweeps.shutdown();
    await runs.shutdown();
    store.close();
  });
  await assert.rejects(
    sweeps.create(tinySweep({ axes: [{ path: 'loss.beta', values: [2, -1] }] })),
    (e: AppFailure) => e.appError.code === 'invalid-config' && e.appError.field === 'axes[0]' && /loss\.beta: -1/.test(e.message),
  );
  const missing = join(dir, 'nope.csv');
  await assert.rejects(sweeps.create(tinySweep({ base: { ...TINY_BASE, data: { source: 'csv', path: missing } } })), (e: Error) =>
    e.message.includes('nope.csv'),
  );
  assert.deepEqual(sweeps.list(), []);
  assert.deepEqual(store.runs.list(), []);
  await assert.rejects(sweeps.resume(42), (e: AppFailure) => e.appError.code === 'not-found');
  // The run service trains a queued run only once this process has claimed it.
  const unclaimed = store.runs.create({ config: presetConfig('quick'), status: 'queued' });
  assert.throws(
    () => runs.startQueued(unclaimed.id),
    (e: AppFailure) => e.appError.code === 'conflict' && /not claimed by any process/.test(e.message),
  );
  assert.deepEqual(runs.activeRunIds(), []);
});

test('a run whose data fails to load ends failed, alone: the sweep goes on and completes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'digits.csv');
  const rows = Array.from({ length: 200 }, (_, i) =>
    [i % 10, ...Array.from({ length: 784 }, (_, p) => (i * 37 + p * 11) % 256)].join(','),
  );
  writeFileSync(file, rows.join('\n') + '\n');
  const store = openDatabase(join(dir, 'w.db'));
  const runs = new RunService(store, { maxConcurrent: 2 });
  const sweeps = new SweepService(store, runs);
  t.after(async () => {
    await sweeps.shutdown();
    await runs.shutdown();
    store.close();
  });
  const base = { ...TINY_BASE, data: { ...TINY_BASE.data, source: 'csv', path: file } };
  const sweep = await sweeps.create(
    tinySweep({ base, axes: [{ path: 'loss.beta', values: [0.5, 1, 2] }], seeds: 0, parallel: 1 }),
  );
  await nextEvent(runs, (e) => e.type === 'started');
  // The first run has its data; the next two find the file gone when their turn comes.
  rmSync(file);
  const done = await sweeps.waitFor(sweep.id);
  assert.equal(done.status, 'completed');
  assert.deepEqual([done.counts.completed, done.counts.failed], [1, 2]);
  for (const run of store.runs.list().filter((r) => r.status === 'failed')) assert.match(run.statusMessage, /digits\.csv/);
});

test('pausing a sweep another process drives: that process stops its runs at its next heartbeat', async (t) => {
  const OTHER = 999_961;
  const file = join(tempDir(t), 'w.db');
  const alive = (pid: number) => pid === OTHER || pid === process.pid;
  const storeA = openDatabase(file, { isProcessAlive: alive });
  const storeB = openDatabase(file, { isProcessAlive: alive });
  const runsA = new RunService(storeA, { maxConcurrent: 2 });
  const hold = holdingJudge();
  const runsB = new RunService(storeB, { maxConcurrent: 2, ownerPid: OTHER, judge: hold.judge });
  const a = new SweepService(storeA, runsA);
  const b = new SweepService(storeB, runsB, { ownerPid: OTHER, heartbeatMs: 50 });
  t.after(async () => {
    await Promise.all([a.shutdown(), b.shutdown()]);
    await Promise.all([runsA.shutdown(), runsB.shutdown()]);
    storeA.close();
    storeB.close();
  });
  const sweep = await b.create(tinySweep({ base: GATED_BASE, seeds: 0 }));
  await waitUntil(() => hold.arrivals() === 2, "the other process's runs to wait at the end of epoch 1");
  const told = await a.pause(sweep.id);
  assert.equal(told.status, 'paused');
  assert.match(told.statusMessage, new RegExp(`pid ${OTHER} stops its runs`));
  const seen = await b.waitFor(sweep.id);
  assert.equal(seen.status, 'paused');
  assert.deepEqual(runsB.activeRunIds(), [], 'the driving process stopped its runs');
  assert.equal(seen.counts.running, 0);
  assert.deepEqual(checkpointSteps(storeA, sweep.id, 'interrupted'), [4, 4], 'each stopped at its checkpoint');

  // This process's run service has the default judge: a sweep without pruning has no rungs, no wait.
  await a.resume(sweep.id);
  assert.equal((await a.waitFor(sweep.id)).status, 'completed');
  assertAllCompletedOnce(storeA, sweep.id, 2);
});
