// `npm run runs -- export` and `import` as a user runs them: child processes, real files.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tempDir } from './helpers.ts';
import { cliArgs } from './cli-run.ts';

function cli(script: 'train' | 'runs', args: string[]) {
  const r = spawnSync(process.execPath, cliArgs(script, args), {
    encoding: 'utf8',
    // A guard against a hang, not a time budget: the machine may be loaded.
    timeout: 600_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// One run trained by the CLI serves every test: training is most of this file's time, and no test
// changes that database (the failed imports into it must add nothing, and one test says so).
const shared = mkdtempSync(join(tmpdir(), 'vae-test-'));
after(() => rmSync(shared, { recursive: true, force: true }));
let trainedRun: { db: string; runId: number } | undefined;
function trained(): { db: string; runId: number } {
  if (trainedRun) return trainedRun;
  const db = join(shared, 'source.db');
  const r = cli('train', [
    '--db',
    db,
    '--json',
    '--set',
    'data.limit=300',
    '--set',
    'optim.epochs=1',
    '--set',
    'run.name=to export',
  ]);
  assert.equal(r.code, 0, r.stderr);
  trainedRun = { db, runId: JSON.parse(r.stdout).runId };
  return trainedRun;
}

test('runs export then import into another database, with --json and text output', (t) => {
  const dir = tempDir(t);
  const { db: source, runId } = trained();
  const target = join(dir, 'target.db');

  const out = join(dir, 'export');
  const exported = cli('runs', ['export', String(runId), '--out', out, '--db', source, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  const result = JSON.parse(exported.stdout);
  assert.equal(result.dir, out);
  for (const file of [
    'manifest.json',
    'encoder/model.json',
    'encoder/weights.bin',
    'decoder/model.json',
    'decoder/weights.bin',
    'metrics-steps.csv',
    'metrics-epochs.csv',
    'reconstructions.png',
    'samples.png',
  ]) {
    assert.ok(result.files.includes(file), file);
    assert.ok(existsSync(join(out, file)), file);
  }
  assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).run.name, 'to export');

  const imported = cli('runs', ['import', out, '--db', target, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const run = JSON.parse(imported.stdout);
  assert.equal(run.name, 'to export');
  assert.equal(run.status, 'completed');
  const list = JSON.parse(cli('runs', ['list', '--db', target, '--json']).stdout);
  assert.deepEqual(
    list.map((r: { id: number }) => r.id),
    [run.id],
  );

  const text = cli('runs', ['import', out, '--db', target]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Imported .*export as run 2 "to export"/);
  const again = cli('runs', ['export', '2', '--out', join(dir, 'again'), '--db', target]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^Exported run 2 to .*again \(10 files\)/);
});

test('export and import errors are one line and a non-zero exit', (t) => {
  const dir = tempDir(t);
  const { db, runId } = trained();
  assert.equal(runId, 1);
  const out = join(dir, 'export');
  assert.equal(cli('runs', ['export', '1', '--out', out, '--db', db]).code, 0);
  rmSync(join(out, 'decoder', 'weights.bin'));
  const cases: [string[], number, RegExp][] = [
    [['import', out], 1, /decoder\/weights\.bin: missing/],
    [['export', '7', '--out', join(dir, 'x')], 1, /Run 7 does not exist/],
    [['export', '1', '--out', out], 1, /already exists and is not empty/],
    [['export', '1'], 2, /export needs --out DIR/],
    [['import'], 2, /import takes one folder/],
  ];
  for (const [args, code, message] of cases) {
    const r = cli('runs', [...args, '--db', db]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    if (code === 1) assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  assert.equal(JSON.parse(cli('runs', ['list', '--db', db, '--json']).stdout).length, 1, 'the broken import added nothing');
});
