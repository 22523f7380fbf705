// Binarization: pixels in 0..1 drawn as Bernoulli(intensity), so a Bernoulli likelihood is a true
// log-likelihood. Every draw is seeded: per image from its position in the source for the
// once-only draws (so an image is binarized the same whichever subset a run takes), and per
// training step for dynamic draws (so a resumed run draws exactly what an uninterrupted one would).

import { deriveSeed } from '../../shared/random.ts';
import { byteDataset, copyImages, imageSize, type ByteDataset, type Dataset, type DatasetSplit } from './dataset.ts';

/**
 * The seed of the evaluation images' one draw: fixed, not the run's, so runs with different seeds
 * are evaluated on the very same binary images and their numbers compare.
 */
export const EVALUATION_BINARIZATION_SEED = 0x5eed_b17;

/**
 * Replaces each intensity p in `pixels` by 1 with probability p, else 0, drawing one uniform per
 * pixel from makeRng(seed)'s stream. The generator is inlined (the same mulberry32 steps): a closure
 * call per pixel made a 128-image batch's draw several times slower.
 */
export function binarizeInPlace(pixels: Float32Array, seed: number): void {
  let state = seed >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    pixels[i] = u < pixels[i]! ? 1 : 0;
  }
}

/** The seed of the dynamic draw for the batch of training step `step` (0-based, global). */
export function batchBinarizationSeed(runSeed: number, step: number): number {
  return deriveSeed(runSeed, `binarize-batch/${step}`);
}

/**
 * The seed a training batch is drawn with at `step`, or null when the split's images are used as
 * they are (binarization none, or static: already drawn). A function of (run seed, step) only, so a
 * resumed run draws what the uninterrupted run drew, and an image drawn again in a later epoch is
 * drawn anew.
 */
export function trainingBatchSeed(split: DatasetSplit, runSeed: number, step: number): number | null {
  return split.binarization === 'dynamic' ? batchBinarizationSeed(runSeed, step) : null;
}

/**
 * Images `order[start..end)` of `ds` (rows start..end when `order` is null) into `out` as 0..1
 * floats, drawn as Bernoulli(pixel) from `seed` unless it is null. Returns the filled part of `out`.
 */
export function drawBatch(
  ds: Dataset,
  order: ArrayLike<number> | null,
  start: number,
  end: number,
  out: Float32Array,
  seed: number | null,
): Float32Array {
  const filled = out.subarray(0, (end - start) * imageSize(ds));
  copyImages(ds, order, start, end, filled);
  if (seed !== null) binarizeInPlace(filled, seed);
  return filled;
}

/**
 * `ds` binarized once, image k from a stream seeded by (seed, sourceIndices[k]), as a new ByteDataset
 * of 0 and 255 (a quarter of the memory of floats): the source keeps its intensities.
 */
export function binarizeOnce(ds: Dataset, sourceIndices: Uint32Array, seed: number): ByteDataset {
  const size = imageSize(ds);
  const bytes = new Uint8Array(ds.count * size);
  const image = new Float32Array(size);
  for (let k = 0; k < ds.count; k++) {
    copyImages(ds, null, k, k + 1, image);
    binarizeInPlace(image, deriveSeed(seed, `binarize-image/${sourceIndices[k]}`));
    for (let p = 0; p < size; p++) bytes[k * size + p] = image[p]! * 255;
  }
  const { name, fingerprint, count, height, width, labels, channels, classNames } = ds;
  return byteDataset({ name, fingerprint, count, height, width, labels, channels, classNames }, bytes);
}

/** Whether every pixel is exactly 0 or 1 (then binarizing changes nothing). */
export function isBinary(images: Float32Array): boolean {
  for (let i = 0; i < images.length; i++) {
    const p = images[i]!;
    if (p !== 0 && p !== 1) return false;
  }
  return true;
}
