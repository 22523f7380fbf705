// Opening a data file: the checks every loader needs first (missing, a directory, empty), gzip
// detection by magic bytes (names lie: `.gz` files get decompressed by browsers on download), and
// turning zlib's terse errors into ones that name the file.

import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { AppFailure } from '../../shared/result.ts';
import { badData } from './dataset.ts';

export interface SourceInfo {
  path: string;
  /** Size on disk, in bytes (compressed size for gzip files). */
  size: number;
  gzip: boolean;
}

/** Throws a 'bad-data' AppFailure unless `path` is a readable, non-empty file. */
export async function inspectSource(path: string): Promise<SourceInfo> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw badData(`${path} is a directory, not a data file`);
    size = st.size;
  } catch (e) {
    if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) throw badData(`file not found: ${path}`);
    if (isErrno(e, 'EACCES')) throw badData(`permission denied reading ${path}`);
    throw e;
  }
  if (size === 0) throw badData(`${path} is empty (0 bytes)`);
  const head = Buffer.alloc(2);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 2, 0);
  } finally {
    await fh.close();
  }
  return { path, size, gzip: size >= 2 && head[0] === 0x1f && head[1] === 0x8b };
}

export interface WholeFile {
  info: SourceInfo;
  /** The content, decompressed if the file is gzip. */
  bytes: Uint8Array;
}

/**
 * How large a file's content may be, decided from its first `headBytes` (its header) before the rest
 * is read or inflated: a small gzip file can inflate to gigabytes, and a sparse file can claim them.
 */
export interface ContentBound {
  headBytes: number;
  /**
   * The most bytes the content may have, and what says so (for the message), given its head (shorter
   * when the content is); throws to refuse the file from its header alone.
   */
  limit(head: Uint8Array, info: SourceInfo): { maxBytes: number; reason: string };
}

/**
 * Reads a whole (possibly gzipped) file no larger than `bound` allows, feeding the bytes as stored
 * to `hash`. Gzip is inflated as a stream with a running count, and stops as soon as the count passes
 * the bound, so a gzip bomb costs no more than the bound in time and memory.
 */
export async function readWholeFile(path: string, bound: ContentBound, hash: Hash): Promise<WholeFile> {
  const info = await inspectSource(path);
  if (!info.gzip) {
    const head = Buffer.alloc(Math.min(bound.headBytes, info.size));
    const fh = await open(path, 'r');
    try {
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
    const { maxBytes, reason } = bound.limit(head, info);
    if (info.size > maxBytes) throw badData(`${path} has ${info.size} bytes, more than ${maxBytes}: ${reason}`);
    const bytes = await readFile(path);
    hash.update(bytes);
    return { info, bytes };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  let limit: { maxBytes: number; reason: string } | null = null;
  try {
    for await (const chunk of inflate(info, hash)) {
      chunks.push(chunk);
      total += chunk.length;
      if (limit === null && total >= bound.headBytes)
        limit = bound.limit(Buffer.concat(chunks).subarray(0, bound.headBytes), info);
      if (limit !== null && total > limit.maxBytes) throw inflatesTooFar(path, limit.maxBytes, limit.reason);
    }
  } catch (e) {
    if (isZlibError(e)) throw gzipFailure(path, e);
    throw e;
  }
  const bytes = Buffer.concat(chunks, total);
  if (limit === null) bound.limit(bytes, info);
  if (bytes.length === 0) throw badData(`${path} is gzip-compressed but decompresses to nothing`);
  return { info, bytes };
}

/** The gzip file's content as a stream, hashing the compressed bytes as they are read. */
export function inflate(info: SourceInfo, hash: Hash): AsyncIterable<Buffer> {
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // Leaving the loop early (a throw) destroys the last stream, and pipeline then the others.
  return pipeline(createReadStream(info.path, { highWaterMark: 1 << 20 }), tap, createGunzip({ chunkSize: 1 << 16 }), () => {});
}

export function inflatesTooFar(path: string, maxBytes: number, reason: string): AppFailure {
  return badData(
    `${path} is gzip-compressed and inflates to more than ${maxBytes} bytes (${reason}); ` +
      'stopped there rather than fill memory: is it the right file?',
  );
}

export function isZlibError(e: unknown): e is Error {
  return e instanceof Error && 'code' in e && String(e.code).startsWith('Z_');
}

export function gzipFailure(path: string, e: Error): Error {
  return badData(`${path} looks gzip-compressed but is corrupt or truncated: ${e.message}`);
}

/** The first of `candidates` that is a file, or null: where a companion file (labels, test split) sits. */
export async function firstFile(candidates: readonly string[]): Promise<string | null> {
  for (const candidate of candidates) {
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not there: try the next name.
    }
  }
  return null;
}

export function displayName(path: string): string {
  return basename(path);
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
