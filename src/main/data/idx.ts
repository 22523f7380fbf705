// IDX files, the format MNIST, Fashion-MNIST and EMNIST ship in: a big-endian header (magic number,
// then one u32 per dimension) followed by the raw bytes. Images are [count, rows, cols] of u8;
// labels are [count] of u8. Either may be gzipped, which is detected from the content.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { badData, bytesToUnit, type Dataset } from './dataset.ts';
import { displayName, readWholeFile, type WholeFile } from './source-file.ts';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
const IMAGES_HEADER = 16;
const LABELS_HEADER = 8;

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Offsets in a gzipped file refer to its decompressed content; say so, or they would mislead. */
function at(file: WholeFile, offset: number): string {
  return `byte offset ${offset}${file.info.gzip ? ' (after gunzip)' : ''}`;
}

function describeMagic(magic: number): string {
  if (magic === IMAGES_MAGIC) return 'an IDX images file';
  if (magic === LABELS_MAGIC) return 'an IDX labels file';
  if (magic >>> 16 !== 0) return 'not an IDX file';
  const type = (magic >>> 8) & 0xff;
  if (type !== 0x08) return `an IDX file of element type ${hex(type).slice(-2)}, but only unsigned bytes (08) are supported`;
  return `an IDX file with ${magic & 0xff} dimensions`;
}

function checkMagic(file: WholeFile, expected: number, what: string): void {
  const { bytes, info } = file;
  if (bytes.length < 4) {
    throw badData(`${info.path}: truncated at ${at(file, bytes.length)}: too short for an IDX magic number`);
  }
  const magic = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (magic !== expected) {
    throw badData(
      `${info.path}: wrong magic number ${hex(magic)} at ${at(file, 0)}: expected ${hex(expected)} ` +
        `(IDX ${what} of unsigned bytes); this is ${describeMagic(magic)}`,
    );
  }
}

function checkLength(file: WholeFile, expectedEnd: number, claim: string): void {
  const { bytes, info } = file;
  if (bytes.length < expectedEnd) {
    throw badData(
      `${info.path}: truncated: the header says ${claim}, which ends at ${at(file, expectedEnd)}, ` +
        `but the data ends at ${at(file, bytes.length)}`,
    );
  }
  if (bytes.length > expectedEnd) {
    throw badData(
      `${info.path}: ${bytes.length - expectedEnd} unexpected bytes after the data, from ${at(file, expectedEnd)} ` +
        `(the header says ${claim})`,
    );
  }
}

function parseImages(file: WholeFile, height: number, width: number): { count: number; images: Float32Array } {
  const { bytes, info } = file;
  checkMagic(file, IMAGES_MAGIC, 'images');
  if (bytes.length < IMAGES_HEADER) {
    throw badData(`${info.path}: truncated at ${at(file, bytes.length)}: the IDX images header needs ${IMAGES_HEADER} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  if (rows !== height || cols !== width) {
    throw badData(
      `${info.path}: images are ${rows}x${cols} (header at ${at(file, 8)}), but the config expects ${height}x${width}`,
    );
  }
  if (count === 0) throw badData(`${info.path}: the header (${at(file, 4)}) says it holds no images`);
  const end = IMAGES_HEADER + count * rows * cols;
  checkLength(file, end, `${count} images of ${rows}x${cols}`);
  return { count, images: bytesToUnit(bytes.subarray(IMAGES_HEADER, end)) };
}

function parseLabels(file: WholeFile, imageCount: number, imagesPath: string): Int32Array {
  const { bytes, info } = file;
  checkMagic(file, LABELS_MAGIC, 'labels');
  if (bytes.length < LABELS_HEADER) {
    throw badData(`${info.path}: truncated at ${at(file, bytes.length)}: the IDX labels header needs ${LABELS_HEADER} bytes`);
  }
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4);
  if (count !== imageCount) {
    throw badData(`${info.path}: has ${count} labels (header at ${at(file, 4)}), but ${imagesPath} has ${imageCount} images`);
  }
  checkLength(file, LABELS_HEADER + count, `${count} labels`);
  return Int32Array.from(bytes.subarray(LABELS_HEADER, LABELS_HEADER + count));
}

/**
 * Where the labels for an images file usually sit: the same name with `images` -> `labels` and
 * `idx3` -> `idx1` (`train-images-idx3-ubyte.gz`, `t10k-images.idx3-ubyte`), gzipped or not.
 */
export function labelsFileCandidates(imagesPath: string): string[] {
  const base = basename(imagesPath);
  const swapped = base
    .replace(/images/g, 'labels')
    .replace(/Images/g, 'Labels')
    .replace(/IMAGES/g, 'LABELS')
    .replace(/idx3/gi, (m) => (m[0] === 'I' ? 'IDX1' : 'idx1'));
  if (swapped === base) return [];
  const stem = swapped.replace(/\.gz$/i, '');
  return [...new Set([swapped, stem, `${stem}.gz`])].map((b) => join(dirname(imagesPath), b));
}

export async function findLabelsFile(imagesPath: string): Promise<string | null> {
  for (const candidate of labelsFileCandidates(imagesPath)) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not there: try the next name.
    }
  }
  return null;
}

/**
 * Loads an IDX images file, with labels from `labelsPath`, or (when it is empty) from a file found
 * beside the images by the usual names; without one, the labels are null.
 */
export async function loadIdx(imagesPath: string, labelsPath: string, height: number, width: number): Promise<Dataset> {
  const imagesFile = await readWholeFile(imagesPath);
  const { count, images } = parseImages(imagesFile, height, width);
  const resolvedLabels = labelsPath !== '' ? labelsPath : await findLabelsFile(imagesPath);
  const hash = createHash('sha256').update(imagesFile.raw);
  let labels: Int32Array | null = null;
  if (resolvedLabels !== null) {
    const labelsFile = await readWholeFile(resolvedLabels);
    labels = parseLabels(labelsFile, count, imagesPath);
    hash.update(labelsFile.raw);
  }
  return {
    name: displayName(imagesPath),
    fingerprint: hash.digest('hex'),
    count,
    height,
    width,
    images,
    labels,
  };
}
