// The coordinator's ingestion of queue trials into SQLite (src/main/queue/ingest.ts), on a real store
// with snapshots built by hand: no PostgreSQL needed. What a retried trial or a restarted coordinator
// must never do: duplicate a metric row, leave one out, or put them out of order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ingest, type IngestCursor, type TrialSnapshot } from '../src/main/queue/ingest.ts';
import { imagePayload, stepPayload, trialRow, type TrialRow } from '../src/main/queue/validate.ts';
import type { TrainerPosition } from '../src/main/engine/trainer.ts';
import { openDatabase, type Store } from '../src/main/store/index.ts';
import type { StepMetric } from '../src/shared/training.ts';
import { RunService } from '../src/main/runs/service.ts';
import { SweepService } from '../src/main/sweeps/service.ts';
import { expandSweep, QUEUE_TAG } from '../src/shared/sweep.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { memoryLogger } from './run-helpers.ts';

const PID = process.pid;
const STEPS_PER_EPOCH = 4;

function setup(t: { after(fn: () => void): void }): { store: Store; runId: number } {
  const store = openDatabase(join(tempDir(t), 'store.db'));
  t.after(() => store.close());
  const run = store.runs.create({ config: presetConfig('quick', { 'data.limit': 200 }), status: 'queued', ownerPid: PID });
  return { store, runId: run.id };
}

const trial = (over: Partial<TrialRow>): TrialRow => ({
  status: 'running',
  message: '',
  attempt: 1,
  resumedFrom: 0,
  workerName: 'w1',
  workerHost: 'h1',
  backend: 'wasm',
  backendNote: '',
  totalSteps: 12,
  datasetName: 'MNIST',
  datasetFingerprint: '',
  final: null,
  evaluation: null,
  ...over,
});

/** What a trial attempt logs for steps (from, to], with a loss that tells attempts apart. */
function rows(from: number, to: number, attempt: number): Omit<TrialSnapshot, 'trial' | 'complete'> {
  const snap: Omit<TrialSnapshot, 'trial' | 'complete'> = { steps: [], epochs: [], images: [], checkpoints: [] };
  const grid = () => ({ rows: 1, cols: 1, height: 2, width: 2, pixels: new Uint8Array(4) });
  if (from === 0)
    for (const kind of ['reconstruction', 'samples'] as const) snap.images.push({ step: 0, epoch: 0, kind, grid: grid() });
  for (let step = from + 1; step <= to; step++) {
    const loss = { recon: 100 * attempt + step, kl: 1, total: 100 * attempt + step + 1 };
    snap.steps.push({ step, epoch: Math.ceil(step / STEPS_PER_EPOCH), loss, imagesPerSec: 10, wallMs: step });
    if (step % STEPS_PER_EPOCH === 0) {
      const epoch = step / STEPS_PER_EPOCH;
      snap.epochs.push({ epoch, step, train: loss, heldOut: loss, imagesPerSec: 10, wallMs: step });
      for (const kind of ['reconstruction', 'samples'] as const) snap.images.push({ step, epoch, kind, grid: grid() });
      const position = { step, epoch, stepInEpoch: 0 } as TrainerPosition;
      const blob = new Uint8Array([attempt, step]);
      snap.checkpoints.push({ step, epoch, encoder: blob, decoder: blob, optimizer: blob, position });
    }
  }
  return snap;
}

const fresh = (): IngestCursor => ({ attempt: -1, step: 0, epoch: 0, imageKey: -1, checkpointStep: 0, started: false });

/** Looks as the coordinator does until the look is not a rewind (a real one reads the snapshot again). */
function look(store: Store, runId: number, cursor: IngestCursor, snap: TrialSnapshot) {
  const r = ingest(store, runId, PID, cursor, snap);
  return r.kind === 'rewound' ? ingest(store, runId, PID, r.cursor, snap) : r;
}

const steps = (store: Store, runId: number): StepMetric[] => store.metrics.listSteps(runId);

function assertContiguous(list: StepMetric[], last: number): void {
  assert.deepEqual(
    list.map((s) => s.step),
    Array.from({ length: last }, (_, i) => i + 1),
  );
}

test('a snapshot taken in twice writes its rows once', (t) => {
  const { store, runId } = setup(t);
  const snap: TrialSnapshot = { trial: trial({}), complete: true, ...rows(0, 8, 1) };
  const first = look(store, runId, fresh(), snap);
  assert.equal(first.kind, 'progress');
  assert.equal(store.runs.get(runId)!.status, 'running');
  assert.deepEqual(store.runs.get(runId)!.worker, { name: 'w1', host: 'h1' }, 'the run names its worker');
  // The same rows again, once with the advanced cursor and once with the old one (a look that was lost).
  look(store, runId, first.cursor, snap);
  look(store, runId, { ...fresh(), attempt: 1, started: true }, snap);
  assertContiguous(steps(store, runId), 8);
  assert.deepEqual(
    store.metrics.listEpochs(runId).map((e) => e.epoch),
    [1, 2],
  );
  assert.deepEqual(
    store.checkpoints.list(runId).map((c) => c.step),
    [4, 8],
  );
  assert.equal(store.images.list(runId).length, 6);
});

test('a retried trial replays from its checkpoint: no row twice, none missing, in order, the newer attempt wins', (t) => {
  const { store, runId } = setup(t);
  // Attempt 1 got to step 6 (its checkpoint at step 4) before its worker was killed.
  let r = look(store, runId, fresh(), { trial: trial({}), complete: true, ...rows(0, 6, 1) });
  r = look(store, runId, r.cursor, { trial: trial({}), complete: true, ...rows(0, 6, 1) });
  assertContiguous(steps(store, runId), 6);
  // Attempt 2 resumed from step 4: the queue holds attempt 1's rows up to 4 and its own after.
  const retried = rows(0, 4, 1);
  const second = rows(4, 12, 2);
  const snap: TrialSnapshot = {
    trial: trial({ attempt: 2, resumedFrom: 4, status: 'completed' }),
    complete: true,
    steps: [...retried.steps, ...second.steps],
    epochs: [...retried.epochs, ...second.epochs],
    images: [...retried.images, ...second.images],
    checkpoints: [...retried.checkpoints, ...second.checkpoints],
  };
  const rewound = ingest(store, runId, PID, r.cursor, snap);
  // The first look at a new attempt only rewinds: steps 5 and 6 of attempt 1 are gone.
  assert.equal(rewound.kind, 'rewound');
  assertContiguous(steps(store, runId), 4);
  r = look(store, runId, rewound.cursor, snap);
  assert.equal(r.kind, 'ended');
  const list = steps(store, runId);
  assertContiguous(list, 12);
  assert.equal(list[4]!.loss.recon, 205, 'step 5 is the retry’s, not the killed attempt’s');
  assert.equal(list[3]!.loss.recon, 104, 'step 4 is from before the checkpoint');
  assert.deepEqual(
    store.metrics.listEpochs(runId).map((e) => e.epoch),
    [1, 2, 3],
  );
  assert.deepEqual(
    store.checkpoints.list(runId).map((c) => c.step),
    [4, 8, 12],
  );
  const images = store.images.list(runId).map((i) => `${i.step}${i.kind[0]}`);
  assert.deepEqual(images, ['0r', '0s', '4r', '4s', '8r', '8s', '12r', '12s']);
});

test('a restarted coordinator takes in the rest from where the store stands', (t) => {
  const { store, runId } = setup(t);
  const all = rows(0, 12, 1);
  // The killed coordinator had taken in steps up to 6 (its newest checkpoint at 4).
  const partial: TrialSnapshot = { trial: trial({}), complete: true, ...rows(0, 6, 1) };
  look(store, runId, fresh(), partial);
  // The new one starts knowing nothing; the queue has everything up to the end.
  const r = look(store, runId, fresh(), { trial: trial({ status: 'completed' }), complete: true, ...all });
  assert.equal(r.kind, 'ended');
  assertContiguous(steps(store, runId), 12);
  assert.equal(store.images.list(runId).length, 8);
  assert.deepEqual(
    store.checkpoints.list(runId).map((c) => c.step),
    [4, 8, 12],
  );
});

test('a trial ends only once its last rows are in', (t) => {
  const { store, runId } = setup(t);
  const snap: TrialSnapshot = { trial: trial({ status: 'completed' }), complete: false, ...rows(0, 8, 1) };
  const r = look(store, runId, fresh(), snap);
  assert.equal(r.kind, 'progress');
  assert.equal(look(store, runId, r.cursor, { ...snap, complete: true, ...rows(8, 12, 1) }).kind, 'ended');
  assertContiguous(steps(store, runId), 12);
});

test("a worker's malformed rows are refused, naming what is wrong", () => {
  assert.throws(
    () => stepPayload({ step: 3, epoch: 1, loss: { recon: 1, kl: 1, total: 2 }, imagesPerSec: 1, wallMs: 1 }, 4, 'step 4'),
    /bad step 4: step 3 is stored under step 4/,
  );
  assert.throws(
    () => stepPayload({ step: 4, epoch: 1, loss: { recon: 'x', kl: 1, total: 2 }, imagesPerSec: 1, wallMs: 1 }, 4),
    /loss: recon must be a number or null/,
  );
  // A diverged loss travels as null and comes back as NaN.
  assert.ok(
    Number.isNaN(
      stepPayload({ step: 4, epoch: 1, loss: { recon: null, kl: 1, total: null }, imagesPerSec: 1, wallMs: 1 }, 4).loss.total,
    ),
  );
  assert.throws(
    () => imagePayload('samples', { rows: 1, cols: 1, height: 2, width: 2 }, new Uint8Array(3)),
    /pixels must be 4 bytes/,
  );
  assert.throws(() => imagePayload('latents', { rows: 1, cols: 1, height: 2, width: 2 }, new Uint8Array(4)), /kind must be/);
  const row = {
    status: 'running',
    message: '',
    attempt: 1,
    resumed_from: 0,
    worker_name: 'w',
    worker_host: 'h',
    backend: 'wasm',
    backend_note: null,
    total_steps: 8,
    dataset_name: null,
    dataset_fingerprint: null,
    final: null,
    evaluation: null,
  };
  assert.equal(trialRow(row).status, 'running');
  assert.throws(() => trialRow({ ...row, status: 'exploded' }), /status must be one of/);
  assert.throws(() => trialRow({ ...row, backend: 'cuda' }), /backend must be one of/);
  assert.throws(
    () => trialRow({ ...row, final: { train: null, heldOut: null, imagesPerSec: 'fast' } }),
    /imagesPerSec must be a finite number/,
  );
});

test('the app neither adopts nor resumes a sweep that trains on a queue', async (t) => {
  const DEAD = 999_953;
  const store = openDatabase(join(tempDir(t), 'store.db'), { isProcessAlive: (pid) => pid !== DEAD });
  const expanded = expandSweep({
    preset: 'quick',
    base: { data: { limit: 200 } },
    axes: [{ path: 'model.latentDim', values: [2, 3] }],
  });
  assert.ok(expanded.ok);
  const { definition, points } = expanded.value;
  // Its coordinator died: the sweep looks orphaned, like a local one whose driver died.
  const onQueue = store.sweeps.create(definition, 'on a queue', points, DEAD);
  for (const run of store.runs.list()) store.runs.update(run.id, { tags: [...run.tags, QUEUE_TAG] });
  const local = store.sweeps.create(definition, 'local', points, DEAD);
  const runs = new RunService(store, { maxConcurrent: 1 });
  const sweeps = new SweepService(store, runs, { log: memoryLogger() });
  t.after(async () => {
    await sweeps.shutdown();
    await runs.shutdown();
    store.close();
  });
  assert.deepEqual(sweeps.adoptOrphans(), [local.id]);
  await assert.rejects(sweeps.resume(onQueue.id), /trains on a queue; follow it with npm run sweep -- --resume \d+ --queue URL/);
  assert.equal(store.sweeps.get(onQueue.id)!.status, 'running');
  assert.deepEqual(
    store.runs
      .list()
      .filter((r) => r.sweepId === onQueue.id)
      .map((r) => r.status),
    ['queued', 'queued'],
  );
});
