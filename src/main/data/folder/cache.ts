// The decoded cache of an image folder: one binary file per (folder fingerprint, size, channels,
// fit), so a later run reads bytes instead of decoding every picture again. Written to a temporary
// name and renamed, so a killed process leaves either no cache or a whole one; a file that still
// does not read back whole (truncated, edited) is reported as unusable and rebuilt.
//
// Layout: "VAEIMG01", u32 header length, the header as JSON (padded to 4 bytes), the labels as
// int32 (when the folder has classes), the pixels (count x height x width x channels bytes, HWC),
// "VAEIMGOK". Numbers are little-endian, as on every platform the app ships for.

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FitKind } from '../../../shared/config.ts';
import type { BadImage } from './decode.ts';

const MAGIC = Buffer.from('VAEIMG01');
const TRAILER = Buffer.from('VAEIMGOK');
const CHUNK = 64 * 1024 * 1024;

export interface CacheContent {
  key: string;
  fingerprint: string;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  fit: FitKind;
  classNames: string[];
  /** Files that could not be decoded, relative to the folder, with the decoder's reason. */
  skipped: BadImage[];
  /** One per image, or null when the folder is unlabelled. */
  labels: Int32Array | null;
  pixels: Uint8Array;
}

type Header = Omit<CacheContent, 'labels' | 'pixels'> & { format: 1; labelled: boolean };

export function cacheFile(dir: string, key: string): string {
  return join(dir, `${key}.bin`);
}

const align4 = (n: number) => (n + 3) & ~3;

/** Writes the cache atomically (temporary file, then rename); returns its path. */
export async function writeCache(dir: string, c: CacheContent): Promise<string> {
  await mkdir(dir, { recursive: true });
  const header: Header = {
    format: 1,
    key: c.key,
    fingerprint: c.fingerprint,
    count: c.count,
    height: c.height,
    width: c.width,
    channels: c.channels,
    fit: c.fit,
    classNames: c.classNames,
    skipped: c.skipped,
    labelled: c.labels !== null,
  };
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(align4(12 + json.length));
  MAGIC.copy(head, 0);
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  const final = cacheFile(dir, c.key);
  const temp = `${final}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(temp, 'w');
  try {
    await fh.write(head);
    if (c.labels) await fh.write(new Uint8Array(c.labels.buffer, c.labels.byteOffset, c.labels.byteLength));
    for (let at = 0; at < c.pixels.length; at += CHUNK)
      await fh.write(c.pixels.subarray(at, Math.min(c.pixels.length, at + CHUNK)));
    await fh.write(TRAILER);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(temp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(temp, final);
  return final;
}

export type CacheRead = { status: 'hit'; content: CacheContent } | { status: 'missing' } | { status: 'unusable'; reason: string };

/** Reads the cache for `key`: whole, or why not (a missing file is not a fault). */
export async function readCache(dir: string, key: string): Promise<CacheRead> {
  const path = cacheFile(dir, key);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    throw e;
  }
  try {
    const { size } = await fh.stat();
    const fixed = Buffer.alloc(12);
    if (size < 12 + TRAILER.length || (await fh.read(fixed, 0, 12, 0)).bytesRead < 12 || !fixed.subarray(0, 8).equals(MAGIC))
      return { status: 'unusable', reason: 'not a cache file of this version' };
    const jsonLength = fixed.readUInt32LE(8);
    if (12 + jsonLength > size) return { status: 'unusable', reason: 'its header runs past the end of the file' };
    const json = Buffer.alloc(jsonLength);
    await fh.read(json, 0, jsonLength, 12);
    let header: Header;
    try {
      header = JSON.parse(json.toString('utf8')) as Header;
    } catch {
      return { status: 'unusable', reason: 'its header is not valid JSON' };
    }
    if (header.format !== 1 || header.key !== key) return { status: 'unusable', reason: 'its header is for another data set' };
    const labelsAt = align4(12 + jsonLength);
    const labelBytes = header.labelled ? header.count * 4 : 0;
    const pixelBytes = header.count * header.height * header.width * header.channels;
    const expected = labelsAt + labelBytes + pixelBytes + TRAILER.length;
    if (size !== expected)
      return { status: 'unusable', reason: `it has ${size} bytes, its header implies ${expected} (truncated?)` };
    const trailer = Buffer.alloc(TRAILER.length);
    await fh.read(trailer, 0, TRAILER.length, expected - TRAILER.length);
    if (!trailer.equals(TRAILER)) return { status: 'unusable', reason: 'it does not end as a cache file does' };
    let labels: Int32Array | null = null;
    if (header.labelled) {
      labels = new Int32Array(header.count);
      await readFully(fh, new Uint8Array(labels.buffer), labelsAt);
    }
    const pixels = new Uint8Array(pixelBytes);
    await readFully(fh, pixels, labelsAt + labelBytes);
    const { format: _format, labelled: _labelled, ...rest } = header;
    return { status: 'hit', content: { ...rest, labels, pixels } };
  } finally {
    await fh.close();
  }
}

/** Fills `into` from `position` in chunks: one read is capped at 2 GiB. */
async function readFully(fh: import('node:fs/promises').FileHandle, into: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < into.length;) {
    const { bytesRead } = await fh.read(into, at, Math.min(CHUNK, into.length - at), position + at);
    if (bytesRead === 0) throw new Error(`the cache file ended early at byte ${position + at}`);
    at += bytesRead;
  }
}
