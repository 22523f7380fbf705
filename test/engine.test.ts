// The trainer on the real built-in MNIST and the default backend of this machine: reproducibility,
// exact resume from a checkpoint, no tensor leaks, learning, and a clear failure on divergence.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer, TrainingDiverged } from '../src/main/engine/trainer.ts';
import { loadDataset, prepareSplit, type DatasetSplit } from '../src/main/data/index.ts';
import { runLoop } from '../src/main/runs/loop.ts';
import { CONTROL_RUN } from '../src/main/runs/protocol.ts';
import type { TrainingEvent } from '../src/shared/training.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { presetConfig } from './helpers.ts';

let backend = '';
before(async () => {
  backend = (await initBackend('auto')).name;
});

// Built-in MNIST is read once for the file (every config here uses it): the split takes what each
// config asks of it and changes nothing.
let mnist: ReturnType<typeof loadDataset> | null = null;
async function split(cfg: ExperimentConfig): Promise<DatasetSplit> {
  assert.equal(cfg.data.source, 'builtin-mnist');
  return prepareSplit(await (mnist ??= loadDataset(cfg.data)), cfg.data, cfg.run.seed);
}

function losses(trainer: Trainer, steps: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const l = trainer.trainStep();
    out.push(l.recon, l.kl);
  }
  return out;
}

test('the same seed on the same backend gives the identical loss sequence', async () => {
  const cfg = presetConfig('quick', { 'data.limit': 1000 });
  const data = await split(cfg);
  const a = new Trainer(cfg, data);
  const b = new Trainer(cfg, data);
  const other = new Trainer({ ...cfg, run: { ...cfg.run, seed: cfg.run.seed + 1 } }, data);
  try {
    const la = losses(a, 20);
    assert.deepEqual(losses(b, 20), la);
    assert.notDeepEqual(losses(other, 20), la);
  } finally {
    [a, b, other].forEach((t) => t.dispose());
  }
});

test('resuming from a checkpoint continues exactly as if never stopped', async () => {
  for (const preset of ['quick', 'seed-notebook'] as const) {
    const cfg = presetConfig(preset, { 'data.limit': 300 });
    const data = await split(cfg);
    const a = new Trainer(cfg, data);
    losses(a, 7);
    const blobs = await a.checkpoint();
    const continued = losses(a, 5);
    const b = new Trainer(cfg, data);
    await b.restore(blobs);
    // The position; the checkpoint also names the shares its run trained with (data-parallel), which are the run's, not the position's.
    const { step, epoch, stepInEpoch, epochSums, controls } = blobs.position;
    assert.deepEqual(b.position, { step, epoch, stepInEpoch, epochSums, controls });
    assert.equal(blobs.position.shares, 1);
    assert.equal(b.position.step, 7);
    assert.deepEqual(losses(b, 5), continued, `${preset} on ${backend}`);
    a.dispose();
    b.dispose();
  }
});

test('no tensor leak across epochs (steps, evaluation, previews, checkpoints)', async () => {
  const cfg = presetConfig('quick', { 'data.limit': 400, 'optim.epochs': 3, 'run.previewEvery': 2, 'run.checkpointEvery': 3 });
  const trainer = new Trainer(cfg, await split(cfg));
  const counts: number[] = [];
  const result = await runLoop(1, trainer, {
    emit: (e: TrainingEvent) => {
      if (e.type === 'epoch') counts.push(tf.memory().numTensors);
    },
    checkpoint: () => {},
    control: () => CONTROL_RUN,
    waitWhilePaused: () => {},
  });
  trainer.dispose();
  assert.equal(result.status, 'completed');
  assert.equal(counts.length, 3);
  assert.equal(counts[1], counts[0], `tensors after epoch 1: ${counts[0]}, after epoch 2: ${counts[1]}`);
  assert.equal(counts[2], counts[1]);
});

// 12,000 digits (169 steps) rather than all 60,000: the same bounds hold with room (about 150 nats
// here, 120 after a whole epoch), at a fifth of the steps.
test('one epoch of the quick preset on 12,000 built-in MNIST digits clearly lowers the held-out negative ELBO', async () => {
  const cfg = presetConfig('quick', { 'optim.epochs': 1, 'data.limit': 12_000 });
  const trainer = new Trainer(cfg, await split(cfg));
  try {
    const before = trainer.evaluate()!;
    while (!trainer.done) trainer.trainStep();
    const after = trainer.evaluate()!;
    // From ~545 nats at initialisation, that epoch reaches well under 200 here.
    assert.ok(after.total < 0.5 * before.total, `held-out -ELBO ${before.total.toFixed(1)} -> ${after.total.toFixed(1)}`);
    assert.ok(after.total < 200, `held-out -ELBO after one epoch: ${after.total.toFixed(1)}`);
  } finally {
    trainer.dispose();
  }
});

test('sigma reaching 0 under abs stops with a message naming the step and the cause', async () => {
  const cfg = presetConfig('seed-notebook', { 'data.limit': 50 });
  const trainer = new Trainer(cfg, await split(cfg));
  try {
    // Zero the sigma head so sigma = |h| = 0 exactly: log(sigma^2) is -infinity.
    const head = trainer.encoder.getLayer('sigma_head');
    head.setWeights(head.getWeights().map((w) => tf.zerosLike(w)));
    assert.throws(
      () => trainer.trainStep(),
      (e: Error) => {
        assert.ok(e instanceof TrainingDiverged);
        assert.match(e.message, /at step 1 \(epoch 1/);
        assert.match(e.message, /sigma reached 0 under the abs parametrisation/);
        return true;
      },
    );
  } finally {
    trainer.dispose();
  }
});

test('the seed-notebook conv model trains on this backend (conv gradients included)', async () => {
  const cfg = presetConfig('seed-notebook', { 'data.limit': 60, 'optim.learningRate': 1e-3 });
  const trainer = new Trainer(cfg, await split(cfg));
  try {
    const l = losses(trainer, 5);
    assert.ok(l.every(Number.isFinite));
  } finally {
    trainer.dispose();
  }
});
