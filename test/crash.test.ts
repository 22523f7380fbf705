// A training process killed with SIGKILL mid-epoch: the database still opens, the run reads as
// interrupted, and resuming continues from its last checkpoint to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/main/store/index.ts';
import { tempDir } from './helpers.ts';
import { cliArgs } from './cli-run.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SIGKILL mid-epoch leaves an interrupted run that resumes from its last checkpoint', async (t) => {
  const db = join(tempDir(t), 'w.db');
  // Batch 1 on the conv model: over a hundred slow steps in one epoch, a checkpoint every 15. No NLL
  // evaluation at the end: what is checked is the training the kill cut.
  const args = cliArgs('train', [
    '--db',
    db,
    '--preset',
    'seed-notebook',
    '--set',
    'data.limit=130',
    '--set',
    'run.evalSamples=0',
    '--set',
    'optim.epochs=1',
    '--set',
    'optim.learningRate=0.001',
    '--set',
    'run.checkpointEvery=15',
  ]);
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));

  let killedAfterCheckpointAt = -1;
  // Deadlines guard against hangs only: on a loaded machine batch-1 conv steps are slow.
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    await sleep(100);
    let row: { step: number } | undefined;
    try {
      const peek = new Database(db, { readonly: true, fileMustExist: true });
      row = peek.prepare('SELECT max(step) AS step FROM checkpoints').get() as { step: number } | undefined;
      peek.close();
    } catch {
      continue; // not created yet
    }
    if (row && row.step >= 30) {
      child.kill('SIGKILL');
      killedAfterCheckpointAt = row.step;
      break;
    }
  }
  assert.ok(killedAfterCheckpointAt >= 30, 'the run reached a checkpoint before the deadline');
  await new Promise((r) => child.once('exit', r));

  const store = openDatabase(db);
  const run = store.runs.list()[0]!;
  assert.equal(run.status, 'interrupted');
  assert.match(run.statusMessage, /stopped unexpectedly/);
  const checkpoint = store.checkpoints.latest(run.id)!;
  assert.ok(checkpoint.step >= killedAfterCheckpointAt, 'the latest checkpoint survived the kill');
  assert.ok(checkpoint.step < run.totalSteps, 'killed mid-epoch');
  store.close();

  const resumed = spawnSync(process.execPath, cliArgs('train', ['--db', db, '--resume', String(run.id), '--json']), {
    encoding: 'utf8',
    timeout: 600_000,
  });
  assert.equal(resumed.status, 0, resumed.stderr);
  const out = JSON.parse(resumed.stdout);
  assert.equal(out.status, 'completed');

  const after = openDatabase(db);
  const final = after.runs.get(run.id)!;
  assert.equal(final.step, final.totalSteps);
  const steps = after.metrics.listSteps(run.id).map((s) => s.step);
  // Logged every 10 steps by the preset; no gap and no duplicate across the kill and the resume.
  assert.deepEqual(
    steps,
    Array.from({ length: steps.length }, (_, i) => (i + 1) * 10)
      .filter((s) => s <= final.totalSteps)
      .concat(final.totalSteps % 10 ? [final.totalSteps] : []),
  );
  assert.equal(after.metrics.listEpochs(run.id).length, 1);
  after.close();
});
