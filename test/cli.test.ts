// The CLI end to end, as a user runs it: real child processes, a real database file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/main/store/index.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { cliArgs } from './cli-run.ts';

function cli(script: 'train' | 'runs', args: string[]) {
  const r = spawnSync(process.execPath, cliArgs(script, args), {
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
  assert.match(show.stdout, /^ {2}controls {4}none \(constant β and learning rate/m);
  assert.match(show.stdout, /^ {2}best {8}checkpoint at step \d+ \(epoch 1\)$/m);
  const text = cli('runs', ['list', '--db', db]);
  assert.match(text.stdout, /cli run/);
});

test('text mode prints the run id, final metrics, the training controls that are on and the best checkpoint', (t) => {
  const db = join(tempDir(t), 'w.db');
  const controls = ['loss.klSchedule=linear', 'loss.klWarmupEpochs=2', 'optim.earlyStopPatience=3', 'optim.clipNorm=5'];
  const r = cli('train', [
    '--db',
    db,
    '--set',
    'data.limit=300',
    '--set',
    'optim.epochs=1',
    ...controls.flatMap((c) => ['--set', c]),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Run 1 ".*" completed in \d+:\d\d on \w+/);
  // Built-in MNIST is evaluated on its test split, and the CLI says so (the limit takes 10% of 300 from
  // it); early stopping watches a validation share (10% of the 270 training images), never the test split.
  assert.match(
    r.stderr,
    /^Run 1: 243 training, 27 validation \(watched by early stopping and reduce-on-plateau, not the test split\) and 30 test images/m,
  );
  assert.match(r.stdout, /test\s+-ELBO \d+\.\d+ \(recon \d+\.\d+, KL \d+\.\d+\)/);
  assert.match(r.stderr, /epoch 1\/1\s+train \S+ .* {2}test \d.* {2}validation -ELBO \d+\.\d+ /);
  const expected = [
    '  controls    β: linear warm-up to 1 over 2 epochs',
    '              Early stopping: after 3 epochs without improvement',
    '              Gradient norm clipped at 5',
    '              Watched: the validation share of the training images −ELBO',
    '  best        checkpoint at step 4 (epoch 1)',
  ].join('\n');
  assert.ok(r.stdout.includes(expected), r.stdout);
  const show = cli('runs', ['show', '1', '--db', db]);
  assert.equal(show.code, 0, show.stderr);
  assert.ok(show.stdout.includes(expected), show.stdout);
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
    [['--set', 'optim.epochs=two'], 1, /optim\.epochs: "two" is not a decimal number/],
    [['--set', 'optim.batchSize=0x10'], 1, /optim\.batchSize: "0x10" is not a decimal number/],
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

test('--db "" and --db :memory: are refused before anything trains: the run would be lost', (t) => {
  const dir = tempDir(t);
  const cases: ['train' | 'runs', string[]][] = [
    ['train', ['--db', '', '--set', 'optim.epochs=1']],
    ['train', ['--db', ':memory:', '--set', 'optim.epochs=1']],
    ['runs', ['list', '--db', ' ']],
    ['runs', ['import', dir, '--db', ':memory:']],
  ];
  for (const [script, args] of cases) {
    const r = cli(script, args);
    assert.equal(r.code, 2, `${script} ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /error: --db "(| |:memory:)" names no database file: .*would be lost; give a file path/);
    assert.doesNotMatch(r.stderr, /Run \d+:/, 'nothing started');
  }
});

test('npm run serve refuses --db "" and --db :memory: before it opens anything', () => {
  for (const db of ['', ':memory:']) {
    const r = spawnSync(process.execPath, cliArgs('serve', ['--no-open', '--port', '0', '--db', db]), {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /error: --db "(|:memory:)" names no database file: .*would be lost/);
    assert.doesNotMatch(r.stdout, /is running at/);
  }
});

test('run names, notes, tags and echoed input are printed with control characters escaped', (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'w.db');
  const evil = '\x1b]0;pwned\x07';
  const store = openDatabase(db);
  const run = store.runs.create({
    config: presetConfig('quick'),
    name: `name ${evil}`,
    notes: `line\r\x1b[2Kforged \u009b31m \u202egnp.exe`,
    tags: [`t\x1b[31m`],
    datasetName: `data\x1b[5m`,
  });
  store.runs.markFinished(run.id, 'failed', `message ${evil}`);
  store.close();
  // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
  const list = cli('runs', ['list', '--db', db]);
  assert.equal(list.code, 0, list.stderr);
  assert.doesNotMatch(list.stdout, raw);
  assert.ok(list.stdout.includes('name \\x1b]0;pwned\\x07'), list.stdout);
  const show = cli('runs', ['show', String(run.id), '--db', db]);
  assert.equal(show.code, 0, show.stderr);
  assert.doesNotMatch(show.stdout, raw);
  for (const shown of [
    'name \\x1b]0;pwned\\x07',
    'message \\x1b]0;pwned\\x07',
    'line\\r\\x1b[2Kforged \\x9b31m \\u{202e}gnp.exe',
    't\\x1b[31m',
    'data\\x1b[5m',
  ])
    assert.ok(show.stdout.includes(shown), `${shown} in ${show.stdout}`);
  // An error message that echoes input.
  const bad = cli('train', ['--db', db, '--preset', evil]);
  assert.equal(bad.code, 1);
  assert.doesNotMatch(bad.stderr, raw);
  assert.ok(bad.stderr.includes('unknown preset "\\x1b]0;pwned\\x07"'), bad.stderr);
});

test('a config file with a UTF-8 byte order mark reads like one without', async (t) => {
  const { buildConfig } = await import('../src/main/cli/config-input.ts');
  const file = join(tempDir(t), 'bom.json');
  writeFileSync(file, `\ufeff${JSON.stringify({ optim: { epochs: 2 }, run: { name: 'bom' } })}`);
  const config = buildConfig({ sets: [], configFile: file });
  assert.equal(config.optim.epochs, 2);
  assert.equal(config.run.name, 'bom');
  // Only a leading mark is a BOM: one inside the text is still an error.
  writeFileSync(file, `{"optim": \ufeff{"epochs": 2}}`);
  assert.throws(() => buildConfig({ sets: [], configFile: file }), /bom\.json:.* invalid JSON/);
});

test('a config file naming "__proto__" or "constructor" is told they are unknown settings, with the file', async (t) => {
  const { buildConfig } = await import('../src/main/cli/config-input.ts');
  const file = join(tempDir(t), 'proto.json');
  writeFileSync(file, '{"__proto__": {"polluted": 1}, "model": {"constructor": {"name": "x"}}}');
  assert.throws(
    () => buildConfig({ sets: [], configFile: file }),
    (e: Error) => {
      assert.match(e.message, /proto\.json: __proto__ is not a known setting; model\.constructor is not a known setting/);
      return true;
    },
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('terminalText escapes C0, DEL, C1 and bidi controls, and nothing else', async () => {
  const { terminalText } = await import('../src/main/cli/format.ts');
  assert.equal(terminalText('\x1b]0;pwned\x07'), '\\x1b]0;pwned\\x07');
  assert.equal(terminalText('a\nb\r\tc\x00\x7f\u009b\u202e\u2066'), 'a\\nb\\r\\tc\\x00\\x7f\\x9b\\u{202e}\\u{2066}');
  assert.equal(terminalText('Zürich 日本 🙂 -ELBO (recon, KL)'), 'Zürich 日本 🙂 -ELBO (recon, KL)');
});
