// IDX files, the format MNIST, Fashion-MNIST and EMNIST ship in: a big-endian header (magic number,
// then one u32 per dimension) followed by the raw bytes. Images are [count, rows, cols] of u8;
// labels are [count] of u8. Either may be gzipped, which is detected from the content.

import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { badData, byteDataset, DEFAULT_DATA_LIMITS, type ByteDataset, type DataLimits } from './dataset.ts';
import { displayName, firstFile, readWholeFile, type ContentBound, type SourceInfo, type WholeFile } from './source-file.ts';

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
const IMAGES_HEADER = 16;
const LABELS_HEADER = 8;

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Offsets in a gzipped file refer to its decompressed content; say so, or they would mislead. */
function at(file: { info: SourceInfo }, offset: number): string {
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

/** `length` is the content's: the bytes read, or for a plain file its size before it is read. */
function checkLength(file: { info: SourceInfo }, length: number, expectedEnd: number, claim: string): void {
  const { info } = file;
  if (length < expectedEnd) {
    throw badData(
      `${info.path}: truncated: the header says ${claim}, which ends at ${at(file, expectedEnd)}, ` +
        `but the data ends at ${at(file, length)}`,
    );
  }
  if (length > expectedEnd) {
    throw badData(
      `${info.path}: ${length - expectedEnd} unexpected bytes after the data, from ${at(file, expectedEnd)} ` +
        `(the header says ${claim})`,
    );
  }
}

/**
 * What the images header allows the file to hold, checked before the rest is read: the size the
 * header implies must be within `maxBytes`, and a plain file must be exactly that long.
 */
function imagesBound(height: number, width: number, maxBytes: number): ContentBound {
  return {
    headBytes: IMAGES_HEADER,
    limit(head, info) {
      const file = { info, bytes: head };
      // Too short for a header: reading it whole costs nothing, and parseImages says what is missing.
      if (head.length < IMAGES_HEADER) return { maxBytes: IMAGES_HEADER, reason: 'an IDX images header' };
      const { count, rows, cols } = imagesHeader(file, height, width);
      const end = IMAGES_HEADER + count * rows * cols;
      const claim = `${count} images of ${rows}x${cols}`;
      if (end > maxBytes)
        throw badData(
          `${info.path}: the header (${at(file, 4)}) says ${claim}, ${end} bytes, more than the ${maxBytes} ` +
            'bytes an IDX images file may hold here; refused before reading it',
        );
      if (!info.gzip) checkLength(file, info.size, end, claim);
      return { maxBytes: end, reason: `the header says ${claim}, which end at ${at(file, end)}` };
    },
  };
}

function labelsBound(imageCount: number, imagesPath: string): ContentBound {
  return {
    headBytes: LABELS_HEADER,
    limit(head, info) {
      const file = { info, bytes: head };
      if (head.length < LABELS_HEADER) return { maxBytes: LABELS_HEADER, reason: 'an IDX labels header' };
      const count = labelsCount(file, imageCount, imagesPath);
      const end = LABELS_HEADER + count;
      if (!info.gzip) checkLength(file, info.size, end, `${count} labels`);
      return { maxBytes: end, reason: `the header says ${count} labels, which end at ${at(file, end)}` };
    },
  };
}

function imagesHeader(file: WholeFile, height: number, width: number): { count: number; rows: number; cols: number } {
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
  return { count, rows, cols };
}

function labelsCount(file: WholeFile, imageCount: number, imagesPath: string): number {
  const { bytes, info } = file;
  checkMagic(file, LABELS_MAGIC, 'labels');
  if (bytes.length < LABELS_HEADER) {
    throw badData(`${info.path}: truncated at ${at(file, bytes.length)}: the IDX labels header needs ${LABELS_HEADER} bytes`);
  }
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4);
  if (count !== imageCount) {
    throw badData(`${info.path}: has ${count} labels (header at ${at(file, 4)}), but ${imagesPath} has ${imageCount} images`);
  }
  return count;
}

function parseImages(file: WholeFile, height: number, width: number): { count: number; bytes: Uint8Array } {
  const { count, rows, cols } = imagesHeader(file, height, width);
  const end = IMAGES_HEADER + count * rows * cols;
  checkLength(file, file.bytes.length, end, `${count} images of ${rows}x${cols}`);
  return { count, bytes: file.bytes.subarray(IMAGES_HEADER, end) };
}

function parseLabels(file: WholeFile, imageCount: number, imagesPath: string): Int32Array {
  const count = labelsCount(file, imageCount, imagesPath);
  checkLength(file, file.bytes.length, LABELS_HEADER + count, `${count} labels`);
  return Int32Array.from(file.bytes.subarray(LABELS_HEADER, LABELS_HEADER + count));
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

export function findLabelsFile(imagesPath: string): Promise<string | null> {
  return firstFile(labelsFileCandidates(imagesPath));
}

/**
 * Loads an IDX images file, with labels from `labelsPath`, or (when it is empty) from a file found
 * beside the images by the usual names; without one, the labels are null.
 */
export async function loadIdx(
  imagesPath: string,
  labelsPath: string,
  height: number,
  width: number,
  limits: DataLimits = DEFAULT_DATA_LIMITS,
): Promise<ByteDataset> {
  // One hash over the images file's stored bytes, then the labels file's.
  const hash = createHash('sha256');
  const imagesFile = await readWholeFile(imagesPath, imagesBound(height, width, limits.idxBytes), hash);
  const { count, bytes } = parseImages(imagesFile, height, width);
  const resolvedLabels = labelsPath !== '' ? labelsPath : await findLabelsFile(imagesPath);
  let labels: Int32Array | null = null;
  if (resolvedLabels !== null) {
    const labelsFile = await readWholeFile(resolvedLabels, labelsBound(count, imagesPath), hash);
    labels = parseLabels(labelsFile, count, imagesPath);
  }
  return byteDataset({ name: displayName(imagesPath), fingerprint: hash.digest('hex'), count, height, width, labels }, bytes);
}
