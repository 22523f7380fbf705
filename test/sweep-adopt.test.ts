// A sweep whose driving process dies while the app stays open: the open app notices (the driver's pid
// is gone) at one of its heartbeats and continues the sweep, every point trained once. Of two open
// apps, exactly one takes it over: the claim decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createAppCore } from '../src/main/app-core.ts';
import { RunService } from '../src/main/runs/service.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { SweepService } from '../src/main/sweeps/service.ts';
import { expandSweep } from '../src/shared/sweep.ts';
import { tempDir } from './helpers.ts';
import { subsetData } from './mnist-subset.ts';
import { memoryLogger, waitUntil } from './run-helpers.ts';
import { assertAllCompletedOnce, peek } from './sweep-helpers.ts';

// Batch 10 over 180 training images (MNIST's first, from a small IDX file), 1 epoch: 18 steps per run,
// a checkpoint every 6; no NLL evaluation at the end.
const DEFINITION = {
  preset: 'quick',
  base: {
    data: subsetData(200),
    optim: { batchSize: 10, epochs: 1 },
    run: { checkpointEvery: 6, evalSamples: 0 },
  },
  axes: [{ path: 'loss.beta', values: [0.5, 2] }],
  seeds: 0,
  parallel: 1,
};

test('an open app takes over a sweep whose driving process is killed, and finishes it', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const core = createAppCore({ databasePath: file, shell: 'browser', maxConcurrent: 1, log: memoryLogger() });
  t.after(() => core.close());
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/drive-sweep.ts', file, JSON.stringify(DEFINITION)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  await waitUntil(() => exited || (peek(file)?.cutOff ?? 0) > 0, 'a run of the sweep past a checkpoint');
  assert.ok(!exited, `the sweep's process ended before it could be killed:\n${output}`);
  const sweepId = Number(/sweep (\d+)/.exec(output)?.[1]);
  assert.ok(sweepId > 0, output);
  assert.deepEqual(core.sweeps.driving(), [], 'a live driver is left alone');
  child.kill('SIGKILL');
  await new Promise((r) => (exited ? r(null) : child.once('exit', r)));

  await waitUntil(() => core.sweeps.driving().includes(sweepId), 'the app to take the sweep over');
  const done = await core.sweeps.waitFor(sweepId);
  assert.equal(done.status, 'completed', done.statusMessage);
  assert.equal(done.counts.completed, 2);
  assertAllCompletedOnce(core.store, sweepId, 2);
});

test('two open apps and a dead driver: exactly one takes the sweep over', async (t) => {
  const DEAD = 999_953;
  const OTHER = 999_959;
  const file = join(tempDir(t), 'w.db');
  const isProcessAlive = (pid: number) => pid !== DEAD;
  const apps = [process.pid, OTHER].map((ownerPid) => {
    const store = openDatabase(file, { isProcessAlive });
    const runs = new RunService(store, { maxConcurrent: 2, ownerPid, log: memoryLogger() });
    const sweeps = new SweepService(store, runs, { ownerPid, heartbeatMs: 20, adoptOrphans: true, log: memoryLogger() });
    const started: number[] = [];
    runs.subscribe((e) => {
      if (e.type === 'started') started.push(e.runId);
    });
    return { store, runs, sweeps, started };
  });
  t.after(async () => {
    for (const app of apps) {
      await app.sweeps.shutdown();
      await app.runs.shutdown();
      app.store.close();
    }
  });
  const expanded = expandSweep({ ...DEFINITION, parallel: 2 });
  assert.ok(expanded.ok);
  // Stored by a process that is gone before it started any run.
  const orphan = apps[0]!.store.sweeps.create(expanded.value.definition, 'orphan', expanded.value.points, DEAD);

  await waitUntil(() => apps[0]!.store.sweeps.get(orphan.id)!.status === 'completed', 'the sweep to complete');
  const trainedBy = apps.filter((app) => app.started.length > 0);
  assert.equal(trainedBy.length, 1, 'one app trained the sweep');
  assert.equal(trainedBy[0]!.started.length, 2, 'each run started once');
  assert.deepEqual(
    apps.map((app) => app.sweeps.driving()),
    [[], []],
    'neither drives it once it completed',
  );
  assertAllCompletedOnce(apps[0]!.store, orphan.id, 2);
});
