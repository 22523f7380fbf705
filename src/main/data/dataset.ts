// The in-memory data set every loader produces, and the deterministic filter/limit/split that turns
// one into what training uses. Loaders never filter: the same file gives the same Dataset (and
// fingerprint) whatever the experiment asks of it.

import type { DataConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import { deriveSeed, makeRng, shuffleInPlace } from '../../shared/random.ts';

export interface Dataset {
  /** For display, e.g. 'MNIST (built-in)' or the file's base name. */
  name: string;
  /**
   * sha256 hex of the source bytes (files, as stored, so before gunzip) or of the pixel and label
   * data (built-in). Subsets keep their source's fingerprint: a split is reproducible from
   * (fingerprint, data config, seed).
   */
  fingerprint: string;
  count: number;
  height: number;
  width: number;
  /** count*height*width, row-major, pixels scaled to 0..1. */
  images: Float32Array;
  /** One label per image, or null when the source has none (IDX without a labels file). */
  labels: Int32Array | null;
}

export interface DatasetSplit {
  train: Dataset;
  heldOut: Dataset;
  /** Positions in the source Dataset, ascending, so a run can record exactly which images it used. */
  trainIndices: Uint32Array;
  heldOutIndices: Uint32Array;
}

/**
 * The most content bytes (after gunzip) a data file may have: past these a file is refused before it
 * is read or inflated whole. An IDX file's pixels become float32 (4x) and a split copies them again;
 * a CSV holds about 3.5 bytes of text per pixel. Tests scale them down to try bombs cheaply.
 */
export interface DataLimits {
  idxBytes: number;
  csvBytes: number;
}

export const DEFAULT_DATA_LIMITS: DataLimits = { idxBytes: 1024 ** 3, csvBytes: 2 * 1024 ** 3 };

export function badData(message: string): AppFailure {
  return new AppFailure({ code: 'bad-data', message });
}

/** Maps a byte pixel to 0..1 through a table: one multiply-free load per pixel on large files. */
export const BYTE_TO_UNIT: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

export function bytesToUnit(bytes: Uint8Array): Float32Array {
  // Locals, not the module bindings: V8 checks an exported const on every access, a third of the time here.
  const lut = BYTE_TO_UNIT;
  const src = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = src.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lut[src[i]!]!;
  return out;
}

/** Copies the images at `indices` (in that order) into a new Dataset. */
export function subset(ds: Dataset, indices: Uint32Array): Dataset {
  const size = ds.height * ds.width;
  const images = new Float32Array(indices.length * size);
  const labels = ds.labels ? new Int32Array(indices.length) : null;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    if (labels && ds.labels) labels[k] = ds.labels[i]!;
  }
  return { ...ds, count: indices.length, images, labels };
}

/** How many of `n` images go to held-out: never all of them, and at least one if any are asked for. */
export function heldOutCount(n: number, fraction: number): number {
  if (n < 2 || !(fraction > 0)) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}

function filterByLabel(ds: Dataset, wanted: number[]): Uint32Array {
  if (wanted.length === 0) {
    const all = new Uint32Array(ds.count);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  if (!ds.labels) {
    throw badData(`${ds.name} has no labels, so it cannot be filtered to labels [${wanted.join(', ')}]; clear the label filter`);
  }
  const keep = new Set(wanted);
  const out = new Uint32Array(ds.count);
  let n = 0;
  for (let i = 0; i < ds.count; i++) if (keep.has(ds.labels[i]!)) out[n++] = i;
  if (n === 0) {
    const present = [...new Set(ds.labels)].sort((a, b) => a - b);
    throw badData(`no images in ${ds.name} have labels [${wanted.join(', ')}]; its labels are [${present.join(', ')}]`);
  }
  return out.slice(0, n);
}

/**
 * Label filter, then `cfg.limit`, then the held-out split, all from one seeded shuffle of the
 * filtered positions: the first `limit` of it are used and the first held-out share of those is held
 * out. Taking prefixes of one shuffle means a smaller limit picks a subset of a larger one's images.
 */
export function prepareSplit(ds: Dataset, cfg: DataConfig, seed: number): DatasetSplit {
  if (ds.height !== cfg.imageHeight || ds.width !== cfg.imageWidth) {
    throw badData(`${ds.name} has ${ds.height}x${ds.width} images, but the config expects ${cfg.imageHeight}x${cfg.imageWidth}`);
  }
  const order = shuffleInPlace(filterByLabel(ds, cfg.labels), makeRng(deriveSeed(seed, 'data-split')));
  const used = cfg.limit > 0 && cfg.limit < order.length ? order.subarray(0, cfg.limit) : order;
  const nHeld = heldOutCount(used.length, cfg.heldOutFraction);
  // Source order within each part keeps subsets easy to inspect; training shuffles per epoch anyway.
  const heldOutIndices = used.slice(0, nHeld).sort();
  const trainIndices = used.slice(nHeld).sort();
  return {
    train: subset(ds, trainIndices),
    heldOut: subset(ds, heldOutIndices),
    trainIndices,
    heldOutIndices,
  };
}
