// One run on several cores (issue 13): the wasm backend's threaded build in worker threads. Its
// kernels against the cpu backend, losses that do not depend on the thread count, the service's
// share of the cores, and no thread outliving its run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CoreShare } from '../src/main/runs/cores.ts';
import { RunService } from '../src/main/runs/service.ts';
import { timeTrainingSteps } from '../src/main/runs/step-timer.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { runWorkerJob } from '../src/main/worker-threads.ts';
import type { ThreadedKernelsProtocol } from './threaded-kernels-worker.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { expectLiveWorkers, nextEvent } from './run-helpers.ts';

test('core share: alone a run takes every core, runs that start together split them, a set count is kept', () => {
  let others = 0;
  const share = new CoreShare(4, () => others);
  const [a, b, c, d] = [{}, {}, {}, {}];
  assert.equal(share.grant(a, 0, 1), 4);
  // Cores that other processes keep busy are not free.
  others = 2.5;
  assert.equal(share.grant(a, 0, 1), 1);
  // An idle machine's background load, a few tenths of a core, leaves every core free.
  others = 0.4;
  assert.equal(share.grant(a, 0, 1), 4);
  others = 0;
  share.release(a);
  assert.deepEqual([share.grant(a, 0, 2), share.grant(b, 0, 2)], [2, 2]);
  // What earlier runs hold is not free, however many runs there are; at least one thread each.
  assert.equal(share.grant(c, 0, 1), 1);
  assert.equal(share.grant(d, 3, 3), 3);
  assert.equal(share.inUse(), 8);
  for (const h of [a, b, c, d]) share.release(h);
  assert.equal(share.inUse(), 0);
});

test('threaded kernels match the cpu backend', async () => {
  const { note, diffs } = await runWorkerJob<ThreadedKernelsProtocol, 'compare'>(
    import.meta.url,
    'threaded-kernels-worker',
    { op: 'compare', threads: 2 },
    { tensorflow: true },
  );
  assert.match(note, /2 threads/);
  assert.equal(Object.keys(diffs).length, 6);
  for (const [name, diff] of Object.entries(diffs)) assert.ok(diff < 1e-3, `${name}: max |wasm - cpu| = ${diff}`);
});

test('losses: identical for the same thread count, equal within float tolerance across counts; tensors flat', async () => {
  // About 3 steps an epoch: the timed steps cross two epoch ends.
  const cfg = presetConfig('mlp-bernoulli', {
    'data.limit': 150,
    'optim.batchSize': 50,
    'optim.epochs': 4,
    'run.backend': 'wasm',
    'run.threading': 'kernels',
  });
  const a = await timeTrainingSteps(cfg, 2, { warmup: 1, steps: 6 });
  const b = await timeTrainingSteps(cfg, 2, { warmup: 1, steps: 6 });
  const one = await timeTrainingSteps(cfg, 1, { warmup: 1, steps: 0 });
  assert.match(a.note, /2 threads/);
  assert.match(one.note, /1 thread\b/);
  assert.equal(a.losses.length, 7);
  assert.deepEqual(a.losses, b.losses);
  assert.ok(Math.abs(a.losses[0]! - one.losses[0]!) <= 1e-5 * Math.abs(one.losses[0]!), `${a.losses[0]} vs ${one.losses[0]}`);
  assert.equal(a.tensorGrowth, 0);
});

const osThreads = () => readdirSync('/proc/self/task').length;

async function until(what: string, ok: () => boolean): Promise<void> {
  // Only guards against a hang: the condition, not the time, is what is tested.
  for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(ok(), what);
}

test('runs started together each get their share of the cores; a run alone gets them all; no thread outlives its run', async (t) => {
  const store = openDatabase(join(tempDir(t), 't.db'));
  // Whatever else loads this machine, the test's service sees 2 idle cores.
  const service = new RunService(store, { maxConcurrent: 2, cores: { count: 2, othersLoad: () => 0 } });
  t.after(() => store.close());
  const cfg = presetConfig('quick', {
    'data.limit': 100,
    'optim.epochs': 1,
    'run.evalSamples': 0,
    'run.backend': 'wasm',
    'run.threading': 'kernels',
  });
  await expectLiveWorkers(0, 'before the runs');
  const pair = await Promise.all([service.start(cfg), service.start(cfg)]);
  const ended = await Promise.all(pair.map((r) => service.waitFor(r.id)));
  assert.deepEqual(
    ended.map((r) => [r.status, r.backend]),
    [
      ['completed', 'wasm'],
      ['completed', 'wasm'],
    ],
  );
  await until('both runs gave their threads back', () => service.threadsInUse() === 0);
  await expectLiveWorkers(0, 'once both runs ended');
  const threadsBefore = osThreads();

  const long = presetConfig('quick', {
    'data.limit': 400,
    'optim.epochs': 60,
    'optim.batchSize': 16,
    'run.evalSamples': 0,
    'run.backend': 'wasm',
    'run.threading': 'kernels',
  });
  const alone = await service.start(long);
  await nextEvent(service, (e) => e.type === 'step' && e.runId === alone.id);
  assert.ok(osThreads() >= threadsBefore + 2, 'the training thread and its second compute thread run');
  service.stop(alone.id);
  const stopped = await service.waitFor(alone.id);
  assert.equal(stopped.backend, 'wasm, 2 threads');
  await until('the stopped run gave its threads back', () => service.threadsInUse() === 0);
  await expectLiveWorkers(0, 'once the stopped run ended');
  await until('the stopped run left no thread behind', () => osThreads() <= threadsBefore);
  await service.shutdown();
});
