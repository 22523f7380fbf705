// NLL_k end to end through the CLI on a tiny real run: the evaluation at the end of training, then
// `runs eval` on demand at another k and checkpoint, both stored and listed; bad arguments refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './helpers.ts';
import { cliArgs } from './cli-run.ts';

function cli(script: 'train' | 'runs', args: string[]) {
  const r = spawnSync(process.execPath, cliArgs(script, args), {
    encoding: 'utf8',
    // A guard against a hang, not a time budget.
    timeout: 600_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a trained run is evaluated when it ends, and runs eval evaluates any checkpoint at any k', (t) => {
  const db = join(tempDir(t), 'w.db');
  const sets = ['data.limit=300', 'optim.epochs=2', 'run.evalSamples=30', 'run.evalImages=20'].flatMap((s) => ['--set', s]);
  const train = cli('train', ['--db', db, '--json', ...sets]);
  assert.equal(train.code, 0, train.stderr);
  const run = JSON.parse(train.stdout);
  const final = run.evaluation;
  assert.equal(final.k, 30);
  assert.equal(final.images, 20);
  // Built-in MNIST brings its test split, which evaluation uses.
  assert.equal(final.split, 'test');
  assert.equal(final.binarization, 'none');
  assert.equal(final.checkpointStep, run.steps);
  assert.ok(final.nll > 0 && final.nll <= final.negElbo, `NLL_30 ${final.nll} <= its -ELBO ${final.negElbo}`);
  assert.ok(Math.abs(final.bitsPerDim - final.nll / (784 * Math.LN2)) < 1e-9);
  assert.ok(final.activeUnits >= 0 && final.activeUnits <= 16 && final.latentDim === 16);

  const shown = JSON.parse(cli('runs', ['show', String(run.runId), '--db', db, '--json']).stdout);
  const firstEpoch = shown.checkpoints[0].step;
  assert.ok(firstEpoch < run.steps);
  const ev = cli('runs', ['eval', String(run.runId), '--db', db, '--k', '60', '--checkpoint', String(firstEpoch), '--json']);
  assert.equal(ev.code, 0, ev.stderr);
  const onDemand = JSON.parse(ev.stdout);
  assert.deepEqual([onDemand.k, onDemand.checkpointStep, onDemand.images], [60, firstEpoch, 20]);

  // The headline stays the latest checkpoint's; show lists every evaluation, oldest first.
  const show = cli('runs', ['show', String(run.runId), '--db', db]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, new RegExp(`Evaluations:\\nNLL_30 \\d+\\.\\d\\d ± \\d+\\.\\d\\d nats \\(\\d\\.\\d{4} bits/dim\\)`));
  assert.match(show.stdout, new RegExp(`on 20 test images, binarization none, checkpoint at step ${run.steps}`));
  assert.match(
    show.stdout,
    new RegExp(`NLL_60 [^\\n]+\\n  on 20 test images, binarization none, checkpoint at step ${firstEpoch}`),
  );
  assert.match(show.stdout, /active units \d+\/16/);

  const after0 = JSON.parse(cli('runs', ['show', String(run.runId), '--db', db, '--json']).stdout);
  // Exports carry them: every evaluation as CSV, the headline in the manifest; the folder still imports.
  const out = join(tempDir(t), 'export');
  const exported = cli('runs', ['export', String(run.runId), '--db', db, '--out', out]);
  assert.equal(exported.code, 0, exported.stderr);
  const csv = readFileSync(join(out, 'evaluations.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  assert.match(csv[0]!, /^checkpoint_step,k,images,split,binarization,nll,/);
  assert.match(csv[2]!, new RegExp(`^${firstEpoch},60,20,test,none,`));
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.evaluation.k, 30);
  assert.ok(manifest.files.some((f: { path: string }) => f.path === 'evaluations.csv'));
  const imported = cli('runs', ['import', out, '--db', db, '--json']);
  assert.equal(imported.code, 0, imported.stderr);
  const copy = JSON.parse(imported.stdout);
  assert.deepEqual(
    [copy.evaluation.k, copy.evaluation.nll, copy.evaluation.createdAt],
    [final.k, final.nll, after0.evaluation.createdAt],
    'the import brings its evaluations back',
  );

  const missing = cli('runs', ['eval', String(run.runId), '--db', db, '--checkpoint', '9999']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no checkpoint at step 9999; it has \d+, \d+/);
  const badK = cli('runs', ['eval', String(run.runId), '--db', db, '--k', '0']);
  assert.equal(badK.code, 2);
  assert.match(badK.stderr, /--k expects a whole number of at least 1, got "0"/);
  const wrongCommand = cli('runs', ['show', String(run.runId), '--db', db, '--k', '5']);
  assert.equal(wrongCommand.code, 2);
});
