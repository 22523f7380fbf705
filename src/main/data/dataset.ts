// The in-memory data set every loader produces, its pixels kept as bytes until a split needs floats,
// and the split a run makes of it (split.ts makes it).

import type { BinarizationKind } from '../../shared/config.ts';
import type { EvaluationSplit } from '../../shared/data-split.ts';
import { AppFailure } from '../../shared/result.ts';

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
  /** 1 (absent: every loader but image folders) or 3, interleaved per pixel (HWC). */
  channels?: 1 | 3;
  /** An image folder's class names, label i being classNames[i] (its sorted sub-folders). */
  classNames?: readonly string[];
}

/** Values per image: height x width x channels. */
export function imageSize(ds: Pick<Dataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * (ds.channels ?? 1);
}

/** The fields that describe a data set's images, for building another over the same images. */
function describe(ds: Dataset): Omit<Dataset, 'images' | 'count' | 'labels'> {
  const out: Omit<Dataset, 'images' | 'count' | 'labels'> = {
    name: ds.name,
    fingerprint: ds.fingerprint,
    height: ds.height,
    width: ds.width,
  };
  if (ds.channels !== undefined) out.channels = ds.channels;
  if (ds.classNames !== undefined) out.classNames = ds.classNames;
  return out;
}

/** What a loader reads: the training images and, when the source has one, its own test split. */
export interface SourceDataset extends Dataset {
  /** The test split (same image size; its fingerprint is the source's, which covers both). */
  test: Dataset | null;
  /** An image folder's files left out because they could not be decoded (data.badImages skip). */
  skipped?: readonly { path: string; reason: string }[];
}

export interface DatasetSplit {
  train: Dataset;
  /**
   * The images evaluation uses (the trainer's held-out metrics): the source's test split when it has
   * one, else a seeded share of the training images. Binarized once, with a fixed seed, unless the
   * binarization is none.
   */
  heldOut: Dataset;
  /**
   * With a test split and early stopping or reduce-on-plateau: training images kept out for those to
   * watch instead of the test split (binarized once, like `heldOut`). Null otherwise.
   */
  validation: Dataset | null;
  evaluation: EvaluationSplit;
  /** `dynamic`: `train` keeps its intensities, and the trainer draws each batch (binarize.ts). */
  binarization: BinarizationKind;
  /** Positions in the source's training (and, for `test`, test) images, ascending: exactly which images a run used. */
  trainIndices: Uint32Array;
  heldOutIndices: Uint32Array;
  validationIndices: Uint32Array;
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

/**
 * A loader's Dataset, its pixels kept as the file's bytes (0..255). Float pixels take four times the
 * memory, and allocating them costs a page fault per 4 KiB, which on some VMs takes seconds for
 * 60,000 images; so they are made only for the images a split takes (see subset), or for all of
 * them when `images` is first read. Build these with byteDataset and never spread one (spreading
 * reads `images`, converting everything).
 */
export interface ByteDataset extends Dataset {
  readonly bytes: Uint8Array;
}

type DatasetFields = Omit<Dataset, 'images'>;

export function byteDataset<T extends DatasetFields>(fields: T, bytes: Uint8Array): T & ByteDataset {
  let images: Float32Array | null = null;
  const ds = { ...fields, bytes } as T & ByteDataset;
  Object.defineProperty(ds, 'images', { enumerable: true, get: () => (images ??= bytesToUnit(bytes)) });
  return ds;
}

/** `ds` with some fields replaced, its pixels still unconverted. */
export function withFields<T extends object>(ds: ByteDataset, over: T): ByteDataset & T {
  return byteDataset({ ...describe(ds), count: ds.count, labels: ds.labels, ...over }, ds.bytes);
}

export function isByteDataset(ds: Dataset): ds is ByteDataset {
  return (ds as Partial<ByteDataset>).bytes instanceof Uint8Array;
}

/**
 * Copies images `order[start..end)` of `ds` (rows start..end when `order` is null) into `out` as
 * 0..1 floats, from the bytes of a ByteDataset without converting the rest of it.
 */
export function copyImages(ds: Dataset, order: ArrayLike<number> | null, start: number, end: number, out: Float32Array): void {
  const size = imageSize(ds);
  const bytes = isByteDataset(ds) ? ds.bytes : null;
  const lut = BYTE_TO_UNIT;
  for (let k = 0; k < end - start; k++) {
    const from = (order === null ? start + k : order[start + k]!) * size;
    const to = k * size;
    if (bytes) for (let p = 0; p < size; p++) out[to + p] = lut[bytes[from + p]!]!;
    else out.set(ds.images.subarray(from, from + size), to);
  }
}

/**
 * The images at ascending `indices` as a Dataset of their own. All of them, in order, share the
 * source's arrays (nothing writes to a data set's images; binarizing copies): the full standard
 * split would otherwise be copied whole.
 */
export function subset(ds: Dataset, indices: Uint32Array): Dataset {
  const base = describe(ds);
  if (indices.length === ds.count && (ds.count === 0 || indices[ds.count - 1] === ds.count - 1)) {
    if (isByteDataset(ds)) return withFields(ds, {});
    return { ...base, count: ds.count, images: ds.images, labels: ds.labels };
  }
  let labels: Int32Array | null = null;
  if (ds.labels) {
    labels = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) labels[k] = ds.labels[indices[k]!]!;
  }
  const size = imageSize(ds);
  if (isByteDataset(ds)) {
    // Bytes stay bytes: 100,000 colour images of 64x64 are 1.2 GB as bytes, 4.9 GB as floats.
    const bytes = new Uint8Array(indices.length * size);
    for (let k = 0; k < indices.length; k++) bytes.set(ds.bytes.subarray(indices[k]! * size, (indices[k]! + 1) * size), k * size);
    return byteDataset({ ...base, count: indices.length, labels }, bytes);
  }
  const images = new Float32Array(indices.length * size);
  copyImages(ds, indices, 0, indices.length, images);
  return { ...base, count: indices.length, images, labels };
}
