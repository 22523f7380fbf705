// The first digits of MNIST's training set as a small pair of IDX files, for tests whose runs are not
// about the data. Every training thread on the built-in source reads and hashes all of MNIST (55 MB,
// about half a second of CPU, more than the few steps such a test trains); these files hold only the
// digits a test's `data.limit` takes, and go through the same IDX loader as a user's files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinMnistFiles } from '../src/main/data/mnist-builtin.ts';

const IMAGES_HEADER = 16;
const LABELS_HEADER = 8;
const PIXELS = 28 * 28;

const written = new Map<number, string>();

/** The path of an IDX images file of MNIST's first `count` training digits (labels beside it); one per process. */
export function mnistSubset(count = 400): string {
  const known = written.get(count);
  if (known) return known;
  const dir = mkdtempSync(join(tmpdir(), 'vae-mnist-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const files = builtinMnistFiles();
  const images = readFileSync(files.trainImages).subarray(0, IMAGES_HEADER + count * PIXELS);
  const labels = readFileSync(files.trainLabels).subarray(0, LABELS_HEADER + count);
  // The count is the big-endian u32 after the magic number, in both headers.
  images.writeUInt32BE(count, 4);
  labels.writeUInt32BE(count, 4);
  const path = join(dir, 'train-images-idx3-ubyte');
  writeFileSync(path, images);
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
  written.set(count, path);
  return path;
}

/** `data` settings for runs on that subset: `limit` images, a tenth held out, unless `extra` says otherwise. */
export function subsetData(limit: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { source: 'idx', path: mnistSubset(limit), limit, heldOutFraction: 0.1, ...extra };
}
