// The CLI end to end, as a user runs it: real child processes, a real database file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/main/store/index.ts';
import { tempDir } from './helpers.ts';

function cli(script: 'train' | 'runs', args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `src/main/cli/${script}.ts`, ...args], {
    encoding: 'utf8',
    // A guard against a hang, not a time budget: the machine may be loaded.
    timeout: 600_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('train --json, then runs list and show read the same database', (t) => {
  const db = join(tempDir(t), 'w.db');
  const r = cli('train', [
    '--db',
    db,
    '--json',
    '--set',
    'data.limit=600',
    '--set',
    'optim.epochs=1',
    '--set',
    'run.name=cli run',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.status, 'completed');
  assert.equal(out.name, 'cli run');
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(out.backend));
  for (const part of ['recon', 'kl', 'total']) {
    assert.ok(Number.isFinite(out.train[part]), `train.${part}`);
    assert.ok(Number.isFinite(out.heldOut[part]), `heldOut.${part}`);
  }
  assert.ok(out.imagesPerSec > 0 && out.durationSeconds > 0);
  assert.equal(r.stderr.includes('img/s'), false, '--json prints no progress');

  const list = cli('runs', ['list', '--db', db, '--json']);
  assert.equal(list.code, 0, list.stderr);
  const runs = JSON.parse(list.stdout);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].id, out.runId);
  assert.equal(runs[0].finalHeldOut.total, out.heldOut.total);

  const show = cli('runs', ['show', String(out.runId), '--db', db]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /status\s+completed/);
  assert.match(show.stdout, /epoch\s+1\s+train/);
  const text = cli('runs', ['list', '--db', db]);
  assert.match(text.stdout, /cli run/);
});

test('text mode prints the run id and final metrics', (t) => {
  const db = join(tempDir(t), 'w.db');
  const r = cli('train', ['--db', db, '--set', 'data.limit=300', '--set', 'optim.epochs=1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Run 1 ".*" completed in \d+:\d\d on \w+/);
  assert.match(r.stdout, /held-out\s+-ELBO \d+\.\d+ \(recon \d+\.\d+, KL \d+\.\d+\)/);
  assert.match(r.stderr, /epoch 1\/1\s+train/);
});

test('errors exit non-zero with one clear line, no stack, and store nothing', (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'w.db');
  const bad = join(dir, 'bad.csv');
  const row = (label: number, px: string[]) => [String(label), ...px].join(',');
  const header = ['label', ...Array.from({ length: 784 }, (_, i) => `${Math.floor(i / 28) + 1}x${(i % 28) + 1}`)].join(',');
  writeFileSync(bad, [header, row(5, Array(784).fill('0')), row(3, [...Array(783).fill('0'), '300'])].join('\n'));
  const cases: [string[], number, RegExp][] = [
    [['--data', bad], 1, /bad\.csv.*line 3.*300/],
    [['--set', 'optim.learningRate=0'], 1, /optim\.learningRate must be greater than 0/],
    [['--preset', 'nope'], 1, /unknown preset "nope"/],
    [['--set', 'optim.epochs=two'], 1, /optim\.epochs must be a number/],
    [['--bogus'], 2, /Unknown option '--bogus'/],
    [['--config', join(dir, 'missing.json')], 1, /config file not found/],
  ];
  for (const [args, code, message] of cases) {
    const r = cli('train', ['--db', db, ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const store = openDatabase(db);
  assert.equal(store.runs.list().length, 0);
  store.close();
});

test('a config file with a JSON error is reported with its line and column', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'exp.json');
  writeFileSync(file, '{\n  "optim": {\n    "epochs": 2,\n  }\n}\n');
  const r = cli('train', ['--db', join(dir, 'w.db'), '--config', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exp\.json: line 4, column 3: invalid JSON/);
  writeFileSync(file, JSON.stringify({ optim: { epochs: 0 } }));
  const r2 = cli('train', ['--db', join(dir, 'w.db'), '--config', file]);
  assert.match(r2.stderr, /exp\.json: optim\.epochs must be at least 1/);
});

test('--data reads .csv and .csv.gz as CSV, anything else as IDX', async () => {
  const { buildConfig } = await import('../src/main/cli/config-input.ts');
  const source = (data: string) => buildConfig({ sets: [], data }).data.source;
  assert.equal(source('/d/mnist_train.csv'), 'csv');
  assert.equal(source('/d/mnist_train.CSV.gz'), 'csv');
  assert.equal(source('/d/train-images-idx3-ubyte.gz'), 'idx');
  assert.equal(source('/d/t10k-images.idx3-ubyte'), 'idx');
});
