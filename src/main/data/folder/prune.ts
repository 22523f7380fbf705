// Keeping the decoded-image cache bounded. Each (folder, size, channels, fit) gets its own cache
// file, and a 100,000-image 64x64 RGB folder is 1.2 GB, so trying a few sizes on a few folders
// would fill a disk. After a new cache file is written, the least recently used files beyond a
// count and a total size are removed (a hit renews its file's time, see touchCache); `npm run runs
// -- image-cache --prune` does the same on demand with the limits given.

import { readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheFile } from './cache.ts';

export interface CacheLimits {
  /** Total bytes of cache files kept (the one just written is kept even when it alone is more). */
  maxBytes: number;
  maxFiles: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxBytes: 10 * 2 ** 30, maxFiles: 32 };

/** Temporary files older than this are left from a killed process (a live write renames long before). */
const STALE_TEMP_MS = 24 * 3600_000;

export interface CacheFileInfo {
  path: string;
  bytes: number;
  /** When it was written or last read (its modification time, renewed on every hit). */
  usedMs: number;
}

/** The limits from VAE_IMAGE_CACHE_GB / VAE_IMAGE_CACHE_FILES when set to positive numbers, else the defaults. */
export function cacheLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): CacheLimits {
  const gb = Number(env.VAE_IMAGE_CACHE_GB);
  const files = Number(env.VAE_IMAGE_CACHE_FILES);
  return {
    maxBytes: gb > 0 ? gb * 2 ** 30 : DEFAULT_CACHE_LIMITS.maxBytes,
    maxFiles: Number.isInteger(files) && files > 0 ? files : DEFAULT_CACHE_LIMITS.maxFiles,
  };
}

/** The cache files in `dir`, most recently used first; none when the folder does not exist. */
export async function listCacheFiles(dir: string): Promise<CacheFileInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const files: CacheFileInfo[] = [];
  for (const name of names.filter((n) => n.endsWith('.bin'))) {
    // Another process may prune or replace it meanwhile.
    const st = await stat(join(dir, name)).catch(() => null);
    if (st?.isFile()) files.push({ path: join(dir, name), bytes: st.size, usedMs: st.mtimeMs });
  }
  return files.sort((a, b) => b.usedMs - a.usedMs || (a.path < b.path ? -1 : 1));
}

/** Marks a cache file as just used, so pruning removes others first. A failure only costs order. */
export async function touchCache(dir: string, key: string): Promise<void> {
  const now = new Date();
  await utimes(cacheFile(dir, key), now, now).catch(() => undefined);
}

export interface PruneResult {
  removed: CacheFileInfo[];
  kept: CacheFileInfo[];
  /** Temporary files of killed writes removed. */
  staleTemps: number;
}

/**
 * Removes the least recently used cache files beyond `limits`, keeping `keepKey`'s file whatever
 * its size (a run is about to read it). A file another process removed first is simply gone.
 */
export async function pruneImageCache(dir: string, limits: CacheLimits, keepKey: string | null = null): Promise<PruneResult> {
  const keepPath = keepKey === null ? null : cacheFile(dir, keepKey);
  const files = await listCacheFiles(dir);
  const kept: CacheFileInfo[] = [];
  const removed: CacheFileInfo[] = [];
  let bytes = 0;
  let full = false;
  // The kept file counts first, so the others fit in what it leaves; past the first file that does
  // not fit, every older one goes too (least recently used first, not whatever happens to fit).
  const ordered = [...files.filter((f) => f.path === keepPath), ...files.filter((f) => f.path !== keepPath)];
  for (const f of ordered) {
    full ||= kept.length >= limits.maxFiles || bytes + f.bytes > limits.maxBytes;
    if (f.path === keepPath || !full) {
      kept.push(f);
      bytes += f.bytes;
    } else {
      await rm(f.path, { force: true });
      removed.push(f);
    }
  }
  return { removed, kept, staleTemps: await removeStaleTemps(dir) };
}

async function removeStaleTemps(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let count = 0;
  for (const name of names.filter((n) => n.endsWith('.tmp'))) {
    const st = await stat(join(dir, name)).catch(() => null);
    if (st && Date.now() - st.mtimeMs > STALE_TEMP_MS) {
      await rm(join(dir, name), { force: true });
      count++;
    }
  }
  return count;
}
