// An image folder as a data set: scanned and fingerprinted, then read from its decoded cache, or
// decoded once (with progress) and cached. The pixels stay one Uint8Array (HWC bytes) for the
// whole data set; the trainer converts a batch at a time.

import { createHash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import type { DataConfig } from '../../../shared/config.ts';
import { badImagesOf, channelsOf, fitOf } from '../../../shared/data-split.ts';
import { imageCacheDir } from '../../paths.ts';
import { badData, byteDataset, type ByteDataset, type SourceDataset } from '../dataset.ts';
import { readCache, writeCache, type CacheContent } from './cache.ts';
import { decodeEntries, type BadImage, type DecodeTarget } from './decode.ts';
import { cacheLimitsFromEnv, pruneImageCache, touchCache, type CacheLimits } from './prune.ts';
import { scanFolder, type FolderScan } from './scan.ts';

export type { BadImage } from './decode.ts';

/** Where a folder's load is: `decoding` counts files (cache miss), `reading` is the cache's one read. */
export interface FolderProgress {
  phase: 'scanning' | 'decoding' | 'reading';
  done: number;
  total: number;
}

export interface FolderOptions {
  /** Default: imageCacheDir(), under the app's data folder. */
  cacheDir?: string;
  progress?: (p: FolderProgress) => void;
  /** Told why an existing cache file was not used (it is then rebuilt). */
  unusableCache?: (reason: string) => void;
  /** Bounds on the cache folder, applied after a new cache file is written. Default: cacheLimitsFromEnv(). */
  cacheLimits?: CacheLimits;
}

/** What identifies a decoded cache: the files and every setting that changes the decoded bytes. */
export function cacheKey(fingerprint: string, t: DecodeTarget): string {
  return createHash('sha256')
    .update(`${fingerprint}\n${t.height}x${t.width}x${t.channels}\n${t.fit}\n`)
    .digest('hex')
    .slice(0, 32);
}

export async function loadImageFolder(cfg: DataConfig, options: FolderOptions = {}): Promise<SourceDataset & ByteDataset> {
  const root = resolve(cfg.path.trim());
  const target: DecodeTarget = { height: cfg.imageHeight, width: cfg.imageWidth, channels: channelsOf(cfg), fit: fitOf(cfg) };
  const refuse = badImagesOf(cfg) === 'refuse';
  options.progress?.({ phase: 'scanning', done: 0, total: 0 });
  const scan = await scanFolder(root);
  const key = cacheKey(scan.fingerprint, target);
  const dir = options.cacheDir ?? imageCacheDir();
  options.progress?.({ phase: 'reading', done: 0, total: scan.entries.length });
  const read = await readCache(dir, key);
  if (read.status === 'unusable') options.unusableCache?.(read.reason);
  let content: CacheContent;
  if (read.status === 'hit') {
    content = read.content;
    await touchCache(dir, key);
  } else {
    content = await decodeFolder(scan, target, key, refuse, options);
    if (content.count > 0) {
      await writeCache(dir, content);
      // Housekeeping only: the data set loaded, so a folder that cannot be pruned is no reason to fail.
      await pruneImageCache(dir, options.cacheLimits ?? cacheLimitsFromEnv(), key).catch(() => undefined);
    }
  }
  const skipped = content.skipped.map((b) => ({ path: join(root, b.path), reason: b.reason }));
  if (refuse && skipped.length > 0) throw refusal(skipped[0]!, skipped.length);
  if (content.count === 0) {
    const first = skipped[0]!;
    throw badData(`none of the ${skipped.length} images in ${root} could be decoded; the first, ${first.path}: ${first.reason}`);
  }
  options.progress?.({ phase: 'reading', done: content.count, total: content.count });
  const fields = {
    name: basename(root),
    fingerprint: scan.fingerprint,
    count: content.count,
    height: content.height,
    width: content.width,
    channels: content.channels,
    labels: content.labels,
    test: null,
    skipped,
    ...(content.classNames.length > 0 ? { classNames: content.classNames } : {}),
  };
  return byteDataset(fields, content.pixels);
}

async function decodeFolder(
  scan: FolderScan,
  target: DecodeTarget,
  key: string,
  refuse: boolean,
  options: FolderOptions,
): Promise<CacheContent> {
  const total = scan.entries.length;
  const decoded = await decodeEntries(scan.entries, target, refuse, {
    progress: (done) => options.progress?.({ phase: 'decoding', done, total }),
  });
  if (refuse && decoded.bad.length > 0) throw refusal(decoded.bad[0]!, null);
  const labelled = scan.classNames.length > 0;
  const labels = labelled ? Int32Array.from(decoded.kept, (i) => scan.entries[i]!.label) : null;
  const rootLength = scan.root.length + 1;
  return {
    key,
    fingerprint: scan.fingerprint,
    count: decoded.kept.length,
    ...target,
    classNames: scan.classNames,
    skipped: decoded.bad.map((b) => ({ path: b.path.slice(rootLength), reason: b.reason })),
    labels,
    pixels: decoded.pixels,
  };
}

function refusal(bad: BadImage, count: number | null): Error {
  const more = count !== null && count > 1 ? ` (and ${count - 1} more)` : '';
  return badData(
    `${bad.path} cannot be decoded: ${bad.reason}${more}; remove it, or set data.badImages to skip to leave such files out`,
  );
}
