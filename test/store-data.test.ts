// What training writes into the store: step/epoch metrics through the batching writer, checkpoints with
// their retention rule, and image grids with thinning. Real SQLite files in temp dirs.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AppFailure, type ErrorCode } from '../src/shared/result.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import type { StepMetric } from '../src/shared/training.ts';
import { openDatabase, type OpenOptions, type Store } from '../src/main/store/database.ts';

type T = { after(fn: () => void): void };

function open(t: T, opts: OpenOptions = {}, file?: string): { store: Store; file: string } {
  if (file === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vae-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    file = path.join(dir, 'runs.db');
  }
  const store = openDatabase(file, opts);
  t.after(() => store.close());
  return { store, file };
}

const failsWith = (code: ErrorCode) => (e: unknown) => e instanceof AppFailure && e.appError.code === code;

const step = (s: number, total = 100 - s / 100): StepMetric => ({
  step: s,
  epoch: Math.floor(s / 100) + 1,
  loss: { recon: total - 10, kl: 10, total },
  imagesPerSec: 500 + s,
  wallMs: s * 7,
});

const newRun = (store: Store) => store.runs.create({ config: DEFAULT_CONFIG }).id;

test('the metric writer holds rows until the batch fills or flush() is called', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  const w = store.metrics.writer(runId, { batchSize: 50, maxDelayMs: Infinity });
  for (let s = 1; s <= 49; s++) w.append(step(s));
  assert.equal(w.pending, 49);
  assert.equal(store.metrics.listSteps(runId).length, 0);
  assert.equal(store.runs.get(runId)!.step, 0);
  w.append(step(50));
  assert.equal(w.pending, 0);
  assert.equal(store.metrics.listSteps(runId).length, 50);
  for (let s = 51; s <= 60; s++) w.append(step(s));
  assert.equal(store.metrics.listSteps(runId).length, 50);
  assert.equal(w.flush(), 10);
  assert.equal(w.flush(), 0);
  const rows = store.metrics.listSteps(runId);
  assert.equal(rows.length, 60);
  assert.deepEqual(rows[41], step(42));
  // Flushing advances the run's progress to the last logged step.
  assert.equal(store.runs.get(runId)!.step, 60);
});

test('a flush is one transaction: a failure part-way leaves none of the batch', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  store.db.exec(`CREATE TEMP TRIGGER reject_1234 BEFORE INSERT ON main.step_metrics WHEN NEW.step = 1234
                 BEGIN SELECT RAISE(ABORT, 'disk full, pretend'); END`);
  const w = store.metrics.writer(runId, { batchSize: 500, maxDelayMs: Infinity });
  for (let s = 1001; s <= 1400; s++) w.append(step(s));
  assert.throws(() => w.flush(), /disk full, pretend/);
  assert.equal(store.metrics.listSteps(runId).length, 0);
  store.db.exec('DROP TRIGGER temp.reject_1234');
  for (let s = 1; s <= 700; s++) w.append(step(s));
  assert.equal(store.metrics.listSteps(runId).length, 500);
  w.flush();
  assert.equal(store.metrics.listSteps(runId).length, 700);
});

test('slow runs are flushed after maxDelayMs even with a small buffer', (t) => {
  let now = 0;
  const { store } = open(t, { now: () => now });
  const runId = newRun(store);
  const w = store.metrics.writer(runId, { batchSize: 50, maxDelayMs: 1000 });
  w.append(step(1));
  now += 400;
  w.append(step(2));
  assert.equal(store.metrics.listSteps(runId).length, 0);
  now += 700;
  w.append(step(3));
  assert.equal(store.metrics.listSteps(runId).length, 3);
});

test('epochs are written at once, after the steps before them; close() flushes', (t) => {
  const { store, file } = open(t);
  const runId = newRun(store);
  const w = store.metrics.writer(runId, { batchSize: 1000, maxDelayMs: Infinity });
  for (let s = 1; s <= 17; s++) w.append(step(s));
  w.appendEpoch({
    epoch: 1,
    step: 17,
    train: { recon: 50, kl: 12, total: 62 },
    heldOut: { recon: 51, kl: 12, total: 63 },
    imagesPerSec: 600,
    wallMs: 119,
  });
  assert.equal(store.metrics.listSteps(runId).length, 17);
  for (let s = 18; s <= 20; s++) w.append(step(s));
  store.metrics.appendEpoch(runId, {
    epoch: 2,
    step: 34,
    train: { recon: 45, kl: 12, total: 57 },
    heldOut: null,
    imagesPerSec: 610,
    wallMs: 238,
  });
  const epochs = store.metrics.listEpochs(runId);
  assert.deepEqual(
    epochs.map((e) => e.epoch),
    [1, 2],
  );
  assert.deepEqual(epochs[0]!.heldOut, { recon: 51, kl: 12, total: 63 });
  assert.equal(epochs[1]!.heldOut, null);
  store.close();
  const reopened = open(t, {}, file).store;
  assert.equal(reopened.metrics.listSteps(runId).length, 20);
  assert.throws(() => w.append(step(21)), failsWith('invalid-argument'));
});

test('writing for a deleted run fails with not-found and drops the buffer', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  const w = store.metrics.writer(runId, { batchSize: 100, maxDelayMs: Infinity });
  w.append(step(1));
  store.runs.remove(runId);
  assert.throws(() => w.flush(), failsWith('not-found'));
  assert.equal(w.pending, 0);
  assert.throws(
    () =>
      store.metrics.appendEpoch(runId, {
        epoch: 1,
        step: 1,
        train: { recon: 1, kl: 1, total: 2 },
        heldOut: null,
        imagesPerSec: 1,
        wallMs: 1,
      }),
    failsWith('not-found'),
  );
});

test('NaN losses survive the round trip', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  const w = store.metrics.writer(runId);
  w.append({ ...step(1), loss: { recon: Number.NaN, kl: Number.POSITIVE_INFINITY, total: Number.NaN } });
  w.flush();
  const [row] = store.metrics.listSteps(runId);
  assert.ok(row);
  assert.ok(Number.isNaN(row.loss.recon) && Number.isNaN(row.loss.total));
  assert.equal(row.loss.kl, Number.POSITIVE_INFINITY);
});

test('listSteps downsamples to bucket means ending at the latest step', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  const w = store.metrics.writer(runId, { batchSize: 250 });
  for (let s = 1; s <= 1000; s++) w.append(step(s, s % 2 === 0 ? 10 : 20));
  w.flush();
  assert.equal(store.metrics.listSteps(runId, { maxPoints: 5000 }).length, 1000);
  const points = store.metrics.listSteps(runId, { maxPoints: 100 });
  assert.equal(points.length, 100);
  assert.equal(points[0]!.step, 10);
  assert.equal(points.at(-1)!.step, 1000);
  assert.equal(points[0]!.loss.total, 15);
  assert.equal(points[0]!.imagesPerSec, 505.5);
  assert.equal(points[0]!.wallMs, 70);
  // Uneven division still yields exactly maxPoints buckets covering every row.
  const odd = store.metrics.listSteps(runId, { maxPoints: 7 });
  assert.equal(odd.length, 7);
  assert.equal(odd.at(-1)!.step, 1000);
  assert.throws(() => store.metrics.listSteps(runId, { maxPoints: 0 }), failsWith('invalid-argument'));
});

test('truncateAfter drops metrics of an abandoned attempt; replays overwrite', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  const w = store.metrics.writer(runId, { batchSize: 1000 });
  for (let s = 1; s <= 300; s++) w.append(step(s));
  for (const e of [1, 2, 3])
    w.appendEpoch({ epoch: e, step: e * 100, train: { recon: 1, kl: 1, total: 2 }, heldOut: null, imagesPerSec: 1, wallMs: 1 });
  store.metrics.truncateAfter(runId, 200);
  assert.equal(store.metrics.listSteps(runId).at(-1)!.step, 200);
  assert.deepEqual(
    store.metrics.listEpochs(runId).map((e) => e.epoch),
    [1, 2],
  );
  w.append(step(150, 1));
  w.flush();
  assert.equal(store.metrics.listSteps(runId).find((m) => m.step === 150)!.loss.total, 1);
});

test('checkpoints round-trip byte-exact and keep epoch ends plus the newest mid-epoch one', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  const save = (epoch: number, stepNo: number, atEpochEnd: boolean, optimizer: Uint8Array | null = null) =>
    store.checkpoints.save({
      runId,
      epoch,
      step: stepNo,
      atEpochEnd,
      optimizer,
      encoder: randomBytes(4096 + stepNo),
      decoder: randomBytes(1024),
      state: { rngState: [stepNo, 7], offset: stepNo % 100 },
    });
  save(1, 40, false);
  save(1, 80, false);
  const end1 = save(1, 100, true);
  save(2, 140, false);
  const enc = new Uint8Array(randomBytes(300_000));
  const opt = new Uint8Array(randomBytes(600_000));
  const mid = store.checkpoints.save({
    runId,
    epoch: 2,
    step: 180,
    encoder: enc,
    decoder: new Uint8Array([0, 255, 1]),
    optimizer: opt,
    state: { rngState: [1, 2, 3, 4], offset: 80, nested: { lr: 0.001 } },
  });
  assert.deepEqual(
    store.checkpoints.list(runId).map((c) => [c.step, c.atEpochEnd]),
    [
      [100, true],
      [180, false],
    ],
  );
  assert.equal(mid.bytes, 300_000 + 3 + 600_000);
  assert.ok(!('encoder' in store.checkpoints.list(runId)[0]!));

  const latest = store.checkpoints.latest(runId)!;
  assert.equal(latest.id, mid.id);
  assert.ok(Buffer.from(latest.encoder).equals(enc));
  assert.ok(Buffer.from(latest.optimizer!).equals(opt));
  assert.deepEqual([...latest.decoder], [0, 255, 1]);
  assert.deepEqual(latest.state, { rngState: [1, 2, 3, 4], offset: 80, nested: { lr: 0.001 } });
  assert.equal(store.checkpoints.load(end1.id)!.optimizer, null);
  assert.equal(store.checkpoints.load(9999), null);

  save(2, 200, true);
  assert.deepEqual(
    store.checkpoints.list(runId).map((c) => c.step),
    [100, 200],
  );
  store.checkpoints.removeAfter(runId, 100);
  assert.equal(store.checkpoints.latest(runId)!.step, 100);
  assert.equal(store.checkpoints.latest(newRun(store)), null);
  assert.throws(
    () =>
      store.checkpoints.save({
        runId: 999,
        epoch: 1,
        step: 1,
        encoder: new Uint8Array(1),
        decoder: new Uint8Array(1),
        state: {},
      }),
    failsWith('not-found'),
  );
});

test('images are saved, listed by kind and read back with their pixels', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  const grid = (fill: number) => ({
    rows: 2,
    cols: 3,
    height: 28,
    width: 28,
    pixels: new Uint8Array(2 * 3 * 28 * 28).map((_, i) => (i * fill) % 256),
  });
  store.images.save(runId, { epoch: 1, step: 50, kind: 'reconstruction', grid: grid(1) });
  store.images.save(runId, { epoch: 1, step: 50, kind: 'samples', grid: grid(2) });
  const last = store.images.save(runId, { epoch: 1, step: 100, kind: 'reconstruction', grid: grid(3) });
  assert.deepEqual(
    store.images.list(runId).map((i) => [i.step, i.kind]),
    [
      [50, 'reconstruction'],
      [50, 'samples'],
      [100, 'reconstruction'],
    ],
  );
  assert.deepEqual(
    store.images.list(runId, 'samples').map((i) => i.step),
    [50],
  );
  assert.ok(!('grid' in store.images.list(runId)[0]!));
  const latest = store.images.latest(runId, 'reconstruction')!;
  assert.equal(latest.id, last.id);
  assert.deepEqual({ ...latest.grid, pixels: [...latest.grid.pixels] }, { ...grid(3), pixels: [...grid(3).pixels] });
  assert.equal(store.images.latest(runId + 1, 'samples'), null);
  assert.throws(
    () =>
      store.images.save(runId, {
        epoch: 1,
        step: 1,
        kind: 'samples',
        grid: { rows: 1, cols: 1, height: 28, width: 28, pixels: new Uint8Array(10) },
      }),
    failsWith('invalid-argument'),
  );
  assert.throws(
    () => store.images.save(runId, { epoch: 1, step: 1, kind: 'noise' as never, grid: grid(1) }),
    failsWith('invalid-argument'),
  );
  assert.throws(
    () => store.images.save(runId + 1, { epoch: 1, step: 1, kind: 'samples', grid: grid(1) }),
    failsWith('not-found'),
  );
});

test('images beyond the cap are thinned, keeping the first and the newest', (t) => {
  const { store } = open(t, { maxImagesPerKind: 10 });
  const runId = newRun(store);
  const tiny = { rows: 1, cols: 1, height: 1, width: 1, pixels: new Uint8Array([9]) };
  for (let s = 1; s <= 100; s++) store.images.save(runId, { epoch: 1, step: s, kind: 'reconstruction', grid: tiny });
  store.images.save(runId, { epoch: 1, step: 1, kind: 'samples', grid: tiny });
  const steps = store.images.list(runId, 'reconstruction').map((i) => i.step);
  assert.ok(steps.length <= 10 && steps.length >= 5, `kept ${steps.length}`);
  assert.equal(steps[0], 1);
  assert.equal(steps.at(-1), 100);
  assert.equal(store.images.list(runId, 'samples').length, 1);
});

test('a colour grid round-trips with channels 3, derived from its byte count; a wrong count is refused', (t) => {
  const { store } = open(t);
  const runId = newRun(store);
  // Non-square cells, so height and width cannot be swapped unnoticed.
  const colour = { rows: 2, cols: 3, height: 5, width: 7, channels: 3 as const };
  const pixels = new Uint8Array(2 * 3 * 5 * 7 * 3).map((_, i) => (i * 37 + 11) % 256);
  store.images.save(runId, { epoch: 1, step: 10, kind: 'samples', grid: { ...colour, pixels } });
  store.images.save(runId, {
    epoch: 1,
    step: 10,
    kind: 'reconstruction',
    grid: { ...colour, channels: 1, pixels: pixels.subarray(0, 210) },
  });

  const back = store.images.latest(runId, 'samples')!;
  assert.deepEqual({ ...back.grid, pixels: [...back.grid.pixels] }, { ...colour, pixels: [...pixels] });
  assert.deepEqual(store.images.load(back.id)!.grid.channels, 3);
  // Grayscale reads back as it always has: no channels field at all.
  assert.ok(!('channels' in store.images.latest(runId, 'reconstruction')!.grid));

  for (const [grid, field, message] of [
    [{ ...colour, pixels: pixels.subarray(0, 210) }, 'pixels', /2x3x5x7x3 = 630 bytes, got 210 bytes/],
    [{ ...colour, channels: 1, pixels }, 'pixels', /2x3x5x7x1 = 210 bytes, got 630 bytes/],
    [{ ...colour, channels: 4, pixels }, 'channels', /channels must be 1 or 3, not 4/],
  ] as const) {
    assert.throws(
      () => store.images.save(runId, { epoch: 1, step: 11, kind: 'samples', grid: grid as never }),
      (e: unknown) =>
        e instanceof AppFailure &&
        e.appError.code === 'invalid-argument' &&
        e.appError.field === field &&
        message.test(e.appError.message),
    );
  }
  // The CHECK that migration 001 puts on grayscale bytes is set aside for colour; the run's foreign key is not.
  assert.throws(
    () => store.images.save(runId + 1, { epoch: 1, step: 1, kind: 'samples', grid: { ...colour, pixels } }),
    failsWith('not-found'),
  );
  assert.deepEqual(
    store.images.list(runId, 'samples').map((i) => i.step),
    [10],
  );
});
