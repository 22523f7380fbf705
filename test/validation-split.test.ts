// Early stopping and reduce-on-plateau never watch a test split: with one, a seeded validation share
// is carved from the training images for them (issue 10). Pure splits and rules, no training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareSplit, type Dataset } from '../src/main/data/index.ts';
import { validationShare, watchedSplit, watchesValidation } from '../src/shared/data-split.ts';
import { validateConfig } from '../src/shared/validate.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { DataConfig, ExperimentConfig } from '../src/shared/config.ts';
import { presetConfig } from './helpers.ts';

function synthetic(n: number, offset = 0): Dataset {
  const images = new Float32Array(n * 4);
  for (let i = 0; i < images.length; i++) images[i] = ((i + offset) % 97) / 96;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  return { name: 'synthetic', fingerprint: 'f'.repeat(64), count: n, height: 2, width: 2, images, labels };
}
const withTest = Object.assign(synthetic(200), { test: synthetic(50, 13) });
const data = (over: Partial<DataConfig> = {}): DataConfig => ({
  ...presetConfig('quick').data,
  source: 'csv',
  path: 'a.csv',
  testPath: 'b.csv',
  imageHeight: 2,
  imageWidth: 2,
  ...over,
});

test('a validation share comes out of the training images, seeded, disjoint, binarized once; the test split stays whole', () => {
  const plain = prepareSplit(withTest, data(), 7);
  const a = prepareSplit(withTest, data({ binarization: 'dynamic' }), 7, 0.1);
  const b = prepareSplit(withTest, data({ binarization: 'dynamic' }), 7, 0.1);
  const c = prepareSplit(withTest, data({ binarization: 'dynamic' }), 8, 0.1);
  assert.deepEqual([plain.train.count, plain.validation, plain.validationIndices.length], [200, null, 0]);
  assert.deepEqual([a.train.count, a.validation?.count, a.heldOut.count], [180, 20, 50]);
  assert.deepEqual(a.heldOutIndices, plain.heldOutIndices, 'the test images do not change');
  assert.deepEqual(a.validationIndices, b.validationIndices);
  assert.deepEqual(a.validation!.images, b.validation!.images);
  assert.notDeepEqual(a.validationIndices, c.validationIndices);
  const all = [...a.trainIndices, ...a.validationIndices].sort((x, y) => x - y);
  assert.deepEqual(
    all,
    Array.from({ length: 200 }, (_, i) => i),
  );
  // Drawn as 0/1 once, like the evaluation images; the training images keep intensities for dynamic draws.
  assert.ok(a.validation!.images.every((p) => p === 0 || p === 1));
  assert.ok(a.train.images.some((p) => p > 0 && p < 1));
});

test('the share is used only with a test split and early stopping or reduce-on-plateau on', () => {
  const quick = presetConfig('quick');
  const stopping = presetConfig('quick', { 'optim.earlyStopPatience': 2 });
  const plateau = presetConfig('quick', { 'optim.lrSchedule': 'plateau', 'data.validationFraction': 0.2 });
  const heldOutOnly: ExperimentConfig = { ...stopping, data: { ...stopping.data, source: 'csv', path: 'a.csv' } };
  assert.deepEqual(
    [quick, stopping, plateau, heldOutOnly].map((c) => [watchesValidation(c), validationShare(c)]),
    [
      [false, 0],
      [true, 0.1],
      [true, 0.2],
      [false, 0],
    ],
  );
  assert.deepEqual(
    [watchedSplit(stopping, true), watchedSplit(quick, true), watchedSplit(heldOutOnly, true), watchedSplit(heldOutOnly, false)],
    ['validation', 'test', 'held-out', 'train'],
  );
  // A run stored before the setting existed watched the test split; resumed, it still does.
  const { validationFraction: _dropped, ...legacyData } = stopping.data;
  const legacy = { ...stopping, data: legacyData as DataConfig };
  assert.deepEqual([validationShare(legacy), watchedSplit(legacy, true)], [0, 'test']);
});

test('a zero share with a test split and early stopping is refused, naming the field; every preset keeps its split', () => {
  const r = validateConfig({ optim: { earlyStopPatience: 3 }, data: { validationFraction: 0 } });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.field, 'data.validationFraction');
    assert.match(r.error.message, /would watch the test split/);
  }
  assert.equal(validateConfig({ data: { validationFraction: 0 } }).ok, true, 'no control on: nothing to watch');
  for (const id of ['quick', 'seed-notebook', 'mlp-bernoulli', 'paper-mnist'])
    assert.equal(validationShare(findPreset(id)!.config), 0, id);
});
