// Decoding latent points and encoding held-out images through the contract, on real runs: the
// latent worker's answers are checked against the same models rebuilt from the checkpoint here,
// and the per-dimension KL against the held-out KL the trainer logged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createAppCore, type AppCore } from '../src/main/app-core.ts';
import { initBackend } from '../src/main/engine/backend.ts';
import { buildDecoder } from '../src/main/engine/model.ts';
import { decodeWeights, writeModelWeights } from '../src/main/engine/weights.ts';
import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { ImageSourceCache } from '../src/main/latent/image-source.ts';
import { ModelCache } from '../src/main/latent/model-cache.ts';
import type { DecodedImages, LatentEncoding } from '../src/shared/contract.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { coreCalls, presetConfig } from './helpers.ts';
import { mnistSubset } from './mnist-subset.ts';

const subset = (limit: number) => ({
  'data.source': 'idx',
  'data.path': mnistSubset(limit),
  'data.limit': limit,
  'run.evalSamples': 0,
});

let root: string;
let core: AppCore;
/** MLP, latent size 2, two epochs (so two epoch-end checkpoints). */
let flat: RunRecord;
/** Conv encoder and LayerNorm decoder, latent size 3, one epoch. */
let conv: RunRecord;

before(async () => {
  await initBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'vae-latent-test-'));
  core = createAppCore({ databasePath: join(root, 'runs.db'), shell: 'browser' });
  // MNIST's first digits from a small IDX file (the latent worker reads the data for every encoding),
  // and no NLL evaluation at the end: the explorer shows neither the rest of MNIST nor the NLL.
  const a = await core.service.start(presetConfig('quick', { ...subset(500), 'optim.epochs': 2, 'model.latentDim': 2 }));
  const b = await core.service.start(
    presetConfig('quick', {
      ...subset(300),
      'optim.epochs': 1,
      'model.latentDim': 3,
      'model.encoder': 'seed-conv',
      'model.decoder': 'seed',
      'model.sigma': 'abs',
    }),
  );
  flat = await core.service.waitFor(a.id);
  conv = await core.service.waitFor(b.id);
  assert.equal(flat.status, 'completed');
  assert.equal(conv.status, 'completed');
});

after(async () => {
  await core?.close();
  rmSync(root, { recursive: true, force: true });
});

const { call, value } = coreCalls(() => core);

/** The run's decoder at a checkpoint, rebuilt on this thread, decoding to bytes as the app shows them. */
function decodeHere(run: RunRecord, step: number, points: number[][]): Uint8Array {
  const meta = core.store.checkpoints.list(run.id).find((c) => c.step === step)!;
  const checkpoint = core.store.checkpoints.load(meta.id)!;
  const image = { height: run.config.data.imageHeight, width: run.config.data.imageWidth };
  const decoder = buildDecoder(run.config.model, image, run.config.run.seed);
  writeModelWeights(decoder, decodeWeights(checkpoint.decoder), 'decoder');
  const pixels = tf.tidy(() => tf.sigmoid(decoder.predict(tf.tensor2d(points)) as tf.Tensor).dataSync());
  decoder.dispose();
  return Uint8Array.from(pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
}

test('decodeLatents: latent points decode to what the checkpoint decoder gives, laid out in rows of `cols`', async () => {
  const points = [
    [0, 0],
    [1.5, -0.5],
    [-2, 2],
  ];
  const decoded = await value<DecodedImages>('decodeLatents', { runId: flat.id, points, cols: 2 });
  const checkpoints = core.store.checkpoints.list(flat.id);
  assert.equal(decoded.step, checkpoints[checkpoints.length - 1]!.step, 'the latest checkpoint by default');
  assert.deepEqual([decoded.grid.rows, decoded.grid.cols, decoded.grid.height, decoded.grid.width], [2, 2, 28, 28]);
  assert.ok(Number.isFinite(decoded.decodeMs) && decoded.decodeMs >= 0, `decodeMs ${decoded.decodeMs}`);
  const expected = decodeHere(flat, decoded.step, points);
  // Cell (row 1, col 0) holds the third point; compare every cell that has one.
  for (const [i, [row, col]] of (
    [
      [0, 0],
      [0, 1],
      [1, 0],
    ] as const
  ).entries()) {
    let worst = 0;
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const got = decoded.grid.pixels[(row * 28 + y) * 56 + col * 28 + x]!;
        worst = Math.max(worst, Math.abs(got - expected[i * 784 + y * 28 + x]!));
      }
    assert.ok(worst <= 1, `point ${i} differs by up to ${worst}/255`);
  }
  // The empty fourth cell stays black.
  let blank = 0;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) blank += decoded.grid.pixels[(28 + y) * 56 + 28 + x]!;
  assert.equal(blank, 0);
});

test('decodeLatents: an earlier checkpoint decodes with its own weights; a wrong step or point size is refused by name', async () => {
  const [first, second] = core.store.checkpoints.list(flat.id).filter((c) => c.atEpochEnd);
  assert.ok(first && second, 'two epoch-end checkpoints');
  const point = [[0.7, -1.2]];
  const early = await value<DecodedImages>('decodeLatents', { runId: flat.id, step: first.step, points: point });
  const late = await value<DecodedImages>('decodeLatents', { runId: flat.id, step: second.step, points: point });
  assert.deepEqual([early.step, early.epoch, late.epoch], [first.step, 1, 2]);
  assert.notDeepEqual(early.grid.pixels, late.grid.pixels);
  const expected = decodeHere(flat, first.step, point);
  assert.ok(
    expected.every((v, i) => Math.abs(v - early.grid.pixels[i]!) <= 1),
    "the first checkpoint's decoder",
  );

  const badStep = await call('decodeLatents', { runId: flat.id, step: first.step + 1, points: point });
  assert.ok(!badStep.ok && badStep.error.code === 'not-found' && badStep.error.field === 'step', JSON.stringify(badStep));
  const badSize = await call('decodeLatents', { runId: flat.id, points: [[1, 2, 3]] });
  assert.ok(
    !badSize.ok && badSize.error.field === 'points[0]' && /2-dimensional/.test(badSize.error.message),
    JSON.stringify(badSize),
  );
  const ragged = await call('decodeLatents', { runId: flat.id, points: [[1, 2], [3]] });
  assert.ok(!ragged.ok && ragged.error.field === 'points[1]', JSON.stringify(ragged));
  const huge = await call('decodeLatents', { runId: flat.id, points: [[Number.NaN, 0]] });
  assert.ok(!huge.ok && huge.error.field === 'points[0][0]', JSON.stringify(huge));
  const missing = await call('decodeLatents', { runId: 999, points: point });
  assert.ok(!missing.ok && missing.error.code === 'not-found');
});

test('encodeImages: means and labels of the held-out images, and per-dimension KL summing to the logged held-out KL', async () => {
  for (const run of [flat, conv]) {
    const heldOutCount = Math.round(run.config.data.limit * run.config.data.heldOutFraction);
    const encoded = await value<LatentEncoding>('encodeImages', { runId: run.id, count: 5000, includeImages: true });
    const dim = run.config.model.latentDim;
    assert.equal(encoded.source, 'held-out');
    assert.equal(encoded.count, heldOutCount, 'capped at the held-out set');
    assert.equal(encoded.means.length, heldOutCount * dim);
    assert.equal(encoded.latentDim, dim);
    assert.equal(encoded.labels?.length, heldOutCount);
    assert.ok(encoded.means.every(Number.isFinite));
    assert.equal(encoded.klPerDim.length, dim);
    assert.ok(encoded.klPerDim.every((k) => k >= 0));
    // The trainer's held-out KL is exact (no sampling), over the same images and weights.
    const logged = core.store.metrics.listEpochs(run.id).at(-1)!.heldOut!.kl;
    const total = encoded.klPerDim.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - logged) < 1e-3 * Math.max(1, logged), `KL per dimension sums to ${total}, logged ${logged}`);

    // The images are the run's own held-out split, in order.
    const split = prepareSplit(await loadDataset(run.config.data), run.config.data, run.config.run.seed).heldOut;
    assert.deepEqual(encoded.labels, Array.from(split.labels!));
    const grid = encoded.images!;
    assert.deepEqual([grid.rows, grid.cols], [heldOutCount, 1]);
    for (const i of [0, heldOutCount - 1]) {
      const px = 784 * i + 400;
      assert.equal(grid.pixels[px], Math.round(split.images[px]! * 255));
    }
  }
});

test("encodeImages: another run's images through this run's encoder; a few at an earlier checkpoint", async () => {
  const own = await value<LatentEncoding>('encodeImages', { runId: conv.id, count: 4 });
  const borrowed = await value<LatentEncoding>('encodeImages', { runId: flat.id, sourceRunId: conv.id, count: 4 });
  assert.equal(borrowed.sourceRunId, conv.id);
  assert.deepEqual(borrowed.labels, own.labels, 'the same images');
  assert.equal(borrowed.means.length, 4 * 2, "in the encoding run's latent size");
  assert.equal(own.images, null, 'images only when asked for');
  const first = core.store.checkpoints.list(flat.id)[0]!;
  const early = await value<LatentEncoding>('encodeImages', { runId: flat.id, step: first.step, count: 4 });
  assert.equal(early.step, first.step);
  const late = await value<LatentEncoding>('encodeImages', { runId: flat.id, count: 4 });
  assert.notDeepEqual(early.means, late.means);
  const bad = await call('encodeImages', { runId: flat.id, count: 0 });
  assert.ok(!bad.ok && bad.error.field === 'count');
});

test("image source: data that no longer matches the run's fingerprint is refused with the run named", async () => {
  const cache = new ImageSourceCache();
  await assert.rejects(
    cache.images({ data: flat.config.data, seed: flat.config.run.seed, fingerprint: 'not-the-same', label: 'run 41' }),
    (e: Error) => /no longer the data run 41 trained on/.test(e.message),
  );
  const gone = { ...flat.config.data, source: 'csv' as const, path: join(root, 'moved-away.csv') };
  await assert.rejects(
    cache.images({ data: gone, seed: 1, fingerprint: '', label: 'run 42' }),
    (e: Error) => /images of run 42 could not be loaded/.test(e.message) && e.message.includes('moved-away.csv'),
  );
});

test("an imported run's latent space can be browsed: it decodes and encodes as the run it came from", async () => {
  const dir = join(root, 'export-flat');
  await value('exportRun', { runId: flat.id, dir });
  const imported = await value<RunRecord>('importRun', { dir });
  assert.notEqual(imported.id, flat.id);
  const points = [
    [0.3, 0.9],
    [-1, -1],
  ];
  const original = await value<DecodedImages>('decodeLatents', { runId: flat.id, points });
  const copy = await value<DecodedImages>('decodeLatents', { runId: imported.id, points });
  assert.deepEqual(copy.grid.pixels, original.grid.pixels);
  const a = await value<LatentEncoding>('encodeImages', { runId: flat.id, count: 20 });
  const b = await value<LatentEncoding>('encodeImages', { runId: imported.id, count: 20 });
  assert.deepEqual(b.labels, a.labels, 'the same held-out images, rebuilt from the imported config');
  assert.deepEqual(b.means, a.means);
});

test('model cache: least recently used models go first, but never one a request is still using', () => {
  const cache = new ModelCache(1);
  const ref = (run: RunRecord) => {
    const checkpoint = core.store.checkpoints.latest(run.id)!;
    return {
      key: `${run.id}:${checkpoint.id}`,
      config: run.config,
      weights: { encoder: checkpoint.encoder, decoder: checkpoint.decoder },
    };
  };
  const a = cache.get(ref(flat))!;
  a.busy = 1;
  const b = cache.get(ref(conv))!;
  assert.equal(cache.size, 2, 'a busy model is kept past capacity');
  assert.equal(cache.get({ ...ref(flat), weights: undefined }), a, 'and still served');
  a.busy = 0;
  cache.evict();
  assert.equal(cache.size, 1);
  // `a` was used last, so `b` went, its weights disposed.
  assert.equal(cache.get({ ...ref(conv), weights: undefined }), null);
  assert.throws(() => b.decoder.weights[0]!.read(), /disposed/);
  assert.ok(!a.decoder.weights[0]!.read().isDisposed);
});
