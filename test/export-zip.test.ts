// The export's ZIP (fflate), checked by independent readers: Python's zipfile tests every CRC, lists
// the names and how each is compressed, and extracts files whose bytes must come back unchanged;
// fflate's own unzip reads it back too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { folderEntries, zipEntries } from '../src/main/export/zip.ts';
import { tempDir } from './helpers.ts';

function zipfile(...args: string[]): string {
  const r = spawnSync('python3', ['-m', 'zipfile', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python3 -m zipfile ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('ZIP: a folder packs into an archive Python tests, lists and extracts byte for byte; text deflated, PNG and weights stored', async (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'src');
  mkdirSync(join(src, 'encoder'), { recursive: true });
  mkdirSync(join(src, 'empty'));
  const weights = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
  writeFileSync(join(src, 'manifest.json'), '{"ok":true}\n');
  writeFileSync(join(src, 'encoder', 'weights.bin'), weights);
  writeFileSync(join(src, 'encoder', 'model.json'), `{"layers": [${'{"class_name": "Dense"}, '.repeat(200)}{}]}`);
  const png = new Uint8Array(5_000).map((_, i) => (i * 31) % 251);
  writeFileSync(join(src, 'samples.png'), png);
  writeFileSync(join(src, 'zero.bin'), new Uint8Array(0));
  // Past fflate's 160,000 bytes, a file is deflated in a worker thread rather than inline.
  const steps = Array.from({ length: 12_000 }, (_, i) => `${i},1,${(100 - i / 1000).toFixed(4)}\n`).join('');
  assert.ok(steps.length > 160_000);
  writeFileSync(join(src, 'steps.csv'), steps);
  writeFileSync(join(src, 'ünïcode €.txt'), 'names are UTF-8\n');

  const entries = folderEntries(src);
  assert.deepEqual(
    entries.map((e) => e.name),
    ['encoder/model.json', 'encoder/weights.bin', 'manifest.json', 'samples.png', 'steps.csv', 'zero.bin', 'ünïcode €.txt'],
  );
  const zip = join(dir, 'out.zip');
  const archive = await zipEntries(entries, new Date(2026, 10, 24, 11, 43, 36));
  writeFileSync(zip, archive);

  assert.match(zipfile('-t', zip), /Done testing/);
  const listing = zipfile('-l', zip);
  for (const name of entries.map((e) => e.name)) assert.ok(listing.includes(name), `${name} is listed:\n${listing}`);
  assert.match(listing, /2026-11-24 11:43:36/, 'the DOS date and time are encoded');

  const out = join(dir, 'extracted');
  zipfile('-e', zip, out);
  assert.deepEqual(new Uint8Array(readFileSync(join(out, 'encoder', 'weights.bin'))), weights);
  assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), '{"ok":true}\n');
  assert.equal(readFileSync(join(out, 'ünïcode €.txt'), 'utf8'), 'names are UTF-8\n');
  assert.equal(readFileSync(join(out, 'zero.bin')).length, 0);

  // How each entry is kept, read from the central directory by Python: method 8 deflate, 0 stored.
  const methods = JSON.parse(
    spawnSync(
      'python3',
      [
        '-c',
        'import sys, zipfile, json; print(json.dumps({i.filename: [i.compress_type, i.compress_size] for i in zipfile.ZipFile(sys.argv[1]).infolist()}))',
        zip,
      ],
      { encoding: 'utf8' },
    ).stdout,
  ) as Record<string, [number, number]>;
  assert.equal(methods['encoder/model.json']![0], 8);
  assert.ok(
    methods['encoder/model.json']![1] < 200,
    `the repetitive JSON deflates, to ${methods['encoder/model.json']![1]} bytes`,
  );
  assert.deepEqual(methods['samples.png'], [0, 5_000]);
  assert.equal(methods['steps.csv']![0], 8);
  assert.ok(methods['steps.csv']![1] < steps.length / 3, 'the large CSV deflates');
  assert.deepEqual(methods['encoder/weights.bin'], [0, 70_000]);

  const unzipped = unzipSync(archive);
  assert.deepEqual(Object.keys(unzipped).sort(), entries.map((e) => e.name).sort());
  for (const e of entries) assert.deepEqual(unzipped[e.name], new Uint8Array(e.data), e.name);
});

test('ZIP: an empty archive is valid; names that could escape the folder are refused', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'empty.zip');
  writeFileSync(zip, await zipEntries([]));
  assert.match(zipfile('-t', zip), /Done testing/);
  for (const name of ['../x', '/abs', 'a\\b', '', 'a/../../b'])
    await assert.rejects(zipEntries([{ name, data: new Uint8Array(1) }]), /relative path/, name);
});
