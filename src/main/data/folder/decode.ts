// Decoding and resizing an image folder's files with sharp (libvips): PNG, JPEG and WebP decoders,
// EXIF orientation, colour conversion and a good resampling kernel are far beyond what a hand-made
// decoder should attempt. Every image becomes height x width x channels bytes (HWC).

import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { FitKind } from '../../../shared/config.ts';
import type { FolderEntry } from './scan.ts';

export interface DecodeTarget {
  height: number;
  width: number;
  channels: 1 | 3;
  fit: FitKind;
}

/** A file the decoder could not read, and sharp's (or the file system's) reason. */
export interface BadImage {
  path: string;
  reason: string;
}

/**
 * One image's pixels at the target size. Transparent pixels and the padding are black. `truncated`
 * fails a cut-short file rather than filling its missing part with grey, but lets through the
 * harmless warnings (odd metadata) that the strictest setting would refuse.
 */
export async function decodeImage(path: string, t: DecodeTarget): Promise<Uint8Array> {
  const pipeline = sharp(path, { failOn: 'truncated' })
    .rotate()
    .flatten({ background: '#000000' })
    .resize(t.width, t.height, {
      fit: t.fit === 'crop' ? 'cover' : 'contain',
      position: 'centre',
      background: { r: 0, g: 0, b: 0, alpha: 1 },
    })
    .toColourspace(t.channels === 1 ? 'b-w' : 'srgb')
    .raw({ depth: 'uchar' });
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  if (
    info.width !== t.width ||
    info.height !== t.height ||
    info.channels !== t.channels ||
    data.length !== t.width * t.height * t.channels
  ) {
    throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}, not ${t.width}x${t.height}x${t.channels}`);
  }
  return data;
}

export interface DecodeHooks {
  /** After each file, decoded or not: `done` of `total`. */
  progress?(done: number, total: number): void;
}

export interface DecodedFolder {
  /** The good images' pixels, packed in entry order: `kept.length` images. */
  pixels: Uint8Array;
  /** Indices into `entries` of the images in `pixels`. */
  kept: number[];
  bad: BadImage[];
}

/**
 * Decodes every entry into one buffer, a few at a time (sharp works on libuv's thread pool; more in
 * flight than it has threads only queues). With `stopAtBad`, the first bad file ends the work.
 */
export async function decodeEntries(
  entries: readonly FolderEntry[],
  t: DecodeTarget,
  stopAtBad: boolean,
  hooks: DecodeHooks = {},
): Promise<DecodedFolder> {
  const size = t.height * t.width * t.channels;
  const all = new Uint8Array(entries.length * size);
  const ok = new Uint8Array(entries.length);
  const bad: { index: number; image: BadImage }[] = [];
  let next = 0;
  let done = 0;
  const work = async () => {
    while (next < entries.length && !(stopAtBad && bad.length > 0)) {
      const i = next++;
      const path = entries[i]!.path;
      try {
        all.set(await decodeImage(path, t), i * size);
        ok[i] = 1;
      } catch (e) {
        bad.push({ index: i, image: { path, reason: e instanceof Error ? e.message : String(e) } });
      }
      hooks.progress?.(++done, entries.length);
    }
  };
  const inFlight = Math.max(2, Math.min(8, availableParallelism() * 2));
  await Promise.all(Array.from({ length: inFlight }, work));
  bad.sort((a, b) => a.index - b.index);
  const kept: number[] = [];
  for (let i = 0; i < entries.length; i++) if (ok[i]) kept.push(i);
  if (kept.length === entries.length) return { pixels: all, kept, bad: [] };
  // Packed in place: a skipped file's slot is overwritten by the next good one, then the tail cut.
  kept.forEach((from, to) => {
    if (from !== to) all.copyWithin(to * size, from * size, (from + 1) * size);
  });
  return { pixels: all.subarray(0, kept.length * size), kept, bad: bad.map((b) => b.image) };
}
