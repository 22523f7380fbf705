import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { DataConfig } from '../src/shared/config.ts';
import { AppFailure } from '../src/shared/result.ts';
import { makeRng, shuffleInPlace } from '../src/shared/random.ts';
import { idxImagesFile, idxLabelsFile } from './fixtures/idx-files.ts';
import { heldOutCount, labelsFileCandidates, loadDataset, prepareSplit, type Dataset } from '../src/main/data/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'vae-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cfg(over: Partial<DataConfig> = {}): DataConfig {
  return {
    source: 'csv',
    path: '',
    labelsPath: '',
    labels: [],
    heldOutFraction: 0.1,
    limit: 0,
    imageHeight: 28,
    imageWidth: 28,
    testPath: '',
    binarization: 'none',
    channels: 1,
    fit: 'crop',
    badImages: 'refuse',
    validationFraction: 0.1,
    ...over,
  };
}

function write(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** Deterministic test pixels: image i, pixel p. */
const pixel = (i: number, p: number) => (i * 37 + p * 11) % 256;

function csvRows(count: number, h = 28, w = 28): string[] {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const fields = [String(i % 10)];
    for (let p = 0; p < h * w; p++) fields.push(String(pixel(i, p)));
    rows.push(fields.join(','));
  }
  return rows;
}

function csvHeader(h = 28, w = 28): string {
  const names = ['label'];
  for (let r = 1; r <= h; r++) for (let c = 1; c <= w; c++) names.push(`${r}x${c}`);
  return names.join(',');
}

function idxImages(count: number, h: number, w: number): Uint8Array {
  return idxImagesFile(count, h, w, pixel);
}

function idxLabels(count: number): Uint8Array {
  return idxLabelsFile(count, (i) => (i * 3) % 10);
}

function assertPixels(ds: Dataset, count: number): void {
  const size = ds.height * ds.width;
  assert.equal(ds.images.length, count * size);
  for (let i = 0; i < count; i++) {
    for (const p of [0, 1, size - 1, Math.floor(size / 2)]) {
      assert.equal(ds.images[i * size + p], Math.fround(pixel(i, p) / 255), `image ${i} pixel ${p}`);
    }
  }
}

/** Asserts an AppFailure 'bad-data' whose message matches every pattern. */
async function rejectsBadData(run: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof AppFailure, `expected AppFailure, got ${String(e)}`);
    assert.equal(e.appError.code, 'bad-data', e.message);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
}

const esc = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

describe('CSV', () => {
  test('with a header: shape, pixels /255, labels, stable fingerprint', async () => {
    const path = write('mnist_train.csv', [csvHeader(), ...csvRows(5)].join('\n') + '\n');
    const ds = await loadDataset(cfg({ path }));
    assert.equal(ds.name, 'mnist_train.csv');
    assert.deepEqual([ds.count, ds.height, ds.width], [5, 28, 28]);
    assertPixels(ds, 5);
    assert.deepEqual(Array.from(ds.labels ?? []), [0, 1, 2, 3, 4]);
    assert.match(ds.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal((await loadDataset(cfg({ path }))).fingerprint, ds.fingerprint);
  });

  test('without a header, with CRLF, blank lines and no final newline', async () => {
    const path = write('noheader.csv', csvRows(4).join('\r\n') + '\r\n\r\n');
    const ds = await loadDataset(cfg({ path }));
    assert.equal(ds.count, 4);
    assertPixels(ds, 4);
    const bare = await loadDataset(cfg({ path: write('bare.csv', csvRows(3).join('\n')) }));
    assert.equal(bare.count, 3);
    assertPixels(bare, 3);
  });

  test('gzipped, and other image sizes', async () => {
    const path = write('small.csv.gz', gzipSync([csvHeader(8, 10), ...csvRows(3, 8, 10)].join('\n')));
    const ds = await loadDataset(cfg({ path, imageHeight: 8, imageWidth: 10 }));
    assert.deepEqual([ds.count, ds.height, ds.width], [3, 8, 10]);
    assertPixels(ds, 3);
  });

  test('grows its arrays past the initial estimate', async () => {
    // A gzipped file gives no size estimate, so 1,100 rows pass the first 1,024-row allocation.
    const path = write('many.csv.gz', gzipSync(csvRows(1100, 8, 8).join('\n')));
    const ds = await loadDataset(cfg({ path, imageHeight: 8, imageWidth: 8 }));
    assert.equal(ds.count, 1100);
    assertPixels(ds, 1100);
    assert.equal(ds.labels?.[1099], 9);
  });

  /** Writes a 28x28 CSV with a header whose data row `row` (0-based) has field `col` replaced. */
  function csvWith(name: string, row: number, col: number, value: string): string {
    const rows = csvRows(3);
    const fields = rows[row]!.split(',');
    fields[col] = value;
    rows[row] = fields.join(',');
    return write(name, [csvHeader(), ...rows].join('\n') + '\n');
  }

  test('wrong column count names the line and both counts', async () => {
    const rows = csvRows(3);
    rows[1] = rows[1]!.split(',').slice(0, 784).join(',');
    const path = write('short-row.csv', [csvHeader(), ...rows].join('\n'));
    await rejectsBadData(() => loadDataset(cfg({ path })), esc(path), /line 3\b/, /784 columns/, /expected 785/);
    const header = write('bad-header.csv', ['label,1x1,1x2', ...csvRows(1)].join('\n'));
    await rejectsBadData(() => loadDataset(cfg({ path: header })), /bad-header\.csv/, /line 1 \(header\)/, /3 columns/);
  });

  test('image size not matching the config', async () => {
    const path = write('size.csv', csvRows(2).join('\n'));
    await rejectsBadData(
      () => loadDataset(cfg({ path, imageHeight: 16, imageWidth: 16 })),
      /size\.csv/,
      /line 1\b/,
      /785 columns, expected 257/,
      /16x16/,
    );
  });

  test('non-numeric value names line and column', async () => {
    // Field 1 + (11*28 + 4) is pixel row 12, column 5.
    const path = csvWith('nonnumeric.csv', 1, 1 + 11 * 28 + 4, 'abc');
    await rejectsBadData(() => loadDataset(cfg({ path })), /nonnumeric\.csv/, /line 3, column 12x5/, /"abc" is not a number/);
    const noHeader = write(
      'nonnumeric-noheader.csv',
      csvRows(2)
        .join('\n')
        .replace(/,(\d+),(\d+)$/, ',$1,7 8'),
    );
    await rejectsBadData(() => loadDataset(cfg({ path: noHeader })), /line 2, column 28x28/, /space inside a number/);
  });

  test('pixel outside 0..255 or not an integer', async () => {
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('p256.csv', 2, 3, '256') })),
      /p256\.csv/,
      /line 4, column 1x3/,
      /pixel value 256 is outside 0\.\.255/,
    );
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('neg.csv', 0, 700, '-1') })),
      /neg\.csv/,
      /line 2, column 25x28/,
      /-1 is outside/,
    );
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('frac.csv', 0, 10, '0.5') })),
      /frac\.csv/,
      /line 2, column 1x10/,
      /"0\.5" is not an integer/,
    );
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('empty-field.csv', 1, 5, '') })),
      /line 3, column 1x5/,
      /empty value/,
    );
    // Integral decimals, as pandas writes them, are accepted.
    const ok = await loadDataset(cfg({ path: csvWith('float-ints.csv', 0, 1, '12.0') }));
    assert.equal(ok.images[0], Math.fround(12 / 255));
  });

  test('bad labels', async () => {
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('lab-x.csv', 1, 0, 'seven') })),
      /lab-x\.csv/,
      /line 3, column label/,
      /"seven" is not a number/,
    );
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('lab-neg.csv', 0, 0, '-2') })),
      /line 2, column label/,
      /label -2 is outside/,
    );
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('lab-frac.csv', 2, 0, '2.5') })),
      /line 4, column label/,
      /label "2\.5" is not an integer/,
    );
    await rejectsBadData(
      () => loadDataset(cfg({ path: csvWith('lab-big.csv', 2, 0, '1000') })),
      /line 4, column label/,
      /label 1000 is outside/,
    );
  });

  test('missing, empty, header-only and corrupt gzip files', async () => {
    const missing = join(dir, 'nope.csv');
    await rejectsBadData(() => loadDataset(cfg({ path: missing })), new RegExp(`file not found: ${esc(missing).source}`));
    await rejectsBadData(() => loadDataset(cfg({ path: write('empty.csv', '') })), /empty\.csv is empty/);
    await rejectsBadData(
      () => loadDataset(cfg({ path: write('header-only.csv', csvHeader() + '\n') })),
      /header-only\.csv/,
      /no data rows/,
    );
    const gz = gzipSync(csvRows(20).join('\n'));
    gz.fill(0x55, 40, 120);
    await rejectsBadData(() => loadDataset(cfg({ path: write('corrupt.csv.gz', gz) })), /corrupt\.csv\.gz/, /gzip/);
    await rejectsBadData(() => loadDataset(cfg({ path: dir })), /is a directory/);
  });

  test('an empty path is a config error, not a data error', async () => {
    await assert.rejects(
      () => loadDataset(cfg({ path: '' })),
      (e: unknown) => {
        assert.ok(e instanceof AppFailure);
        assert.equal(e.appError.code, 'invalid-config');
        assert.equal(e.appError.field, 'data.path');
        return true;
      },
    );
  });
});

describe('IDX', () => {
  const idx = (over: Partial<DataConfig>) => cfg({ source: 'idx', imageHeight: 6, imageWidth: 5, ...over });

  test('raw, with labels found beside (dash and dot names)', async () => {
    const path = write('train-images-idx3-ubyte', idxImages(7, 6, 5));
    write('train-labels-idx1-ubyte', idxLabels(7));
    const ds = await loadDataset(idx({ path }));
    assert.deepEqual([ds.name, ds.count, ds.height, ds.width], ['train-images-idx3-ubyte', 7, 6, 5]);
    assertPixels(ds, 7);
    assert.deepEqual(Array.from(ds.labels ?? []), [0, 3, 6, 9, 2, 5, 8]);

    const dotted = write('t10k-images.idx3-ubyte', idxImages(4, 6, 5));
    write('t10k-labels.idx1-ubyte', idxLabels(4));
    assert.deepEqual(Array.from((await loadDataset(idx({ path: dotted }))).labels ?? []), [0, 3, 6, 9]);
  });

  test('gzipped (detected by content), labels beside gzipped or not', async () => {
    const path = write('fashion-images-idx3-ubyte.gz', gzipSync(idxImages(9, 6, 5)));
    const labels = write('fashion-labels-idx1-ubyte.gz', gzipSync(idxLabels(9)));
    const ds = await loadDataset(idx({ path }));
    assertPixels(ds, 9);
    assert.equal(ds.labels?.length, 9);
    assert.equal((await loadDataset(idx({ path }))).fingerprint, ds.fingerprint);
    // The files as stored, images then labels: what runs recorded, so a resume still recognises them.
    const stored = createHash('sha256').update(readFileSync(path)).update(readFileSync(labels)).digest('hex');
    assert.equal(ds.fingerprint, stored);

    const mixed = write('mixed-images-idx3-ubyte.gz', gzipSync(idxImages(3, 6, 5)));
    write('mixed-labels-idx1-ubyte', idxLabels(3));
    assert.equal((await loadDataset(idx({ path: mixed }))).labels?.length, 3);

    // A gzipped file without the .gz suffix still loads.
    const unsuffixed = write('plain-name-images', gzipSync(idxImages(2, 6, 5)));
    assertPixels(await loadDataset(idx({ path: unsuffixed })), 2);
  });

  test('explicit labels path; no labels file means null labels', async () => {
    const path = write('digits.idx', idxImages(5, 6, 5));
    const labelsPath = write('my labels.bin', idxLabels(5));
    const ds = await loadDataset(idx({ path, labelsPath }));
    assert.deepEqual(Array.from(ds.labels ?? []), [0, 3, 6, 9, 2]);
    const unlabelled = await loadDataset(idx({ path }));
    assert.equal(unlabelled.labels, null);
    assert.notEqual(unlabelled.fingerprint, ds.fingerprint);
    await rejectsBadData(() => loadDataset(idx({ path, labelsPath: join(dir, 'gone.idx') })), /file not found: .*gone\.idx/);
  });

  test('labels file candidates', () => {
    const names = (p: string) => labelsFileCandidates(p).map((c) => basename(c));
    assert.deepEqual(names('/d/train-images-idx3-ubyte.gz'), ['train-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte']);
    assert.deepEqual(names('/d/t10k-images.idx3-ubyte'), ['t10k-labels.idx1-ubyte', 't10k-labels.idx1-ubyte.gz']);
    assert.deepEqual(names('/d/emnist-letters-test-images-idx3-ubyte'), [
      'emnist-letters-test-labels-idx1-ubyte',
      'emnist-letters-test-labels-idx1-ubyte.gz',
    ]);
    assert.deepEqual(names('/d/digits.idx'), []);
  });

  test('truncated files name the byte offsets', async () => {
    const full = idxImages(4, 6, 5);
    const path = write('trunc-images-idx3-ubyte', full.subarray(0, full.length - 7));
    await rejectsBadData(
      () => loadDataset(idx({ path })),
      /trunc-images-idx3-ubyte/,
      /truncated/,
      /4 images of 6x5/,
      /byte offset 136/,
      /byte offset 129/,
    );
    const header = write('stub-images', full.subarray(0, 10));
    await rejectsBadData(() => loadDataset(idx({ path: header })), /stub-images/, /truncated at byte offset 10/);
    const gz = write('gz-trunc-images', gzipSync(full.subarray(0, 100)));
    await rejectsBadData(() => loadDataset(idx({ path: gz })), /gz-trunc-images/, /byte offset 100 \(after gunzip\)/);
    const extra = write('extra-images', Buffer.concat([full, Buffer.from([1, 2, 3])]));
    await rejectsBadData(() => loadDataset(idx({ path: extra })), /extra-images/, /3 unexpected bytes/, /byte offset 136/);

    const images = write('tl-images-idx3-ubyte', full);
    const labels = idxLabels(4);
    write('tl-labels-idx1-ubyte', labels.subarray(0, 10));
    await rejectsBadData(
      () => loadDataset(idx({ path: images })),
      /tl-labels-idx1-ubyte/,
      /truncated/,
      /4 labels/,
      /byte offset 12/,
    );
  });

  test('wrong magic number', async () => {
    const path = write('swapped-images', idxLabels(4));
    await rejectsBadData(
      () => loadDataset(idx({ path })),
      /swapped-images/,
      /wrong magic number 0x00000801 at byte offset 0/,
      /expected 0x00000803/,
      /labels file/,
    );
    const junk = write('junk.idx', Buffer.from('hello, world, this is text'));
    await rejectsBadData(() => loadDataset(idx({ path: junk })), /junk\.idx/, /magic number/, /not an IDX file/);
    const images = write('m-images-idx3-ubyte', idxImages(4, 6, 5));
    write('m-labels-idx1-ubyte', idxImages(4, 6, 5));
    await rejectsBadData(() => loadDataset(idx({ path: images })), /m-labels-idx1-ubyte/, /0x00000803/, /expected 0x00000801/);
  });

  test('image size not matching the config; labels count not matching images', async () => {
    const path = write('big-images', idxImages(2, 28, 28));
    await rejectsBadData(() => loadDataset(idx({ path })), /big-images/, /images are 28x28/, /byte offset 8/, /expects 6x5/);
    const images = write('n-images-idx3-ubyte', idxImages(5, 6, 5));
    write('n-labels-idx1-ubyte', idxLabels(6));
    await rejectsBadData(
      () => loadDataset(idx({ path: images })),
      /n-labels-idx1-ubyte/,
      /6 labels/,
      /byte offset 4/,
      /n-images-idx3-ubyte has 5 images/,
    );
  });

  test('empty and corrupt gzip files', async () => {
    await rejectsBadData(() => loadDataset(idx({ path: write('zero-images', '') })), /zero-images is empty/);
    const gz = gzipSync(idxImages(50, 6, 5));
    gz.fill(0, 30, 60);
    await rejectsBadData(() => loadDataset(idx({ path: write('bad-images.gz', gz) })), /bad-images\.gz/, /gzip/, /corrupt/);
    await rejectsBadData(() => loadDataset(idx({ path: write('cut-images.gz', gz.subarray(0, 20)) })), /cut-images\.gz/, /gzip/);
  });
});

describe('built-in MNIST', () => {
  // The standard split's counts, labels and fingerprint: test/data-splits.test.ts.
  test('rejects a config image size other than 28x28', async () => {
    await rejectsBadData(() => loadDataset(cfg({ source: 'builtin-mnist', imageHeight: 32, imageWidth: 32 })), /28x28/, /32x32/);
  });
});

describe('prepareSplit', () => {
  function synthetic(n: number, withLabels = true): Dataset {
    const images = new Float32Array(n * 4);
    for (let i = 0; i < images.length; i++) images[i] = (i % 97) / 96;
    const labels = withLabels ? Int32Array.from({ length: n }, (_, i) => i % 10) : null;
    return { name: 'synthetic', fingerprint: 'f'.repeat(64), count: n, height: 2, width: 2, images, labels };
  }
  const split = (over: Partial<DataConfig>) => cfg({ imageHeight: 2, imageWidth: 2, ...over });

  test('deterministic from the seed; parts are disjoint, cover the data, and copy it', () => {
    const ds = synthetic(200);
    const a = prepareSplit(ds, split({ heldOutFraction: 0.1 }), 7);
    const b = prepareSplit(ds, split({ heldOutFraction: 0.1 }), 7);
    const c = prepareSplit(ds, split({ heldOutFraction: 0.1 }), 8);
    assert.deepEqual(a.heldOutIndices, b.heldOutIndices);
    assert.deepEqual(a.train.images, b.train.images);
    assert.notDeepEqual(a.heldOutIndices, c.heldOutIndices);
    assert.equal(a.heldOut.count, 20);
    assert.equal(a.train.count, 180);
    const all = [...a.trainIndices, ...a.heldOutIndices].sort((x, y) => x - y);
    assert.deepEqual(
      all,
      Array.from({ length: 200 }, (_, i) => i),
    );
    for (let k = 0; k < a.heldOut.count; k++) {
      const i = a.heldOutIndices[k]!;
      assert.deepEqual(a.heldOut.images.subarray(k * 4, k * 4 + 4), ds.images.subarray(i * 4, i * 4 + 4));
      assert.equal(a.heldOut.labels?.[k], ds.labels?.[i]);
    }
    a.train.images[0] = 42;
    assert.notEqual(ds.images[a.trainIndices[0]! * 4], 42);
  });

  test('held-out size', () => {
    assert.equal(heldOutCount(100, 0.1), 10);
    assert.equal(heldOutCount(100, 0.004), 1);
    assert.equal(heldOutCount(100, 0), 0);
    assert.equal(heldOutCount(2, 0.5), 1);
    assert.equal(heldOutCount(3, 0.5), 2);
    assert.equal(heldOutCount(1, 0.5), 0);
    const s = prepareSplit(synthetic(5), split({ heldOutFraction: 0.01 }), 1);
    assert.deepEqual([s.train.count, s.heldOut.count], [4, 1]);
    const none = prepareSplit(synthetic(5), split({ heldOutFraction: 0 }), 1);
    assert.deepEqual([none.train.count, none.heldOut.count, none.heldOut.images.length], [5, 0, 0]);
  });

  test('label filter and limit', () => {
    const ds = synthetic(300);
    const only = prepareSplit(ds, split({ labels: [3, 5], heldOutFraction: 0.2 }), 1);
    assert.equal(only.train.count + only.heldOut.count, 60);
    assert.equal(only.heldOut.count, 12);
    for (const l of [...(only.train.labels ?? []), ...(only.heldOut.labels ?? [])]) assert.ok(l === 3 || l === 5);

    const limited = prepareSplit(ds, split({ labels: [3, 5], limit: 25, heldOutFraction: 0.2 }), 1);
    assert.deepEqual([limited.train.count, limited.heldOut.count], [20, 5]);
    const used = (s: typeof limited) => new Set([...s.trainIndices, ...s.heldOutIndices]);
    // A smaller limit picks a subset of a larger one's images (same seed), and not simply the first ones.
    const small = used(prepareSplit(ds, split({ limit: 10 }), 4));
    const large = used(prepareSplit(ds, split({ limit: 40 }), 4));
    assert.ok([...small].every((i) => large.has(i)));
    assert.notDeepEqual(
      [...small].sort((x, y) => x - y),
      Array.from({ length: 10 }, (_, i) => i),
    );
    assert.notDeepEqual(small, used(prepareSplit(ds, split({ limit: 10 }), 5)));
    assert.equal(prepareSplit(ds, split({ limit: 1000 }), 4).train.count, 270);
  });

  test('filter errors', () => {
    assert.throws(
      () => prepareSplit(synthetic(10, false), split({ labels: [1] }), 1),
      (e: unknown) => {
        assert.ok(e instanceof AppFailure && e.appError.code === 'bad-data');
        assert.match(e.message, /synthetic has no labels/);
        return true;
      },
    );
    assert.throws(
      () => prepareSplit(synthetic(10), split({ labels: [11, 12] }), 1),
      (e: unknown) => {
        assert.ok(e instanceof AppFailure && e.appError.code === 'bad-data');
        assert.match(e.message, /no images .* labels \[11, 12\].*\[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\]/);
        return true;
      },
    );
    const unlabelled = prepareSplit(synthetic(10, false), split({}), 1);
    assert.equal(unlabelled.train.labels, null);
    assert.throws(() => prepareSplit(synthetic(10), split({ imageHeight: 28 }), 1), /2x2 images, but the config expects 28x2/);
  });
});

describe('random', () => {
  test('makeRng is seeded, in [0,1), and shuffleInPlace permutes', () => {
    const a = makeRng(123);
    const b = makeRng(123);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(
      xs,
      Array.from({ length: 1000 }, () => b()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.ok(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5) < 0.05);
    assert.notEqual(makeRng(124)(), makeRng(123)());
    const arr = Uint32Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(arr, makeRng(1));
    assert.notDeepEqual(
      Array.from(arr),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.deepEqual(
      Array.from(arr).sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});

test('data errors name the setting at fault, for forms', async () => {
  const { loadDataset } = await import('../src/main/data/index.ts');
  const { DEFAULT_CONFIG } = await import('../src/shared/presets.ts');
  const missing = { ...DEFAULT_CONFIG.data, source: 'csv' as const, path: '/nonexistent/x.csv' };
  await assert.rejects(
    loadDataset(missing),
    (e: AppFailure) => e.appError.field === 'data.path' && /file not found/.test(e.message),
  );
});

describe('limits on what a data file may make the app read', () => {
  const idx = (over: Partial<DataConfig>) => cfg({ source: 'idx', imageHeight: 6, imageWidth: 5, ...over });
  /**
   * `count` gzip members that each inflate to `mb` MiB of zeros: gunzip reads concatenated members as
   * one stream, so a file of a few hundred KiB inflates to hundreds of MiB.
   */
  const zerosBomb = (mb: number, count: number) => {
    const member = gzipSync(Buffer.alloc(mb << 20), { level: 9 });
    return Buffer.concat(Array.from({ length: count }, () => member));
  };

  test('a gzipped IDX inflates no further than its header implies', async () => {
    const bomb = zerosBomb(16, 16); // 256 MiB of zeros after a header that says 2 images of 6x5
    assert.ok(bomb.length < 1 << 20);
    const path = write('bomb-images-idx3-ubyte.gz', Buffer.concat([gzipSync(idxImages(2, 6, 5)), bomb]));
    await rejectsBadData(
      () => loadDataset(idx({ path })),
      /bomb-images-idx3-ubyte\.gz/,
      /inflates to more than 76 bytes/,
      /the header says 2 images of 6x5/,
    );
    // The same for a labels file beside good images.
    const images = write('lbomb-images-idx3-ubyte', idxImages(2, 6, 5));
    write('lbomb-labels-idx1-ubyte.gz', Buffer.concat([gzipSync(idxLabels(2)), bomb]));
    await rejectsBadData(
      () => loadDataset(idx({ path: images })),
      /lbomb-labels-idx1-ubyte\.gz/,
      /inflates to more than 10 bytes/,
      /2 labels/,
    );
  });

  test('an IDX header that claims more than the limit is refused from the header', async () => {
    const path = write('many-images-idx3-ubyte.gz', gzipSync(idxImages(1000, 6, 5)));
    const small = { idxBytes: 10_000, csvBytes: 10_000 };
    await rejectsBadData(
      () => loadDataset(idx({ path }), small),
      /many-images-idx3-ubyte\.gz/,
      /1000 images of 6x5, 30016 bytes, more than the 10000 bytes/,
    );
    assert.equal((await loadDataset(idx({ path }))).count, 1000);
  });

  test('a huge sparse IDX is refused from its header, before it is read', async (t) => {
    const header = idxImages(1, 6, 5).subarray(0, 16);
    const claims = write('sparse-claims-images', header);
    new DataView(header.buffer, header.byteOffset).setUint32(4, 2 ** 31); // 2^31 images: 60 GiB
    writeFileSync(claims, header);
    truncateSync(claims, 16 + 2 ** 31 * 30);
    t.after(() => rmSync(claims, { force: true }));
    await rejectsBadData(
      () => loadDataset(idx({ path: claims })),
      /sparse-claims-images/,
      /says 2147483648 images of 6x5, 64424509456 bytes, more than the 1073741824 bytes/,
    );
    // A small header on a huge file: the size on disk gives it away.
    const padded = write('sparse-padded-images', idxImages(2, 6, 5));
    truncateSync(padded, 8 * 1024 ** 3);
    t.after(() => rmSync(padded, { force: true }));
    await rejectsBadData(
      () => loadDataset(idx({ path: padded })),
      /sparse-padded-images/,
      /8589934516 unexpected bytes after the data, from byte offset 76/,
    );
  });

  test('a gzipped CSV inflates no further than the CSV limit, which is configurable', async () => {
    const rows = gzipSync(`${csvRows(50).join('\n')}\n`, { level: 9 });
    const path = write('bomb.csv.gz', Buffer.concat(Array.from({ length: 400 }, () => rows))); // ~30 MiB of CSV
    const small = { idxBytes: 1 << 20, csvBytes: 1 << 20 };
    await rejectsBadData(() => loadDataset(cfg({ path }), small), /bomb\.csv\.gz/, /inflates to more than 1048576 bytes/);
    const plain = write('big.csv', `${csvRows(500).join('\n')}\n`);
    await rejectsBadData(
      () => loadDataset(cfg({ path: plain }), small),
      /big\.csv has \d+ bytes, more than the 1048576 a CSV file may hold here/,
    );
    assert.equal((await loadDataset(cfg({ path: plain }))).count, 500);
  });
});
