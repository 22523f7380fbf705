// Image folders as data sets: classes from sub-folders, sharp's resize (crop and pad, checked pixel
// by pixel on synthetic pictures), the decoded cache (hit, invalidation, a damaged file rebuilt),
// bad files under both settings, and folders that hold nothing to train on.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { makeImageFolder } from '../scripts/make-image-folder.ts';
import type { DataConfig } from '../src/shared/config.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { validateConfig } from '../src/shared/validate.ts';
import { AppFailure } from '../src/shared/result.ts';
import { drawBatch, loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { isByteDataset } from '../src/main/data/dataset.ts';
import { loadImageFolder, type FolderOptions } from '../src/main/data/folder/index.ts';
import { buildConfig } from '../src/main/cli/config-input.ts';
import { tempDir } from './helpers.ts';

function folderCfg(path: string, over: Partial<DataConfig> = {}): DataConfig {
  return { ...DEFAULT_CONFIG.data, source: 'folder', path, imageHeight: 16, imageWidth: 16, ...over };
}

/** Loads with a private cache folder, counting files decoded (a cache hit decodes none). */
async function load(cfg: DataConfig, cacheDir: string, extra: FolderOptions = {}) {
  let decoded = 0;
  const ds = await loadImageFolder(cfg, {
    cacheDir,
    ...extra,
    progress: (p) => {
      if (p.phase === 'decoding') decoded++;
    },
  });
  return { ds, decoded };
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof AppFailure, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

const grey = (width: number, height: number, at: (x: number, y: number) => number) =>
  sharp(Buffer.from(Array.from({ length: width * height }, (_, i) => at(i % width, Math.floor(i / width)))), {
    raw: { width, height, channels: 1 },
  });

test('sub-folders are classes: sorted names give the labels, nested images belong to their top folder', async (t) => {
  const dir = tempDir(t);
  const made = await makeImageFolder(join(dir, 'shapes'), { count: 60, classes: 3 });
  const { ds, decoded } = await load(folderCfg(join(dir, 'shapes'), { channels: 3 }), join(dir, 'cache'));
  assert.equal(decoded, 60);
  assert.deepEqual(ds.classNames, ['discs', 'squares', 'stripes']);
  assert.equal(ds.count, 60);
  assert.equal(ds.channels, 3);
  assert.equal(ds.bytes.length, 60 * 16 * 16 * 3);
  // Images are in the order of their relative names; each label is its class folder's index.
  const expected = [...made].sort((a, b) => (a.rel < b.rel ? -1 : 1)).map((f) => f.label);
  assert.deepEqual(Array.from(ds.labels!), expected);
  assert.equal(ds.name, 'shapes');
  assert.match(ds.fingerprint, /^[0-9a-f]{64}$/);

  // The same folder in grayscale: one byte per pixel, the same labels.
  const g = await load(folderCfg(join(dir, 'shapes'), { channels: 1 }), join(dir, 'cache'));
  assert.equal(g.ds.bytes.length, 60 * 16 * 16);
  assert.equal(g.ds.fingerprint, ds.fingerprint, 'the fingerprint is the files, not the settings');
});

test('a folder of images without sub-folders is unlabelled, and a label filter on it is refused', async (t) => {
  const dir = tempDir(t);
  await makeImageFolder(join(dir, 'flat'), { count: 12, classes: 0 });
  const cfg = folderCfg(join(dir, 'flat'));
  const { ds } = await load(cfg, join(dir, 'cache'));
  assert.equal(ds.labels, null);
  assert.equal(ds.classNames, undefined);
  assert.throws(() => prepareSplit(ds, { ...cfg, labels: [1] }, 1), /flat has no labels, so it cannot be filtered/);
  const split = prepareSplit(ds, { ...cfg, heldOutFraction: 0.25 }, 1);
  assert.equal(split.train.count + split.heldOut.count, 12);
});

test('crop keeps the aspect and cuts the centre; pad fits the whole picture on black', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'img'));
  // 8 wide, 4 high: columns 0-3 at 200, 4-7 at 50.
  await grey(8, 4, (x) => (x < 4 ? 200 : 50))
    .png()
    .toFile(join(dir, 'img', 'wide.png'));
  const cfg = folderCfg(join(dir, 'img'), { imageHeight: 4, imageWidth: 4 });
  const crop = (await load({ ...cfg, fit: 'crop' }, join(dir, 'cache'))).ds.bytes;
  // The centre 4x4 (columns 2-5) at scale 1: exactly two columns of each.
  for (let y = 0; y < 4; y++) assert.deepEqual(Array.from(crop.subarray(y * 4, y * 4 + 4)), [200, 200, 50, 50], `crop row ${y}`);
  const pad = (await load({ ...cfg, fit: 'pad' }, join(dir, 'cache'))).ds.bytes;
  // Scaled to 4x2 and centred: rows 1-2 hold it, rows 0 and 3 are padding.
  assert.deepEqual(Array.from(pad.subarray(0, 4)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(pad.subarray(12, 16)), [0, 0, 0, 0]);
  for (const y of [1, 2]) {
    const row = Array.from(pad.subarray(y * 4, y * 4 + 4));
    assert.ok(Math.abs(row[0]! - 200) <= 8 && Math.abs(row[3]! - 50) <= 8, `pad row ${y}: ${row}`);
  }

  // Colour: red left half, blue right half, cropped to the middle two columns, HWC.
  mkdirSync(join(dir, 'rgb'));
  const rgb = Buffer.alloc(4 * 2 * 3);
  for (let i = 0; i < 8; i++) rgb[i * 3 + (i % 4 < 2 ? 0 : 2)] = 255;
  await sharp(rgb, { raw: { width: 4, height: 2, channels: 3 } })
    .png()
    .toFile(join(dir, 'rgb', 'rb.png'));
  const colour = await load(folderCfg(join(dir, 'rgb'), { imageHeight: 2, imageWidth: 2, channels: 3 }), join(dir, 'cache'));
  assert.deepEqual(Array.from(colour.ds.bytes), [255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255]);
});

test('the cache: a second load decodes nothing; changing a file decodes again; a damaged cache is rebuilt', async (t) => {
  const dir = tempDir(t);
  const folder = join(dir, 'shapes');
  const cache = join(dir, 'cache');
  await makeImageFolder(folder, { count: 30, classes: 2 });
  const cfg = folderCfg(folder);
  const first = await load(cfg, cache);
  assert.equal(first.decoded, 30);
  const files = readdirSync(cache);
  assert.equal(files.length, 1, 'one cache file, no temporary left behind');
  // What a writer killed mid-write leaves: a temporary file, never the cache's own name.
  writeFileSync(join(cache, `${files[0]}.999-dead.tmp`), 'half a cache');
  const second = await load(cfg, cache);
  assert.equal(second.decoded, 0);
  assert.deepEqual(second.ds.bytes, first.ds.bytes);
  assert.deepEqual(second.ds.labels, first.ds.labels);
  assert.deepEqual(second.ds.classNames, first.ds.classNames);

  // Another size is another cache.
  assert.equal((await load({ ...cfg, imageHeight: 8, imageWidth: 8 }, cache)).decoded, 30);

  // A file rewritten (new content and time): a new fingerprint, and a decode.
  const target = join(folder, 'discs', 'batch-0', 'img-000000.png');
  await grey(20, 20, () => 255)
    .png()
    .toFile(target);
  utimesSync(target, new Date(), new Date(Date.now() + 5000));
  const changed = await load(cfg, cache);
  assert.equal(changed.decoded, 30);
  assert.notEqual(changed.ds.fingerprint, first.ds.fingerprint);

  // A truncated cache (a disk filled, a copy cut short) is noticed and rebuilt with the same bytes.
  for (const f of readdirSync(cache)) if (f.endsWith('.bin')) truncateSync(join(cache, f), 100);
  const reasons: string[] = [];
  const rebuilt = await load(cfg, cache, { unusableCache: (r) => reasons.push(r) });
  assert.equal(rebuilt.decoded, 30);
  assert.match(reasons.join(), /truncated|header/);
  assert.deepEqual(rebuilt.ds.bytes, changed.ds.bytes);
  assert.equal((await load(cfg, cache)).decoded, 0, 'the rebuilt cache is used');
});

test('a corrupt or unreadable image: refuse names it with the reason and caches nothing; skip lists it', async (t) => {
  const dir = tempDir(t);
  const folder = join(dir, 'shapes');
  const cache = join(dir, 'cache');
  await makeImageFolder(folder, { count: 20, classes: 2 });
  const corrupt = join(folder, 'discs', 'broken.png');
  writeFileSync(corrupt, 'this is not a PNG');
  const ghost = join(folder, 'squares', 'ghost.jpg');
  symlinkSync(join(dir, 'nowhere.jpg'), ghost);

  const refuse = folderCfg(folder, { badImages: 'refuse' });
  await rejects(load(refuse, cache), /broken\.png cannot be decoded: .*unsupported image format.*badImages to skip/);
  assert.ok(!existsSync(cache) || readdirSync(cache).length === 0, 'nothing cached when refused');

  const skip = await load(folderCfg(folder, { badImages: 'skip' }), cache);
  assert.equal(skip.ds.count, 20);
  assert.deepEqual(
    skip.ds.skipped!.map((s) => s.path),
    [corrupt, ghost],
  );
  assert.match(skip.ds.skipped![0]!.reason, /unsupported image format/);
  assert.match(skip.ds.skipped![1]!.reason, /missing|exist|no such file/i);
  // Labels stay with their images after the bad ones are left out.
  assert.equal(skip.ds.labels!.length, 20);

  // Refusing from the cache needs no decode, and says the same.
  let decoded = 0;
  await rejects(
    loadImageFolder(refuse, { cacheDir: cache, progress: (p) => void (p.phase === 'decoding' && decoded++) }),
    /broken\.png cannot be decoded.*\(and 1 more\)/,
  );
  assert.equal(decoded, 0);
});

test('missing, empty, non-image, mixed and wholly corrupt folders are refused, naming the folder', async (t) => {
  const dir = tempDir(t);
  const cache = join(dir, 'cache');
  const at = (name: string) => join(dir, name);
  await rejects(load(folderCfg(at('missing')), cache), /folder not found: .*missing/);
  mkdirSync(at('empty'));
  await rejects(load(folderCfg(at('empty')), cache), /empty is empty: an image folder needs \.png/);
  mkdirSync(at('text'));
  writeFileSync(join(at('text'), 'notes.txt'), 'hello');
  await rejects(load(folderCfg(at('text')), cache), /text holds no images \(1 other files\)/);
  writeFileSync(at('file.png'), 'x');
  await rejects(load(folderCfg(at('file.png')), cache), /file\.png is a file, not a folder/);
  mkdirSync(join(at('mixed'), 'cats'), { recursive: true });
  await grey(4, 4, () => 9)
    .png()
    .toFile(join(at('mixed'), 'cats', 'a.png'));
  await grey(4, 4, () => 9)
    .png()
    .toFile(join(at('mixed'), 'b.png'));
  await rejects(load(folderCfg(at('mixed')), cache), /both in sub-folders \(classes: cats\) and at its top level \(b\.png\)/);
  mkdirSync(at('junk'));
  writeFileSync(join(at('junk'), 'a.png'), 'no');
  await rejects(load(folderCfg(at('junk'), { badImages: 'skip' }), cache), /none of the 1 images in .*junk could be decoded/);
  // Through loadDataset, errors point at the folder's setting.
  await assert.rejects(loadDataset(folderCfg(at('missing'))), (e: unknown) => (e as AppFailure).appError.field === 'data.path');
});

test('a colour folder splits into byte subsets and draws float batches of height x width x 3', async (t) => {
  const dir = tempDir(t);
  await makeImageFolder(join(dir, 'c'), { count: 40, classes: 2 });
  const cfg = folderCfg(join(dir, 'c'), { channels: 3, heldOutFraction: 0.25, imageHeight: 8, imageWidth: 8 });
  const { ds } = await load(cfg, join(dir, 'cache'));
  const split = prepareSplit(ds, cfg, 3);
  assert.ok(isByteDataset(split.train) && isByteDataset(split.heldOut), 'subsets stay bytes');
  assert.equal(split.train.bytes.length, 30 * 8 * 8 * 3);
  assert.equal(split.heldOut.channels, 3);
  const out = new Float32Array(4 * 8 * 8 * 3);
  const batch = drawBatch(split.train, null, 0, 4, out, null);
  assert.equal(batch.length, 4 * 192);
  assert.equal(batch[191], Math.fround(split.train.bytes[191]! / 255));
});

test('a second folder is the test split: decoded alike, evaluated on, its classes must match', async (t) => {
  const dir = tempDir(t);
  await makeImageFolder(join(dir, 'train'), { count: 30, classes: 3, seed: 1 });
  await makeImageFolder(join(dir, 'test'), { count: 12, classes: 3, seed: 2 });
  await makeImageFolder(join(dir, 'two'), { count: 8, classes: 2, seed: 3 });
  const cfg = folderCfg(join(dir, 'train'), { channels: 3, testPath: join(dir, 'test') });
  const ds = await loadDataset(cfg, undefined, { cacheDir: join(dir, 'cache') });
  assert.equal(ds.count, 30);
  assert.equal(ds.test?.count, 12);
  assert.equal(ds.test?.channels, 3);
  assert.deepEqual(ds.test?.classNames, ['discs', 'squares', 'stripes']);
  const alone = await loadDataset({ ...cfg, testPath: '' }, undefined, { cacheDir: join(dir, 'cache') });
  assert.notEqual(ds.fingerprint, alone.fingerprint, 'the test folder is part of the fingerprint');
  const split = prepareSplit(ds, cfg, 1);
  assert.equal(split.evaluation, 'test');
  assert.equal(split.train.count, 30, 'every training image is trained on');
  assert.equal(split.heldOut.count, 12);
  await assert.rejects(
    loadDataset({ ...cfg, testPath: join(dir, 'two') }, undefined, { cacheDir: join(dir, 'cache') }),
    (e: unknown) =>
      e instanceof AppFailure &&
      e.appError.field === 'data.testPath' &&
      /^test folder: .*two has classes discs, squares, the training folder .* has discs, squares, stripes/.test(e.message),
  );
  assert.equal(readdirSync(join(dir, 'cache')).length, 2, 'refused before the mismatched folder was decoded');
  // The CLI keeps a relative --test folder as an absolute path, as it does --data: the stored run must find it.
  const built = buildConfig({ sets: [], data: join(dir, 'train'), test: relative(process.cwd(), join(dir, 'test')) });
  assert.equal(built.data.testPath, join(dir, 'test'));
  await assert.rejects(
    loadDataset({ ...cfg, testPath: join(dir, 'nowhere') }, undefined, { cacheDir: join(dir, 'cache') }),
    (e: unknown) =>
      e instanceof AppFailure && e.appError.field === 'data.testPath' && /^test folder: folder not found/.test(e.message),
  );
});

test('settings: 3 channels and fit are for folders; a folder may name a test folder, not itself', () => {
  const base = { ...DEFAULT_CONFIG, data: { ...DEFAULT_CONFIG.data, source: 'folder', path: '/x' } };
  assert.equal(validateConfig({ ...base, data: { ...base.data, channels: 3 } }).ok, true);
  const csv = validateConfig({ ...base, data: { ...base.data, source: 'csv', channels: 3 } });
  assert.ok(!csv.ok && /3 channels need an image folder/.test(csv.error.message));
  assert.equal(validateConfig({ ...base, data: { ...base.data, testPath: '/y' } }).ok, true);
  const test = validateConfig({ ...base, data: { ...base.data, testPath: '/x' } });
  assert.ok(!test.ok && test.error.field === 'data.testPath');
  const fit = validateConfig({ ...base, data: { ...base.data, fit: 'stretch' } });
  assert.ok(!fit.ok && fit.error.field === 'data.fit');
});
