// Successive halving with real training: runs of a sweep wait at rung epochs for the judge, pruned
// runs end exactly at a rung (nothing logged past it), the best run at a rung is never pruned, and the
// outcomes are the ASHA rule's. The gate itself: pause and stop reach a run waiting at a rung, a run
// stopped there asks again when resumed, and a pruned run resumed by hand trains to its end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { RunService } from '../src/main/runs/service.ts';
import type { RungJudge, RungVerdict } from '../src/main/runs/rung-gate.ts';
import { openDatabase, type Store } from '../src/main/store/index.ts';
import { SweepService } from '../src/main/sweeps/service.ts';
import { ashaDecide } from '../src/shared/asha.ts';
import { ashaRungs } from '../src/shared/sweep.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { mnistSubset } from './mnist-subset.ts';
import { memoryLogger, nextEvent, waitUntil } from './run-helpers.ts';

// 160 training images in batches of 50: 4 steps an epoch (the last batch partial); rungs 1 and 3 of 4 epochs.
// Pruning judges the held-out −ELBO; the NLL evaluation at the end of a run is left out. The images
// are MNIST's first 200 from a small IDX file (40 of them held out), so a run's thread reads no more.
const DATA = { source: 'idx', path: mnistSubset(200), limit: 200, heldOutFraction: 0.2 };
const tiny = (overrides: Record<string, unknown> = {}) =>
  presetConfig('quick', {
    'data.source': DATA.source,
    'data.path': DATA.path,
    'data.limit': 200,
    'data.heldOutFraction': 0.2,
    'optim.batchSize': 50,
    'optim.epochs': 4,
    'run.evalSamples': 0,
    ...overrides,
  });
const STEPS_PER_EPOCH = 4;
const REDUCTION = 3;

function lastStep(store: Store, runId: number): number {
  return store.metrics.lastLogged(runId).step;
}

test('a sweep of learning rates: pruned runs stop at rungs, the best is never pruned, decisions follow ASHA', async (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  const service = new RunService(store, { log: memoryLogger() });
  const sweeps = new SweepService(store, service, { log: memoryLogger() });
  t.after(async () => {
    await sweeps.shutdown();
    await service.shutdown();
    store.close();
  });
  const rates = [3e-3, 1e-5, 1e-2, 3e-5, 1e-3, 1e-4];
  // One run at a time, so the order of arrival at each rung is the sweep's order.
  const sweep = await sweeps.create({
    preset: 'quick',
    base: {
      data: DATA,
      model: { encoderHidden: [32], decoderHidden: [32] },
      optim: { batchSize: 50, epochs: 4 },
      run: { evalSamples: 0 },
    },
    axes: [{ path: 'optim.learningRate', values: rates }],
    seeds: 0,
    parallel: 1,
    pruning: { kind: 'asha', reduction: REDUCTION },
  });
  const done = await sweeps.waitFor(sweep.id);
  assert.equal(done.status, 'completed', done.statusMessage);
  const runs = store.runs
    .list()
    .filter((r) => r.sweepId === sweep.id)
    .sort((a, b) => a.sweepIndex! - b.sweepIndex!);
  assert.deepEqual(
    runs.map((r) => r.config.optim.learningRate),
    rates,
  );

  const rungs = ashaRungs(4, REDUCTION);
  assert.deepEqual(rungs, [1, 3]);
  const valueAt = (runId: number, epoch: number) =>
    store.metrics.listEpochs(runId).find((e) => e.epoch === epoch)?.heldOut?.total;
  // Replays the arrivals: each run, at each rung it reached, against the runs that reached it earlier.
  const reached = new Map<number, number[]>(rungs.map((r) => [r, []]));
  for (const run of runs) {
    let expected: 'completed' | 'pruned' = 'completed';
    for (const rung of rungs) {
      const value = valueAt(run.id, rung)!;
      const decision = ashaDecide({ epochs: 4, reduction: REDUCTION, epoch: rung, value, others: reached.get(rung)! })!;
      reached.get(rung)!.push(value);
      if (decision.prune) {
        expected = 'pruned';
        assert.equal(run.statusMessage, decision.message, `run ${run.name}`);
        break;
      }
    }
    assert.equal(run.status, expected, `run ${run.name}: ${run.statusMessage}`);
    const epochs = store.metrics.listEpochs(run.id).map((e) => e.epoch);
    const last = epochs.at(-1)!;
    if (run.status === 'pruned') {
      assert.ok(rungs.includes(last), `pruned run ${run.name} ended at epoch ${last}, a rung`);
      assert.match(
        run.statusMessage,
        new RegExp(`^Pruned at epoch ${last}: held-out −ELBO [\\d.]+ ranked \\d of \\d \\(kept: top \\d\\)$`),
      );
    } else assert.equal(last, 4);
    // Nothing past where it ended: no step, no checkpoint.
    assert.equal(lastStep(store, run.id), last * STEPS_PER_EPOCH, `run ${run.name}`);
    assert.equal(run.step, last * STEPS_PER_EPOCH);
    assert.ok(store.checkpoints.list(run.id).every((c) => c.step <= last * STEPS_PER_EPOCH));
  }
  // The run with the best value at each rung went on from it.
  for (const rung of rungs) {
    const at = runs.filter((r) => valueAt(r.id, rung) !== undefined);
    const best = at.reduce((a, b) => (valueAt(a.id, rung)! <= valueAt(b.id, rung)! ? a : b));
    assert.ok(
      store.metrics.listEpochs(best.id).some((e) => e.epoch > rung),
      `best at rung ${rung} (${best.name}) went on`,
    );
  }
  const pruned = runs.filter((r) => r.status === 'pruned').length;
  assert.ok(pruned >= 2 && pruned < runs.length, `some runs pruned, not all (${pruned} of ${runs.length})`);
  assert.equal(done.counts.pruned, pruned);
});

/** A judge that holds each decision until the test gives it. */
function heldJudge(rungs: number[]) {
  const asked: { epoch: number; answer: (v: RungVerdict) => void }[] = [];
  let rungCalls = 0;
  const judge: RungJudge = {
    rungs: () => {
      rungCalls++;
      return rungs;
    },
    decide: (_run, epoch) => new Promise((answer) => asked.push({ epoch, answer })),
  };
  return { judge, asked, rungCalls: () => rungCalls };
}

test('the gate: pause and stop reach a waiting run, a stopped run asks again on resume, a pruned run resumed by hand trains on', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const store = openDatabase(file);
  t.after(() => store.close());
  const held = heldJudge([1, 3]);
  const service = new RunService(store, { log: memoryLogger(), judge: held.judge });

  const run = await service.start(tiny());
  await waitUntil(() => held.asked.length === 1, 'the run to wait at epoch 1');
  assert.equal(held.asked[0]!.epoch, 1);
  assert.equal(lastStep(store, run.id), STEPS_PER_EPOCH, 'waiting at the end of epoch 1, no step further');
  // Paused while it waits: it goes on only to notice the pause, and pauses at the rung.
  const paused = nextEvent(service, (e) => e.type === 'status' && e.status === 'paused');
  service.pause(run.id);
  held.asked[0]!.answer({ prune: false });
  await paused;
  assert.equal(lastStep(store, run.id), STEPS_PER_EPOCH);
  await service.resume(run.id);

  await waitUntil(() => held.asked.length === 2, 'the run to wait at epoch 3');
  assert.equal(held.asked[1]!.epoch, 3);
  // Stopped while it waits (as the app closing would): it ends interrupted at the rung's checkpoint.
  service.stop(run.id);
  const stopped = await service.waitFor(run.id);
  assert.equal(stopped.status, 'interrupted');
  assert.equal(lastStep(store, run.id), 3 * STEPS_PER_EPOCH);
  assert.equal(store.checkpoints.latest(run.id)!.step, 3 * STEPS_PER_EPOCH);
  // A late answer to the abandoned question changes nothing.
  held.asked[1]!.answer({ prune: true, message: 'too late' });
  assert.equal(store.runs.get(run.id)!.status, 'interrupted');

  // Resumed (here by another service, as after a crash): it is asked again at the same rung.
  const again = new RunService(store, { log: memoryLogger(), judge: held.judge });
  await again.resume(run.id);
  await waitUntil(() => held.asked.length === 3, 'the resumed run to ask again');
  assert.equal(held.asked[2]!.epoch, 3);
  held.asked[2]!.answer({ prune: true, message: 'Pruned at epoch 3: by the test' });
  const pruned = await again.waitFor(run.id);
  assert.equal(pruned.status, 'pruned');
  assert.equal(pruned.statusMessage, 'Pruned at epoch 3: by the test');
  assert.equal(lastStep(store, run.id), 3 * STEPS_PER_EPOCH);

  // A person resumes the pruned run: no gate any more, it trains to its end.
  const rungCallsBefore = held.rungCalls();
  await again.resume(run.id);
  const done = await again.waitFor(run.id);
  assert.equal(done.status, 'completed', done.statusMessage);
  assert.equal(lastStep(store, run.id), 4 * STEPS_PER_EPOCH);
  assert.equal(held.asked.length, 3, 'not asked again');
  assert.equal(held.rungCalls(), rungCallsBefore, 'its rungs were not even looked up');
  const steps = store.metrics.listSteps(run.id).map((s) => s.step);
  assert.equal(new Set(steps).size, steps.length, 'no step logged twice');
});
