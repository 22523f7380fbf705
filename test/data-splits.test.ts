// The data side of issue 10: built-in MNIST as the standard split, a data set's own test split (IDX
// train/t10k pairs, a second CSV) evaluated instead of a held-out share, the seed-notebook preset's
// 5,421 fives, and binarization (dynamic draws reproducible from the seed, static ones fixed, the
// evaluation images drawn once with a fixed seed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  drawBatch,
  findTestFile,
  findTestFileSync,
  loadDataset,
  loadRunSplit,
  prepareSplit,
  trainingBatchSeed,
  type Dataset,
  type SourceDataset,
} from '../src/main/data/index.ts';
import { evaluationImages } from '../src/main/eval/eval-set.ts';
import { buildConfigFinding } from '../src/main/cli/config-input.ts';
import type { DataConfig } from '../src/shared/config.ts';
import { findPreset } from '../src/shared/presets.ts';
import { AppFailure } from '../src/shared/result.ts';
import { validateConfig } from '../src/shared/validate.ts';
import { idxImagesFile, idxLabelsFile } from './fixtures/idx-files.ts';
import { presetConfig } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'vae-splits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MNIST_TRAIN_LABELS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const MNIST_TEST_LABELS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function labelCounts(ds: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of ds.labels ?? []) counts[l]!++;
  return counts;
}

describe('built-in MNIST: the standard split', () => {
  let mnist: SourceDataset;
  before(async () => {
    mnist = await loadDataset(presetConfig('quick').data);
  });

  test('60,000 training and 10,000 test digits with their labels, and a fingerprint that does not move', async () => {
    assert.deepEqual([mnist.name, mnist.count, mnist.height, mnist.width], ['MNIST (built-in)', 60_000, 28, 28]);
    assert.deepEqual(labelCounts(mnist), MNIST_TRAIN_LABELS);
    assert.ok(mnist.test);
    assert.equal(mnist.test.count, 10_000);
    assert.deepEqual(labelCounts(mnist.test), MNIST_TEST_LABELS);
    // The files' own order: MNIST's first training digits are 5, 0, 4, its first test digits 7, 2, 1.
    assert.deepEqual(Array.from(mnist.labels!.subarray(0, 3)), [5, 0, 4]);
    assert.deepEqual(Array.from(mnist.test.labels!.subarray(0, 3)), [7, 2, 1]);
    // Pinned: runs record it, and resuming or rebuilding a run's images checks it.
    assert.equal(mnist.fingerprint, '3d651bb8a39f2203803e306569e2c0acdc9bbd9708da80a15b9286dde3843673');
    assert.equal(mnist.test.fingerprint, mnist.fingerprint);
  });

  test('a run on it trains on all 60,000 and is evaluated on the 10,000 test digits', () => {
    const data = presetConfig('quick').data;
    const split = prepareSplit(mnist, data, 1);
    assert.deepEqual([split.evaluation, split.train.count, split.heldOut.count], ['test', 60_000, 10_000]);
    assert.deepEqual(labelCounts(split.heldOut), MNIST_TEST_LABELS);
    // A few pixels, 0..1 from the bytes: the 6th row of MNIST's first digit (a 5) has ink at columns 12..15.
    const first = split.train.images.subarray(0, 784);
    assert.equal(first[5 * 28 + 12], Math.fround(3 / 255));
    assert.ok(first.every((v) => v >= 0 && v <= 1));
  });

  test('under a limit, the held-out share of it comes from the test split, the same images whatever the seed', () => {
    const data = presetConfig('quick', { 'data.limit': 300 }).data;
    const a = prepareSplit(mnist, data, 1);
    const b = prepareSplit(mnist, data, 2);
    assert.deepEqual([a.train.count, a.heldOut.count], [270, 30]);
    assert.notDeepEqual(a.trainIndices, b.trainIndices, 'the training images follow the seed');
    assert.deepEqual(a.heldOutIndices, b.heldOutIndices, 'the test images do not');
  });

  test("the seed-notebook preset trains on exactly the notebook's images: the 5,421 fives of the training set", () => {
    const data = findPreset('seed-notebook')!.config.data;
    const split = prepareSplit(mnist, data, 1);
    assert.equal(split.train.count, 5421);
    assert.ok(split.train.labels!.every((l) => l === 5));
    assert.deepEqual(Array.from(split.trainIndices), positionsOf(mnist, 5), 'every five, none twice');
    // Evaluated on the test split's fives, which the notebook never saw.
    assert.deepEqual([split.evaluation, split.heldOut.count], ['test', 892]);
  });
});

function positionsOf(ds: Dataset, label: number): number[] {
  const out: number[] = [];
  ds.labels!.forEach((l, i) => l === label && out.push(i));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files with a test split.

const H = 8;
const W = 10;
/** Image i's pixel p, 0..255; `shift` makes a test file's images differ from the training file's. */
const pixel = (i: number, p: number, shift = 0) => (i * 37 + p * 11 + shift) % 256;

const idxImages = (count: number, shift = 0, h = H, w = W) => idxImagesFile(count, h, w, (i, p) => pixel(i, p, shift));
const idxLabels = (count: number) => idxLabelsFile(count, (i) => i % 10);

function csvText(count: number, shift = 0, bad?: { row: number; pixel: number; value: string }): string {
  const rows = ['label,' + Array.from({ length: H * W }, (_, p) => `${Math.floor(p / W) + 1}x${(p % W) + 1}`).join(',')];
  for (let i = 0; i < count; i++) {
    const px = Array.from({ length: H * W }, (_, p) => String(pixel(i, p, shift)));
    if (bad?.row === i) px[bad.pixel] = bad.value;
    rows.push([String(i % 10), ...px].join(','));
  }
  return rows.join('\n') + '\n';
}

/** A fresh folder holding `files`. */
function folder(name: string, files: Record<string, string | Uint8Array>): string {
  const d = join(dir, name);
  mkdirSync(d);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(d, file), content);
  return d;
}

const dataCfg = (over: Partial<DataConfig>): DataConfig => ({
  ...findPreset('quick')!.config.data,
  imageHeight: H,
  imageWidth: W,
  ...over,
});

async function rejectsAt(run: () => Promise<unknown>, field: string, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof AppFailure, `expected AppFailure, got ${String(e)}`);
    assert.equal(e.appError.code, 'bad-data', e.message);
    assert.equal(e.appError.field, field, e.message);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
}

describe('a data set with its own test split', () => {
  test('an IDX train-* file pairs with the t10k-* files beside it: found, used for evaluation, and fingerprinted', async () => {
    const d = folder('idx-pair', {
      'train-images-idx3-ubyte': idxImages(40),
      'train-labels-idx1-ubyte': idxLabels(40),
      't10k-images-idx3-ubyte': idxImages(12, 100),
      't10k-labels-idx1-ubyte': idxLabels(12),
    });
    const train = join(d, 'train-images-idx3-ubyte');
    const t10k = join(d, 't10k-images-idx3-ubyte');
    assert.equal(await findTestFile(train), t10k);
    assert.equal(findTestFileSync(train), t10k);
    assert.equal(await findTestFile(t10k), null, 'a test file has no test file');

    const alone = await loadDataset(dataCfg({ source: 'idx', path: train }));
    const paired = await loadDataset(dataCfg({ source: 'idx', path: train, testPath: t10k }));
    assert.equal(alone.test, null);
    assert.equal(paired.test?.count, 12);
    assert.equal(paired.test?.name, 't10k-images-idx3-ubyte');
    assert.deepEqual(
      Array.from(paired.test!.labels!),
      Array.from({ length: 12 }, (_, i) => i % 10),
      'labels found beside it',
    );
    assert.notEqual(paired.fingerprint, alone.fingerprint, 'the test file is part of what the run trained with');

    const split = prepareSplit(paired, dataCfg({ source: 'idx', path: train, testPath: t10k, labels: [1, 2] }), 3);
    assert.deepEqual([split.evaluation, split.train.count, split.heldOut.count], ['test', 8, 3]);
    assert.ok(split.heldOut.labels!.every((l) => l === 1 || l === 2));
    assert.equal(split.heldOut.images[0], Math.fround(pixel(1, 0, 100) / 255), 't10k image 1, the first with label 1');
    const heldOut = prepareSplit(alone, dataCfg({ source: 'idx', path: train }), 3);
    assert.deepEqual([heldOut.evaluation, heldOut.train.count, heldOut.heldOut.count], ['held-out', 36, 4]);
  });

  test('the CLI finds the t10k file beside an IDX --data file, and --test overrides it', () => {
    const d = folder('idx-cli', { 'train-images-idx3-ubyte.gz': 'x', 't10k-images-idx3-ubyte.gz': 'y', 'other-images': 'z' });
    const data = join(d, 'train-images-idx3-ubyte.gz');
    const sets = [`data.imageHeight=${H}`, `data.imageWidth=${W}`];
    const found = buildConfigFinding({ data, sets }, findTestFileSync);
    assert.equal(found.foundTest, join(d, 't10k-images-idx3-ubyte.gz'));
    assert.equal(found.config.data.testPath, found.foundTest);
    const none = buildConfigFinding({ data, sets, test: '' }, findTestFileSync);
    assert.deepEqual([none.foundTest, none.config.data.testPath], [null, '']);
    const lone = buildConfigFinding({ data: join(d, 'other-images'), sets }, findTestFileSync);
    assert.deepEqual([lone.foundTest, lone.config.data.testPath], [null, '']);
  });

  test('a second CSV is the test file', async () => {
    const d = folder('csv-pair', { 'mnist_train.csv': csvText(30), 'mnist_test.csv': csvText(10, 50) });
    const data = dataCfg({ source: 'csv', path: join(d, 'mnist_train.csv'), testPath: join(d, 'mnist_test.csv') });
    assert.equal(await findTestFile(data.path), data.testPath, 'offered by the form when the test file is empty');
    const split = prepareSplit(await loadDataset(data), data, 1);
    assert.deepEqual([split.evaluation, split.train.count, split.heldOut.count], ['test', 30, 10]);
    assert.equal(split.heldOut.images[7], Math.fround(pixel(0, 7, 50) / 255));
    assert.equal(split.train.images[7], Math.fround(pixel(0, 7) / 255));
  });

  test('a bad test file is refused naming the file, the line or offset, and the test file setting', async () => {
    const d = folder('bad-tests', {
      'train.csv': csvText(20),
      'test.csv': csvText(5, 0, { row: 2, pixel: 4, value: '300' }),
      'narrow.csv': csvText(3).replace(/,\d+\n/g, '\n'),
      'train-images-idx3-ubyte': idxImages(20),
      't10k-images-idx3-ubyte': idxImages(7, 0, 4, 4),
      'test-images-idx3-ubyte': idxImages(7),
      'test-labels-idx1-ubyte': idxLabels(6),
      'sevens.csv': csvText(5).replace(/^[0-9],/gm, '7,'),
    });
    const csv = (testFile: string, over: Partial<DataConfig> = {}) =>
      dataCfg({ source: 'csv', path: join(d, 'train.csv'), testPath: join(d, testFile), ...over });
    const idx = (testFile: string) =>
      dataCfg({ source: 'idx', path: join(d, 'train-images-idx3-ubyte'), testPath: join(d, testFile) });
    // Line 4: the header, then rows 0 and 1; pixel 4 of a 5-wide image is column 1x5.
    await rejectsAt(
      () => loadDataset(csv('test.csv')),
      'data.testPath',
      /^test file: .*test\.csv: line 4, column 1x5: pixel value 300 is outside 0\.\.255/,
    );
    await rejectsAt(
      () => loadDataset(csv('narrow.csv')),
      'data.testPath',
      /^test file: .*narrow\.csv: line 2 has 80 columns, expected 81 \(label \+ 8x10 pixels\)/,
    );
    await rejectsAt(() => loadDataset(csv('missing.csv')), 'data.testPath', /^test file: file not found: .*missing\.csv/);
    await rejectsAt(
      () => loadDataset(idx('t10k-images-idx3-ubyte')),
      'data.testPath',
      /t10k-images-idx3-ubyte: images are 4x4 \(header at byte offset 8\), but the config expects 8x10/,
    );
    await rejectsAt(
      () => loadDataset(idx('test-images-idx3-ubyte')),
      'data.testPath',
      /test-labels-idx1-ubyte: has 6 labels \(header at byte offset 4\), but .*test-images-idx3-ubyte has 7 images/,
    );
    // A label filter the test file cannot meet.
    const threes = csv('sevens.csv', { labels: [3] });
    const sevens = await loadDataset(threes);
    assert.throws(() => prepareSplit(sevens, threes, 1), /no images in sevens\.csv have labels \[3\]; its labels are \[7\]/);
    // The training file as its own test file measures nothing: refused by validation, at the field.
    const same = validateConfig({ data: { source: 'csv', path: 'a.csv', testPath: ' a.csv' } });
    assert.ok(!same.ok && same.error.field === 'data.testPath', JSON.stringify(same));
  });
});

// ---------------------------------------------------------------------------------------------
// Binarization.

describe('binarization', () => {
  /** 200 labelled 8x10 images of grey levels (no pixel 0 or 1 but the first), as a source with a test split. */
  function greySource(): SourceDataset {
    const make = (n: number, shift: number): Dataset => ({
      name: shift ? 'grey test' : 'grey',
      fingerprint: 'f'.repeat(64),
      count: n,
      height: H,
      width: W,
      images: Float32Array.from({ length: n * H * W }, (_, k) => ((k * 7 + shift) % 255) / 255),
      labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    });
    return { ...make(200, 0), test: make(50, 3) };
  }
  const data = (over: Partial<DataConfig>) => dataCfg({ source: 'csv', path: 'grey.csv', testPath: 'grey-test.csv', ...over });
  const isBits = (a: Float32Array) => a.every((v) => v === 0 || v === 1);
  const size = H * W;

  test('none: the intensities as they are, and no draw for training batches', () => {
    const split = prepareSplit(greySource(), data({}), 1);
    assert.equal(split.binarization, 'none');
    assert.equal(trainingBatchSeed(split, 1, 0), null);
    assert.ok(!isBits(split.train.images) && !isBits(split.heldOut.images));
  });

  test('dynamic: each batch drawn from (seed, step), so the same image differs across epochs and a rerun draws the same', () => {
    const split = prepareSplit(greySource(), data({ binarization: 'dynamic' }), 1);
    assert.ok(!isBits(split.train.images), 'the training images keep their intensities');
    const order = Array.from({ length: 16 }, (_, i) => (i * 11) % split.train.count);
    const draw = (seed: number, step: number) =>
      drawBatch(split.train, order, 0, 16, new Float32Array(16 * size), trainingBatchSeed(split, seed, step)).slice();
    const epoch1 = draw(1, 3);
    assert.ok(isBits(epoch1));
    assert.deepEqual(draw(1, 3), epoch1, 'reproducible from the seed and the step');
    // The same images at a step of the next epoch (13 steps an epoch here) are drawn anew.
    assert.notDeepEqual(draw(1, 3 + 13), epoch1);
    assert.notDeepEqual(draw(2, 3), epoch1, 'another seed, other draws');
    // Each pixel is Bernoulli(intensity): over 400 draws of one batch, the share of ones tracks it.
    const ones = new Float32Array(16 * size);
    for (let step = 0; step < 400; step++) draw(1, step).forEach((v, k) => (ones[k]! += v / 400));
    const intensities = drawBatch(split.train, order, 0, 16, new Float32Array(16 * size), null);
    const worst = Math.max(...intensities.map((p, k) => Math.abs(ones[k]! - p)));
    assert.ok(worst < 0.12, `largest gap between a pixel's share of ones and its intensity: ${worst}`);
  });

  test('static: drawn once from the run seed, the same at every step', () => {
    const split = prepareSplit(greySource(), data({ binarization: 'static' }), 1);
    assert.ok(isBits(split.train.images));
    assert.equal(trainingBatchSeed(split, 1, 5), null, 'batches are the drawn images themselves');
    assert.deepEqual(prepareSplit(greySource(), data({ binarization: 'static' }), 1).train.images, split.train.images);
    assert.notDeepEqual(prepareSplit(greySource(), data({ binarization: 'static' }), 2).train.images, split.train.images);
  });

  test('evaluation images: drawn once with a fixed seed under dynamic and static, the same for every run seed and subset', () => {
    const dynamic = prepareSplit(greySource(), data({ binarization: 'dynamic' }), 1).heldOut;
    const fixed = prepareSplit(greySource(), data({ binarization: 'static' }), 9).heldOut;
    assert.ok(isBits(dynamic.images));
    assert.deepEqual(fixed.images, dynamic.images);
    // Under a limit the test subset is a prefix-chosen subset, each image drawn as in the whole set.
    const limited = prepareSplit(greySource(), data({ binarization: 'dynamic', limit: 100, heldOutFraction: 0.2 }), 4);
    assert.equal(limited.heldOut.count, 20);
    limited.heldOutIndices.forEach((i, k) => {
      assert.deepEqual(
        limited.heldOut.images.subarray(k * size, (k + 1) * size),
        dynamic.images.subarray(i * size, (i + 1) * size),
      );
    });
    // Without a test split, the held-out share is drawn the same way.
    const noTest = prepareSplit({ ...greySource(), test: null }, data({ binarization: 'dynamic', testPath: '' }), 1);
    assert.equal(noTest.evaluation, 'held-out');
    assert.ok(isBits(noTest.heldOut.images) && !isBits(noTest.train.images));
  });

  test("evaluationImages gives a run's evaluation images, binarized as the run says", async () => {
    const d = folder('eval-images', { 'a_train.csv': csvText(30), 'a_test.csv': csvText(12, 9) });
    const config = presetConfig('quick', {
      'data.source': 'csv',
      'data.path': join(d, 'a_train.csv'),
      'data.testPath': join(d, 'a_test.csv'),
      'data.imageHeight': H,
      'data.imageWidth': W,
      'data.binarization': 'dynamic',
      'data.labels': [1, 2, 3],
      'model.encoder': 'mlp',
    });
    const got = evaluationImages((await loadRunSplit(config.data, config.run.seed)).split, config);
    const split = prepareSplit(await loadDataset(config.data), config.data, config.run.seed);
    assert.deepEqual([got.split, got.binarization, got.images.count], ['test', 'dynamic', 4]);
    assert.deepEqual(got.images.images, split.heldOut.images);
    assert.ok(isBits(got.images.images));
    assert.deepEqual(Array.from(got.images.labels!), [1, 2, 3, 1]);
    await assert.rejects(
      loadRunSplit(config.data, config.run.seed, 'e'.repeat(64)),
      /differs from the one this run was trained on/,
    );
  });
});
