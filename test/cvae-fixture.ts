// A tiny conditional VAE trained once per test process (a few seconds: 400 built-in MNIST digits,
// 2 epochs of a small MLP at a high learning rate, 72 steps), and the check that it draws the requested digit: each decoded image is
// classified by the nearest class mean of the training images.
import * as tf from '@tensorflow/tfjs';
import { Trainer } from '../src/main/engine/trainer.ts';
import { loadDataset, prepareSplit, type Dataset } from '../src/main/data/index.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { presetConfig } from './helpers.ts';

export function cvaeConfig(overrides: Record<string, unknown> = {}): ExperimentConfig {
  return presetConfig('quick', {
    'data.limit': 400,
    'model.conditional': 'label',
    'model.latentDim': 2,
    'model.encoderHidden': [128],
    'model.decoderHidden': [128],
    'optim.batchSize': 10,
    'optim.learningRate': 1e-2,
    'optim.epochs': 2,
    'run.evalSamples': 0,
    'run.seed': 3,
    ...overrides,
  });
}

/** Mean image of each label among `ds`'s images: [classes][pixels]. */
export function classMeansOf(ds: Dataset, classes: number): Float64Array[] {
  const size = ds.height * ds.width;
  const sums = Array.from({ length: classes }, () => new Float64Array(size));
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < ds.count; i++) {
    const l = ds.labels![i]!;
    counts[l]! += 1;
    for (let p = 0; p < size; p++) sums[l]![p]! += ds.images[i * size + p]!;
  }
  return sums.map((s, l) => s.map((v) => v / Math.max(1, counts[l]!)));
}

function nearest(image: Float32Array, means: Float64Array[]): number {
  let best = -1;
  let bestDistance = Infinity;
  means.forEach((m, l) => {
    let d = 0;
    for (let p = 0; p < m.length; p++) d += (image[p]! - m[p]!) ** 2;
    if (d < bestDistance) [best, bestDistance] = [l, d];
  });
  return best;
}

/**
 * Decodes the same seeded prior draws once per requested label 0..classes-1, giving the decoder
 * `given(label)` as its label, and returns how often the nearest class mean is the requested label.
 */
export function nearestMeanAccuracy(
  trainer: Trainer,
  means: Float64Array[],
  given: (requested: number) => number,
  perLabel = 20,
): Promise<{ accuracy: number; confusion: number[][] }> {
  const classes = means.length;
  const z = tf.tidy(() =>
    tf.tile(tf.randomNormal([perLabel, trainer.config.model.latentDim], 0, 1, 'float32', 11), [classes, 1]),
  );
  const requested = Array.from({ length: classes * perLabel }, (_, i) => Math.floor(i / perLabel));
  const out = trainer.decodeMeans(z as tf.Tensor2D, requested.map(given));
  const pixels = out.dataSync() as Float32Array;
  tf.dispose([z, out]);
  const size = means[0]!.length;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let hits = 0;
  requested.forEach((want, i) => {
    const got = nearest(pixels.subarray(i * size, (i + 1) * size), means);
    confusion[want]![got]! += 1;
    if (got === want) hits += 1;
  });
  return Promise.resolve({ accuracy: hits / requested.length, confusion });
}

let shared: Promise<{ trainer: Trainer; classMeans: Float64Array[] }> | null = null;

/** The trained fixture, shared by the tests of one process (never disposed: the process ends). */
export function trainedCvae(): Promise<{ trainer: Trainer; classMeans: Float64Array[] }> {
  shared ??= (async () => {
    const cfg = cvaeConfig();
    const data = prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed);
    const trainer = new Trainer(cfg, data);
    while (!trainer.done) trainer.trainStep();
    return { trainer, classMeans: classMeansOf(data.train, trainer.classes) };
  })();
  return shared;
}
