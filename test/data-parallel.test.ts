// Data-parallel training (issue 13): each batch split into shares computed on gradient worker
// threads, gradients summed in share order, one optimizer step. Which configs may split, the same
// losses at the same share count, the same losses within float rounding at another, flat tensor
// counts in both threads, and no gradient worker outliving its run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { checkpointShares, planThreads, shareBounds, sharesFor, unsplittable } from '../src/main/engine/data-parallel/plan.ts';
import { allocate, Control, DONE_FAILED, LOSS_VALUES, offsets } from '../src/main/engine/data-parallel/layout.ts';
import { Trainer } from '../src/main/engine/trainer.ts';
import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { RunService } from '../src/main/runs/service.ts';
import { timeTrainingSteps } from '../src/main/runs/step-timer.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { FIELD_GROUPS, type ExperimentConfig } from '../src/shared/config.ts';
import { PRESETS, DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { expectLiveWorkers, nextEvent, waitUntil } from './run-helpers.ts';

before(async () => {
  await initBackend('wasm');
});

test('plan: every objective and likelihood splits except free bits; small batches and one thread take one share', () => {
  const field = (path: string) => FIELD_GROUPS.loss.fields.find((f) => f.path === path)!;
  const options = (path: string) => (field(path) as { options: readonly string[] }).options;
  for (const objective of options('loss.objective'))
    for (const likelihood of options('loss.likelihood'))
      for (const freeBits of [0, 0.5]) {
        // Refused by validation (elbo() ignores free bits there): a stored config might still hold it.
        if (objective === 'iwae' && freeBits > 0) continue;
        const cfg = presetConfig('mlp-bernoulli', {
          'loss.objective': objective,
          'loss.likelihood': likelihood,
          'loss.freeBits': freeBits,
        });
        // IWAE has no free bits (elbo() ignores them there); the ELBO's floor is on batch means.
        const coupled = objective === 'elbo' && freeBits > 0;
        assert.equal(unsplittable(cfg) !== null, coupled, `${objective} ${likelihood} free bits ${freeBits}`);
        const plan = planThreads(cfg, 2);
        assert.deepEqual([plan.mode, plan.shares], coupled ? ['kernels', 1] : ['data', 2]);
        if (coupled) assert.match(plan.fallback, /free bits/);
      }
  const mlp = presetConfig('mlp-bernoulli');
  assert.deepEqual(planThreads(mlp, 1), { mode: 'kernels', backendThreads: 1, shares: 1, fallback: '' });
  assert.equal(planThreads({ ...mlp, run: { ...mlp.run, threading: 'kernels' } }, 2).backendThreads, 2);
  assert.equal(planThreads({ ...mlp, optim: { ...mlp.optim, batchSize: 15 } }, 2).mode, 'kernels');
  assert.equal(planThreads({ ...mlp, optim: { ...mlp.optim, batchSize: 64 } }, 8).shares, 8);
  // A partial last batch, and batch 1.
  assert.deepEqual([sharesFor(7, 2), sharesFor(1, 4), sharesFor(24, 4)], [1, 1, 3]);
  // A resumed run keeps its checkpoint's shares, whatever it is granted now.
  assert.deepEqual([planThreads(mlp, 1, 2).mode, planThreads(mlp, 1, 2).shares], ['data', 2]);
  assert.deepEqual([planThreads(mlp, 4, 1).mode, planThreads(mlp, 4, 1).shares], ['kernels', 1]);
  assert.equal(planThreads(mlp, 4, 3).shares, 3);
  assert.deepEqual(
    [{ shares: 2 }, { shares: 0 }, { shares: 1.5 }, {}, undefined].map((p) => checkpointShares(p)),
    [2, null, null, null, null],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => shareBounds(50, 3, i)),
    [
      [0, 16],
      [16, 33],
      [33, 50],
    ],
  );
  // Configs stored before the setting trained on the kernels' threads, and one thread trains as always.
  const old = structuredClone(mlp);
  delete (old.run as Partial<ExperimentConfig['run']>).threading;
  assert.equal(planThreads(old, 2).mode, 'kernels');
  for (const p of [DEFAULT_CONFIG, ...PRESETS.map((x) => x.config)]) assert.equal(planThreads(p, 1).shares, 1, p.preset);
});

test('shared memory: each worker has its own handshake words and error text, apart from the step header', () => {
  const cfg = presetConfig('mlp-bernoulli');
  const buffers = allocate(cfg, 784, [[784, 400], [400]], 2);
  const control = new Control(buffers.control);
  control.setStep(50, 3, 0.25);
  control.handshake(1).set([7, 7]);
  control.handshake(2).set([8, DONE_FAILED]);
  control.writeError(2, 'gradient of share 2 is NaN: é');
  control.writeError(1, '');
  assert.deepEqual(control.step(), { images: 50, shares: 3, beta: 0.25 });
  assert.deepEqual([...control.handshake(1), ...control.handshake(2)], [7, 7, 8, DONE_FAILED]);
  assert.deepEqual([control.readError(1), control.readError(2)], ['', 'gradient of share 2 is NaN: é']);
  assert.equal(buffers.grads.length, 2);
  assert.equal(buffers.grads[0]!.byteLength, (784 * 400 + 400 + LOSS_VALUES) * 4);
  assert.deepEqual(offsets([[784, 400], [400], [3]]), { at: [0, 313600, 314000], total: 314003 });
});

async function trainer(cfg: ExperimentConfig, shares: number): Promise<Trainer> {
  const t = new Trainer(cfg, prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed));
  await t.startDataParallel('wasm', shares);
  return t;
}
const weightsOf = (t: Trainer) => [...t.encoder.getWeights(), ...t.decoder.getWeights()].map((w) => w.dataSync() as Float32Array);
const maxDiff = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(...a.map((w, i) => w.reduce((m, v, j) => Math.max(m, Math.abs(v - b[i]![j]!)), 0)));

test('a conditional VAE with K = 2 noise samples and dynamic binarization: 2 shares match 1 after a step; again, and resumed, the same bits; tensors flat', async () => {
  // 90 images in batches of 40: the third batch (10 images) is too small to share and runs on this thread.
  const cfg = presetConfig('quick', {
    'data.limit': 100,
    'data.binarization': 'dynamic',
    'model.conditional': 'label',
    'loss.samples': 2,
    'optim.batchSize': 40,
    'optim.epochs': 2,
    'run.evalSamples': 0,
  });
  const one = await trainer(cfg, 1);
  const a = await trainer(cfg, 2);
  const b = await trainer(cfg, 2);
  try {
    assert.deepEqual([one.gradientWorkers, a.gradientWorkers], [0, 1]);
    const first = [one, a].map((t) => t.trainStep().total);
    assert.ok(Math.abs(first[0]! - first[1]!) <= 1e-5 * Math.abs(first[0]!), `loss ${first[0]} vs ${first[1]}`);
    const diff = maxDiff(weightsOf(one), weightsOf(a));
    assert.ok(diff > 0 ? diff < 1e-5 : true, `weights after one step differ by ${diff}`);
    const rest = (t: Trainer) => Array.from({ length: 4 }, () => t.trainStep().total);
    b.trainStep();
    const checkpoint = await b.checkpoint();
    const tensors = tf.memory().numTensors;
    const workerTensors = a.gradientWorkerTensors();
    const [la, lb] = [rest(a), rest(b)];
    assert.deepEqual(la, lb, 'the same shares give the same losses, step for step');
    assert.equal(tf.memory().numTensors, tensors, 'tensors on the run thread');
    assert.equal(a.gradientWorkerTensors(), workerTensors, 'tensors in the gradient worker');
    assert.ok(workerTensors > 0);
    // Resumed from the checkpoint after the first step, with the shares it names: the same losses.
    assert.equal(checkpoint.position.shares, 2, 'the checkpoint names its shares');
    await one.restore(checkpoint);
    await one.startDataParallel('wasm', 2);
    assert.deepEqual(rest(one), la, 'resumed');
  } finally {
    for (const t of [one, a, b]) {
      t.dispose();
      await t.endDataParallel();
    }
  }
  assert.equal(a.gradientWorkers, 0);
});

test('free bits train on the kernels threads, and the note says why', async () => {
  const cfg = presetConfig('mlp-bernoulli', {
    'data.limit': 100,
    'optim.batchSize': 50,
    'loss.freeBits': 0.5,
    'run.backend': 'wasm',
  });
  const timing = await timeTrainingSteps(cfg, 2, { warmup: 1, steps: 1 });
  assert.match(timing.note, /2 threads, threaded kernels, not data-parallel: free bits couple the images of a batch/);
  assert.equal(timing.gradientWorkers, 0);
});

const osThreads = () => readdirSync('/proc/self/task').length;

test('a data-parallel run names its mode; its gradient workers end when it is stopped and when its thread is killed mid-step', async (t) => {
  const store = openDatabase(join(tempDir(t), 't.db'));
  const service = new RunService(store, { maxConcurrent: 1, cores: { count: 2, othersLoad: () => 0 } });
  t.after(() => store.close());
  const long = presetConfig('quick', {
    'data.limit': 320,
    'optim.epochs': 60,
    'optim.batchSize': 32,
    'run.evalSamples': 0,
    'run.backend': 'wasm',
    'run.threading': 'data',
  });
  // The threads of earlier tests' workers are gone once they have exited.
  await expectLiveWorkers(0, 'before the runs');
  const before = osThreads();
  for (const end of ['stop', 'kill'] as const) {
    const run = await service.start(long);
    await nextEvent(service, (e) => e.type === 'step' && e.runId === run.id);
    // The run's thread and its gradient worker, each with its own tfjs.
    assert.ok(
      osThreads() >= before + 2,
      `${end}: the run's thread and a gradient worker run (${osThreads()} threads, ${before} before)`,
    );
    if (end === 'stop') {
      service.stop(run.id);
      const stopped = await service.waitFor(run.id);
      assert.equal(stopped.backend, 'wasm, 2 threads, data-parallel');
    } else {
      // A run thread that dies (a crash, a kill) takes its gradient workers with it: Node ends a thread's children.
      const owned = (service as unknown as { slots: { get(id: number): { worker?: Worker } } }).slots.get(run.id);
      await owned.worker!.terminate();
      assert.equal((await service.waitFor(run.id)).status, 'failed');
    }
    await waitUntil(() => service.threadsInUse() === 0, `${end}: the run gave its threads back`);
    await waitUntil(() => osThreads() <= before, `${end}: no thread outlives the run (${osThreads()} > ${before})`);
  }
  await service.shutdown();
});
