// The training controls through the real run service and store: early stopping ends a run at the
// right epoch and marks the best checkpoint, which export offers; each step stores its objective, β
// and learning rate; clipping bounds a real step. And resume stays exact with every control on.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer, type CheckpointBlobs, type TrainerPosition } from '../src/main/engine/trainer.ts';
import { decodeWeights } from '../src/main/engine/weights.ts';
import { loadDataset, prepareSplit, type DatasetSplit } from '../src/main/data/index.ts';
import { runLoop, type LoopResult } from '../src/main/runs/loop.ts';
import { CONTROL_RUN } from '../src/main/runs/protocol.ts';
import { RunService } from '../src/main/runs/service.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { exportRun } from '../src/main/export/index.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import type { TrainingEvent } from '../src/shared/training.ts';
import { BOUNCY } from './controls-fixtures.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { memoryLogger } from './run-helpers.ts';

before(async () => {
  await initBackend('auto');
});

test('early stopping ends the run at the right epoch, the best checkpoint is marked and exported, steps store their controls', async (t) => {
  const dir = tempDir(t);
  const store = openDatabase(join(dir, 'w.db'));
  t.after(() => store.close());
  const service = new RunService(store, { log: memoryLogger() });
  const cfg = presetConfig('quick', { ...BOUNCY, 'optim.epochs': 6, 'optim.earlyStopPatience': 1 });
  const events: TrainingEvent[] = [];
  service.subscribe((e) => events.push(e));
  const run = await service.start(cfg);
  const done = await service.waitFor(run.id);
  await service.shutdown();
  const epochs = store.metrics.listEpochs(run.id);
  assert.equal(done.status, 'completed', done.statusMessage);
  // Built-in MNIST has a test split, so early stopping watches a validation share of the 150
  // training images (the default 10%), never the test split.
  const started = events.find((e) => e.type === 'started');
  assert.deepEqual([started?.trainSize, started?.validationSize, started?.heldOutSize], [135, 15, 50]);
  const watched = events.flatMap((e) => (e.type === 'epoch' ? [e.metric.watched] : []));
  assert.deepEqual(
    watched.map((w) => w?.split),
    ['validation', 'validation', 'validation'],
  );
  const validation = watched.map((w) => w!.total);
  assert.equal(epochs.length, 3, `validation −ELBO by epoch: ${validation.join(', ')}`);
  assert.ok(validation[2]! >= validation[1]! && validation[1]! < validation[0]!, `epoch 2 is the best: ${validation.join(', ')}`);
  assert.match(
    done.statusMessage,
    new RegExp(
      `Stopped early at epoch 3: the validation −ELBO did not improve for 1 epoch \\(best ${validation[1]!.toFixed(2)} at epoch 2\\)`,
    ),
  );
  // Each epoch-end checkpoint records what its epoch watched.
  const states = store.checkpoints
    .list(run.id)
    .map((c) => store.checkpoints.load(c.id)!.state as { controls: { watched: string; monitored: number } });
  assert.deepEqual(
    states.map((s) => [s.controls.watched, s.controls.monitored]),
    watched.map((w) => [w!.split, w!.total]),
  );

  const checkpoints = store.checkpoints.list(run.id);
  assert.deepEqual(
    checkpoints.filter((c) => c.best).map((c) => c.epoch),
    [2],
  );
  assert.equal(store.checkpoints.best(run.id)?.step, epochs[1]!.step);

  // Every step stores what the optimizer saw; with no schedule on, that is β 1, the configured
  // rate and the negative ELBO itself.
  const steps = store.metrics.listSteps(run.id);
  assert.equal(steps.length, 9);
  for (const s of steps) {
    assert.deepEqual({ beta: s.controls!.beta, rate: s.controls!.learningRate }, { beta: 1, rate: 0.05 });
    assert.ok(Math.abs(s.controls!.objective - s.loss.total) < 1e-3, `objective at step ${s.step}`);
  }

  const best = await exportRun(store, run.id, join(dir, 'best'), 'test', 'best');
  const last = await exportRun(store, run.id, join(dir, 'last'), 'test');
  const manifest = (d: string) => JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as { checkpoint: { step: number } };
  assert.equal(manifest(best.dir).checkpoint.step, epochs[1]!.step);
  assert.equal(manifest(last.dir).checkpoint.step, epochs[2]!.step);
  assert.ok(existsSync(join(best.dir, 'decoder', 'weights.bin')));
});

test('gradient-norm clipping bounds a real SGD step: the weights move by exactly rate × maxNorm', async () => {
  const cfg = presetConfig('quick', { ...BOUNCY, 'optim.optimizer': 'sgd', 'optim.learningRate': 1, 'optim.clipNorm': 0.5 });
  const data = prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed);
  const trainer = new Trainer(cfg, data);
  const weights = () => [...trainer.encoder.getWeights(), ...trainer.decoder.getWeights()].map((w) => w.dataSync().slice());
  const before = weights();
  trainer.trainStep();
  const after = weights();
  trainer.dispose();
  let sq = 0;
  before.forEach((w, i) => w.forEach((v, j) => (sq += (after[i]![j]! - v) ** 2)));
  // The first step's gradient is far above 0.5 here, so the clipped step has norm 0.5 exactly.
  assert.ok(Math.abs(Math.sqrt(sq) - 0.5) < 1e-3, `step norm ${Math.sqrt(sq)}`);
});

// ---------------------------------------------------------------------------------------------
// Resume with every control on: the rows and checkpoints of a killed and resumed run are the
// uninterrupted run's, bit for bit, schedule state (plateau's rate and counter, the best epoch) included.

class Killed extends Error {}
type Row = { kind: string; step: number; data: unknown };

const copy = (b: CheckpointBlobs): CheckpointBlobs => ({
  encoder: b.encoder.slice(),
  decoder: b.decoder.slice(),
  optimizer: b.optimizer.slice(),
  position: JSON.parse(JSON.stringify(b.position)) as TrainerPosition,
});
const numbers = (blob: Uint8Array) => decodeWeights(blob).map((w) => Array.from(w.values));

/** `killAt`: the attempt dies right after logging that step; `killAfterCheckpoint`: right after saving that one. */
async function attempt(
  cfg: ExperimentConfig,
  data: DatasetSplit,
  resume: CheckpointBlobs | null,
  killAt = -1,
  killAfterCheckpoint = -1,
) {
  const trainer = new Trainer(cfg, data);
  const rows: Row[] = [];
  let latest: CheckpointBlobs | null = null;
  let result: LoopResult | null = null;
  try {
    if (resume) await trainer.restore(copy(resume));
    result = await runLoop(1, trainer, {
      emit: (e: TrainingEvent) => {
        if (e.type === 'step') rows.push({ kind: 'step', step: e.step, data: { loss: e.loss, controls: e.controls } });
        if (e.type === 'epoch') rows.push({ kind: 'epoch', step: e.metric.step, data: [e.metric.train, e.metric.heldOut] });
        if (e.type === 'step' && e.step === killAt) throw new Killed();
      },
      checkpoint: (b) => {
        latest = copy(b);
        const d = {
          position: b.position,
          encoder: numbers(b.encoder),
          decoder: numbers(b.decoder),
          optimizer: numbers(b.optimizer),
        };
        rows.push({ kind: 'checkpoint', step: b.position.step, data: JSON.parse(JSON.stringify(d)) as unknown });
        if (b.position.step === killAfterCheckpoint) throw new Killed();
      },
      control: () => CONTROL_RUN,
      waitWhilePaused: () => {},
    });
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
  } finally {
    trainer.dispose();
  }
  return { rows, latest: latest as CheckpointBlobs | null, result };
}

test('killed and resumed with cyclical β, free bits, reduce-on-plateau, clipping and early stopping, a run logs exactly what it would have', async () => {
  const cfg = presetConfig('quick', {
    ...BOUNCY,
    // With this seed the held-out −ELBO goes 828, 258, 232, 210.9, 213.6 (worse: the rate halves), 209.6.
    'run.seed': 1,
    'optim.epochs': 6,
    'run.checkpointEvery': 2,
    'loss.klSchedule': 'cyclical',
    'loss.klCycles': 3,
    'loss.klCycleRise': 0.5,
    'loss.freeBits': 0.05,
    'optim.lrSchedule': 'plateau',
    'optim.lrPatience': 0,
    'optim.lrFactor': 0.5,
    'optim.clipNorm': 200,
    'optim.earlyStopPatience': 4,
  });
  const data = prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed);
  const whole = await attempt(cfg, data, null);
  assert.equal(whole.result?.status, 'completed');
  type Logged = {
    loss: { recon: number; kl: number; total: number };
    controls: { objective: number; beta: number; learningRate: number };
  };
  const logged = whole.rows.flatMap((r) => (r.kind === 'step' ? [r.data as Logged] : []));
  // 18 steps in 3 cycles of 6, rising over the first 3: β = min(1, (step mod 6) / 3).
  logged.forEach((l, s) => assert.ok(Math.abs(l.controls.beta - Math.min(1, (s % 6) / 3)) < 1e-12, `β at step ${s}`));
  // The plateau after epoch 5 halves the rate from step 15 on.
  assert.deepEqual(
    logged.map((l) => l.controls.learningRate),
    Array.from({ length: 18 }, (_, s) => (s < 15 ? 0.05 : 0.025)),
  );
  // Free bits only raise the KL term; the logged −ELBO stays recon + KL.
  for (const l of logged) {
    assert.ok(l.controls.objective >= l.loss.recon + l.controls.beta * l.loss.kl - 1e-3);
    assert.ok(Math.abs(l.loss.total - (l.loss.recon + l.loss.kl)) < 1e-9);
  }
  // Killed in epoch 6 (3 steps an epoch), after the plateau halved the rate; resumed from step 16.
  const first = await attempt(cfg, data, null, 17);
  assert.equal(first.latest?.position.step, 16);
  assert.equal(first.latest!.position.controls.plateauLr, 0.025, 'the checkpoint carries the reduced rate');
  const second = await attempt(cfg, data, first.latest);
  const rows = [...first.rows.filter((r) => r.step <= 16), ...second.rows];
  assert.deepEqual(
    rows.map((r) => `${r.kind}@${r.step}`),
    whole.rows.map((r) => `${r.kind}@${r.step}`),
  );
  rows.forEach((r, i) => assert.deepEqual(r, whole.rows[i], `${r.kind} at step ${r.step}`));
});

test('killed after early stopping saved its checkpoint, the resumed run ends there at once, as stopped early', async () => {
  const cfg = presetConfig('quick', { ...BOUNCY, 'optim.epochs': 6, 'optim.earlyStopPatience': 1 });
  const data = prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed);
  const whole = await attempt(cfg, data, null);
  assert.match(whole.result!.message, /^Stopped early at epoch 3/);
  const first = await attempt(cfg, data, null, -1, 9);
  assert.equal(first.result, null, 'killed before the loop could return');
  const second = await attempt(cfg, data, first.latest);
  assert.deepEqual(second.rows, [], 'nothing more is trained or logged');
  assert.deepEqual([second.result?.status, second.result?.message], [whole.result!.status, whole.result!.message]);
});
