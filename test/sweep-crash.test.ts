// A sweep's process killed with SIGKILL mid-sweep: a new SweepService adopts the orphaned sweep and
// finishes it. Nothing is lost and nothing runs twice: one run per position, every run completed,
// the runs that were cut off resume from their checkpoints with no duplicate or missing step, and
// end exactly where the same run trained without interruption ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../src/main/store/index.ts';
import { RunService } from '../src/main/runs/service.ts';
import { SweepService } from '../src/main/sweeps/service.ts';
import { tempDir } from './helpers.ts';
import { subsetData } from './mnist-subset.ts';
import { waitUntil } from './run-helpers.ts';
import { peek } from './sweep-helpers.ts';

// Batch 10 over 360 images (MNIST's first, from a small IDX file), 2 epochs: 72 steps per run, a
// checkpoint every 6; no NLL evaluation at the end.
const DEFINITION = {
  preset: 'quick',
  base: {
    data: subsetData(400),
    optim: { batchSize: 10, epochs: 2 },
    run: { checkpointEvery: 6, evalSamples: 0 },
  },
  axes: [{ path: 'loss.beta', values: [0.5, 2] }],
  seeds: 2,
  parallel: 2,
};

test('a sweep whose process is killed mid-sweep is adopted and finished: every run once, resumed exactly', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/drive-sweep.ts', file, JSON.stringify(DEFINITION)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  // Killed once some run has finished and another is cut off between checkpoints.
  await waitUntil(() => {
    const p = peek(file);
    return exited || (p !== null && p.completed >= 1 && p.cutOff >= 1);
  }, 'a run completed and another past a checkpoint');
  assert.ok(!exited, `the sweep's process ended before it could be killed:\n${output}`);
  child.kill('SIGKILL');
  await new Promise((r) => (exited ? r(null) : child.once('exit', r)));
  const sweepId = Number(/sweep (\d+)/.exec(output)?.[1]);
  assert.ok(sweepId > 0, output);

  const store = openDatabase(file);
  t.after(() => store.close());
  const before = store.sweeps.get(sweepId)!;
  assert.equal(before.status, 'running', 'killed while running');
  assert.equal(before.owner, null, 'its driver is gone');
  const cutOff = store.runs.list().filter((r) => r.status === 'interrupted' && (store.checkpoints.latest(r.id)?.step ?? 0) > 0);
  assert.ok(cutOff.length >= 1, 'at least one run was interrupted past a checkpoint');
  const completedBefore = new Map(
    store.runs
      .list()
      .filter((r) => r.status === 'completed')
      .map((r) => [r.id, r.finishedAt]),
  );

  const runs = new RunService(store, { maxConcurrent: 2 });
  const sweeps = new SweepService(store, runs);
  t.after(async () => {
    await sweeps.shutdown();
    await runs.shutdown();
  });
  assert.deepEqual(sweeps.adoptOrphans(), [sweepId]);
  const done = await sweeps.waitFor(sweepId);
  assert.equal(done.status, 'completed');
  assert.equal(done.total, 4);
  assert.equal(done.counts.completed, 4);

  const members = store.runs.list().filter((r) => r.sweepId === sweepId);
  assert.deepEqual(members.map((r) => r.sweepIndex).sort(), [0, 1, 2, 3], 'one run per position');
  for (const [id, finishedAt] of completedBefore)
    assert.equal(store.runs.get(id)!.finishedAt, finishedAt, `run ${id}, completed before the kill, did not train again`);
  for (const run of members) {
    const steps = store.metrics.listSteps(run.id).map((s) => s.step);
    const expected = Array.from({ length: run.totalSteps }, (_, i) => i + 1);
    assert.deepEqual(steps, expected, `run ${run.id}: every step logged once`);
    assert.equal(store.metrics.listEpochs(run.id).length, 2);
  }

  // The same run trained without interruption ends with the same held-out loss, to the last bit.
  const victim = store.runs.get(cutOff[0]!.id)!;
  const again = await runs.start(victim.config);
  const uninterrupted = await runs.waitFor(again.id);
  assert.equal(uninterrupted.status, 'completed');
  assert.equal(victim.finalHeldOut!.total, uninterrupted.finalHeldOut!.total);
  assert.deepEqual(
    store.metrics.listSteps(victim.id).map((s) => s.loss.total),
    store.metrics.listSteps(again.id).map((s) => s.loss.total),
  );
});
