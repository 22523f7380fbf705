// `npm run runs -- image-cache [--prune] [--max-gb N] [--max-files N]`: what the decoded-image
// cache holds, and pruning it to limits (least recently used first). Loads prune automatically to
// the default limits (or VAE_IMAGE_CACHE_GB / VAE_IMAGE_CACHE_FILES); this is for a tighter bound
// now, e.g. --max-gb 0 to empty it.

import { imageCacheDir } from '../paths.ts';
import { cacheLimitsFromEnv, listCacheFiles, pruneImageCache, type CacheFileInfo } from '../data/folder/prune.ts';
import { terminalText } from './format.ts';
import { UsageError } from './common.ts';

export interface ImageCacheOptions {
  prune: boolean;
  maxGb?: string;
  maxFiles?: string;
  /** Default: the app's image-cache folder. */
  dir?: string;
}

function sizeText(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} kB`;
}

function limit(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${flag} takes a number of at least 0${integer ? ' (whole)' : ''}, got "${text}"`);
  return n;
}

const total = (files: CacheFileInfo[]) => files.reduce((sum, f) => sum + f.bytes, 0);

/** The command's text; prunes only with `prune`. */
export async function imageCacheCommand(o: ImageCacheOptions): Promise<string> {
  const dir = o.dir ?? imageCacheDir();
  const maxGb = limit('max-gb', o.maxGb, false);
  const maxFiles = limit('max-files', o.maxFiles, true);
  if (!o.prune && (maxGb !== undefined || maxFiles !== undefined))
    throw new UsageError('--max-gb and --max-files are for --prune');
  if (o.prune) {
    const defaults = cacheLimitsFromEnv();
    const limits = {
      maxBytes: maxGb === undefined ? defaults.maxBytes : maxGb * 2 ** 30,
      maxFiles: maxFiles ?? defaults.maxFiles,
    };
    const r = await pruneImageCache(dir, limits);
    return (
      `Removed ${r.removed.length} cache file${r.removed.length === 1 ? '' : 's'} (${sizeText(total(r.removed))}); ` +
      `kept ${r.kept.length} (${sizeText(total(r.kept))}) in ${terminalText(dir)}`
    );
  }
  const files = await listCacheFiles(dir);
  if (files.length === 0) return `The image cache ${terminalText(dir)} is empty`;
  const lines = files.map(
    (f) =>
      `  ${new Date(f.usedMs).toISOString().slice(0, 16).replace('T', ' ')}  ${sizeText(f.bytes).padStart(10)}  ${terminalText(f.path)}`,
  );
  return [`${files.length} cache files, ${sizeText(total(files))}, most recently used first:`, ...lines].join('\n');
}
