// The store-only ZIP writer, checked by an independent reader: Python's zipfile tests every CRC,
// lists the names, and extracts files whose bytes must come back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderEntries, zipChunks } from '../src/main/export/zip.ts';
import { tempDir } from './helpers.ts';

function zipfile(...args: string[]): string {
  const r = spawnSync('python3', ['-m', 'zipfile', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `python3 -m zipfile ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('ZIP: a folder packs into an archive Python tests, lists and extracts byte for byte', (t) => {
  const dir = tempDir(t);
  const src = join(dir, 'src');
  mkdirSync(join(src, 'encoder'), { recursive: true });
  mkdirSync(join(src, 'empty'));
  const weights = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
  writeFileSync(join(src, 'manifest.json'), '{"ok":true}\n');
  writeFileSync(join(src, 'encoder', 'weights.bin'), weights);
  writeFileSync(join(src, 'encoder', 'model.json'), '{}');
  writeFileSync(join(src, 'zero.bin'), new Uint8Array(0));
  writeFileSync(join(src, 'ünïcode €.txt'), 'names are UTF-8\n');

  const entries = folderEntries(src);
  assert.deepEqual(
    entries.map((e) => e.name),
    ['encoder/model.json', 'encoder/weights.bin', 'manifest.json', 'zero.bin', 'ünïcode €.txt'],
  );
  const zip = join(dir, 'out.zip');
  writeFileSync(zip, Buffer.concat(zipChunks(entries, new Date(2026, 10, 24, 11, 43, 36))));

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
});

test('ZIP: an empty archive is valid; names that could escape the folder are refused', (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'empty.zip');
  writeFileSync(zip, Buffer.concat(zipChunks([])));
  assert.match(zipfile('-t', zip), /Done testing/);
  for (const name of ['../x', '/abs', 'a\\b', '', 'a/../../b'])
    assert.throws(() => zipChunks([{ name, data: new Uint8Array(1) }]), /relative path/, name);
});
