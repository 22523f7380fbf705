// An image folder end to end through the CLI: `--data DIR` trains a grayscale MLP on it (a real
// worker, a real database), the first load decodes and says so, and the run keeps its class names
// and the file it skipped. Refusing, the cache and the rest are in image-folder.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeImageFolder } from '../scripts/make-image-folder.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { tempDir } from './helpers.ts';
import { cliArgs } from './cli-run.ts';

function cli(script: 'train' | 'runs', args: string[], home: string) {
  const r = spawnSync(process.execPath, cliArgs(script, args), {
    encoding: 'utf8',
    env: { ...process.env, VAE_WORKBENCH_HOME: home },
    // A guard against a hang, not a time budget: the machine may be loaded.
    timeout: 600_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('train --data DIR: a folder of PNG and JPEG files trains, is cached, and the run lists its classes and skipped file', async (t) => {
  const dir = tempDir(t);
  const folder = join(dir, 'shapes');
  await makeImageFolder(folder, { count: 90, classes: 3 });
  writeFileSync(join(folder, 'discs', 'broken.png'), 'not a png');
  const db = join(dir, 'w.db');
  const args = [
    '--db',
    db,
    '--data',
    folder,
    '--set',
    'data.badImages=skip',
    '--set',
    'optim.epochs=1',
    '--set',
    'optim.batchSize=30',
  ];
  const first = cli('train', [...args, '--set', 'run.evalSamples=0'], dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /Decoding 91 images of .*shapes \(the first load; later runs read the cache\)/);
  assert.match(first.stderr, /Skipped 1 file that could not be decoded:\n {2}.*broken\.png: .*unsupported image format/);
  assert.match(first.stderr, /^Run 1: 81 training and 9 held-out images/m);
  assert.match(first.stdout, /^Run 1 ".*" completed/);

  const text = cli('runs', ['show', '1', '--db', db], dir);
  assert.match(text.stdout, /classes {5}0 discs, 1 squares, 2 stripes/);
  assert.match(text.stdout, /Skipped 1 file that could not be decoded:\n {2}.*broken\.png/);
  const store = openDatabase(db);
  t.after(() => store.close());
  const runs = store.runs.list();
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.config.data.source, 'folder');
  assert.equal(runs[0]!.datasetName, 'shapes');
  assert.deepEqual(store.runData.get(1)?.classNames, ['discs', 'squares', 'stripes']);
});
