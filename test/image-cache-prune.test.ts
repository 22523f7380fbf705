// The decoded-image cache stays bounded: least recently used files go first beyond a count or a
// size, the file a load is about to read is always kept, a hit renews its file, leftovers of killed
// writes are removed, and `runs image-cache` lists and prunes on demand. Files and times are set by
// hand (no decoding), except one real load that shows a hit renews and a new decode prunes.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeImageFolder } from '../scripts/make-image-folder.ts';
import { imageCacheCommand } from '../src/main/cli/image-cache-command.ts';
import { UsageError } from '../src/main/cli/common.ts';
import { cacheLimitsFromEnv, listCacheFiles, pruneImageCache } from '../src/main/data/folder/prune.ts';
import { loadImageFolder } from '../src/main/data/folder/index.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { tempDir } from './helpers.ts';

const HOUR = 3600;

/** Cache files a..e of the given sizes, `a` used longest ago, one hour apart. */
function fill(dir: string, sizes: Record<string, number>): void {
  mkdirSync(dir, { recursive: true });
  const base = Date.now() / 1000 - 10 * HOUR;
  Object.entries(sizes).forEach(([key, bytes], i) => {
    const path = join(dir, `${key}.bin`);
    writeFileSync(path, Buffer.alloc(bytes));
    utimesSync(path, base + i * HOUR, base + i * HOUR);
  });
}

const names = (files: { path: string }[]) => files.map((f) => f.path.split('/').at(-1)!.replace('.bin', ''));

test('pruning removes the least recently used beyond the count and the size, keeping the one in use', async (t) => {
  const dir = tempDir(t);
  fill(dir, { a: 100, b: 100, c: 100, d: 100, e: 100 });
  assert.deepEqual(names(await listCacheFiles(dir)), ['e', 'd', 'c', 'b', 'a'], 'most recently used first');

  let r = await pruneImageCache(dir, { maxBytes: 1e9, maxFiles: 3 });
  assert.deepEqual(names(r.kept), ['e', 'd', 'c']);
  assert.deepEqual(names(r.removed), ['b', 'a']);
  assert.ok(!existsSync(join(dir, 'a.bin')) && existsSync(join(dir, 'c.bin')));

  // By size: 250 bytes hold two; `c`, the oldest, is kept because a load is about to read it.
  r = await pruneImageCache(dir, { maxBytes: 250, maxFiles: 10 }, 'c');
  assert.deepEqual(names(r.kept), ['c', 'e']);
  assert.deepEqual(names(r.removed), ['d']);
  // Past the first file that does not fit, older ones go even if they would fit.
  const other = join(dir, 'other');
  fill(other, { small: 10, big: 200, newest: 100 });
  r = await pruneImageCache(other, { maxBytes: 150, maxFiles: 10 });
  assert.deepEqual(names(r.kept), ['newest']);
  assert.deepEqual(names(r.removed), ['big', 'small']);
  assert.deepEqual((await pruneImageCache(join(dir, 'nowhere'), { maxBytes: 0, maxFiles: 0 })).kept, []);
});

test('leftovers of killed writes older than a day go; limits come from the environment', async (t) => {
  const dir = tempDir(t);
  fill(dir, { a: 10 });
  const old = join(dir, 'a.bin.123-ab.tmp');
  const fresh = join(dir, 'a.bin.456-cd.tmp');
  writeFileSync(old, 'x');
  writeFileSync(fresh, 'x');
  utimesSync(old, Date.now() / 1000 - 48 * HOUR, Date.now() / 1000 - 48 * HOUR);
  const r = await pruneImageCache(dir, { maxBytes: 1e9, maxFiles: 10 });
  assert.equal(r.staleTemps, 1);
  assert.ok(!existsSync(old) && existsSync(fresh), 'a write in progress is left alone');
  assert.deepEqual(cacheLimitsFromEnv({ VAE_IMAGE_CACHE_GB: '2', VAE_IMAGE_CACHE_FILES: '5' }), {
    maxBytes: 2 * 2 ** 30,
    maxFiles: 5,
  });
  assert.deepEqual(cacheLimitsFromEnv({ VAE_IMAGE_CACHE_GB: 'lots' }), { maxBytes: 10 * 2 ** 30, maxFiles: 32 });
});

test('a load renews the file it hits, and a new decode prunes the rest to the limits', async (t) => {
  const dir = tempDir(t);
  const cacheDir = join(dir, 'cache');
  await makeImageFolder(join(dir, 'img'), { count: 6, classes: 0, size: 8 });
  const cfg = { ...DEFAULT_CONFIG.data, source: 'folder' as const, path: join(dir, 'img'), imageHeight: 8, imageWidth: 8 };
  const limits = { maxBytes: 1e9, maxFiles: 2 };
  await loadImageFolder(cfg, { cacheDir, cacheLimits: limits });
  const [first] = await listCacheFiles(cacheDir);
  utimesSync(first!.path, Date.now() / 1000 - 5 * HOUR, Date.now() / 1000 - 5 * HOUR);
  // An order, not a duration: the hit stamps the file at or after the moment the load began (less a
  // second for file-system timestamp rounding).
  const loadBegan = Date.now();
  await loadImageFolder(cfg, { cacheDir, cacheLimits: limits });
  assert.ok(statSync(first!.path).mtimeMs >= loadBegan - 1000, 'the hit renewed its file');
  // Two other sizes: three cache files made, two kept, the oldest (the 8x8 one, renewed before both) gone.
  await loadImageFolder({ ...cfg, imageHeight: 9, imageWidth: 9 }, { cacheDir, cacheLimits: limits });
  await loadImageFolder({ ...cfg, imageHeight: 10, imageWidth: 10 }, { cacheDir, cacheLimits: limits });
  const left = await listCacheFiles(cacheDir);
  assert.equal(left.length, 2);
  assert.ok(!left.some((f) => f.path === first!.path));
});

test('runs image-cache lists the files and prunes on demand; bad limits are usage errors', async (t) => {
  const dir = tempDir(t);
  assert.match(await imageCacheCommand({ prune: false, dir }), /is empty/);
  fill(dir, { a: 3 * 2 ** 20, b: 2 * 2 ** 20 });
  const listing = await imageCacheCommand({ prune: false, dir });
  assert.match(listing, /^2 cache files, 5\.0 MB, most recently used first:\n.*2\.0 MB .*b\.bin\n.*3\.0 MB .*a\.bin$/);
  assert.match(
    await imageCacheCommand({ prune: true, dir, maxGb: '0.004' }),
    /^Removed 1 cache file \(3\.0 MB\); kept 1 \(2\.0 MB\)/,
  );
  assert.match(await imageCacheCommand({ prune: true, dir, maxGb: '0' }), /^Removed 1 cache file .* kept 0/);
  await assert.rejects(imageCacheCommand({ prune: true, dir, maxFiles: '1.5' }), UsageError);
  await assert.rejects(imageCacheCommand({ prune: false, dir, maxGb: '1' }), /are for --prune/);
});
