// Opening a data file: the checks every loader needs first (missing, a directory, empty), gzip
// detection by magic bytes (names lie: `.gz` files get decompressed by browsers on download), and
// turning zlib's terse errors into ones that name the file.

import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { badData } from './dataset.ts';

const gunzipAsync = promisify(gunzip);

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
  /** The bytes as stored on disk, which is what fingerprints hash. */
  raw: Uint8Array;
  /** The content, decompressed if the file is gzip. */
  bytes: Uint8Array;
}

/** Reads a whole (possibly gzipped) file; fine for IDX, whose largest common file is ~47 MB raw. */
export async function readWholeFile(path: string): Promise<WholeFile> {
  const info = await inspectSource(path);
  const raw = await readFile(path);
  if (!info.gzip) return { info, raw, bytes: raw };
  try {
    const bytes = await gunzipAsync(raw);
    if (bytes.length === 0) throw badData(`${path} is gzip-compressed but decompresses to nothing`);
    return { info, raw, bytes };
  } catch (e) {
    if (e instanceof Error && 'code' in e && String(e.code).startsWith('Z_')) throw gzipFailure(path, e);
    throw e;
  }
}

export function gzipFailure(path: string, e: Error): Error {
  return badData(`${path} looks gzip-compressed but is corrupt or truncated: ${e.message}`);
}

export function displayName(path: string): string {
  return basename(path);
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
