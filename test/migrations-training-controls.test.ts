// Migration 006 (training controls) on a database with steps logged before it, and the best
// checkpoint read from the epoch metrics, for runs old and new.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../src/main/store/migrate.ts';
import { MIGRATIONS } from '../src/main/store/migrations/index.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { stepsFromCsv, stepsToCsv } from '../src/main/export/csv.ts';
import { presetConfig, tempDir } from './helpers.ts';

const position = MIGRATIONS.findIndex((m) => m.name === 'training-controls');

test('006 adds the step controls as nullable columns; steps logged before it read back without controls', (t) => {
  assert.ok(position >= 4, 'the migration is listed after 004');
  const file = join(tempDir(t), 'w.db');
  const db = new Database(file);
  migrate(db, MIGRATIONS.slice(0, position));
  const runId = Number(
    db.prepare("INSERT INTO runs (name, preset, config, status, created_at) VALUES ('old', 'quick', '{}', 'completed', 0)").run()
      .lastInsertRowid,
  );
  db.prepare(
    'INSERT INTO step_metrics (run_id, step, epoch, recon, kl, total, images_per_sec, wall_ms) VALUES (?, 1, 1, 1, 2, 3, 10, 5)',
  ).run(runId);
  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, position + 1)), [position + 1]);
  const cols = db.prepare("SELECT name FROM pragma_table_info('step_metrics')").pluck().all();
  assert.deepEqual(cols.slice(-3), ['objective', 'beta', 'learning_rate']);
  db.close();

  const store = openDatabase(file);
  t.after(() => store.close());
  const [old] = store.metrics.listSteps(runId);
  assert.deepEqual(old?.loss, { recon: 1, kl: 2, total: 3 });
  assert.equal(old?.controls, undefined);
  const w = store.metrics.writer(runId);
  w.append({
    step: 2,
    epoch: 1,
    loss: { recon: 1, kl: 2, total: 3 },
    imagesPerSec: 1,
    wallMs: 1,
    controls: { objective: NaN, beta: 0.25, learningRate: 1e-3 },
  });
  w.close();
  const [, fresh] = store.metrics.listSteps(runId);
  assert.ok(Number.isNaN(fresh!.controls!.objective), 'a NaN objective is stored as NULL and read back as NaN');
  assert.deepEqual({ beta: fresh!.controls!.beta, rate: fresh!.controls!.learningRate }, { beta: 0.25, rate: 1e-3 });
  // Downsampled, the controls are bucket means like the losses.
  const [bucket] = store.metrics.listSteps(runId, { maxPoints: 1 });
  assert.equal(bucket?.controls?.beta, 0.25);
});

test('the best checkpoint is the epoch end with the lowest held-out −ELBO (earliest on a tie), else the lowest training one', (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  t.after(() => store.close());
  const blob = new Uint8Array([1]);
  const make = (heldOut: (number | null)[], train: number[], validation: number[] = []) => {
    const run = store.runs.create({ config: presetConfig('quick'), status: 'completed' });
    heldOut.forEach((h, i) => {
      const loss = (total: number) => ({ recon: total, kl: 0, total });
      store.metrics.appendEpoch(run.id, {
        epoch: i + 1,
        step: (i + 1) * 10,
        train: loss(train[i]!),
        heldOut: h === null ? null : loss(h),
        imagesPerSec: 1,
        wallMs: 1,
      });
      store.checkpoints.save({
        runId: run.id,
        epoch: i + 1,
        step: (i + 1) * 10,
        encoder: blob,
        decoder: blob,
        // A run that watched a validation split keeps each epoch's value in its control state.
        state: validation.length ? { controls: { watched: 'validation', monitored: validation[i] } } : {},
        atEpochEnd: true,
      });
    });
    // A newer mid-epoch checkpoint is never the best.
    store.checkpoints.save({
      runId: run.id,
      epoch: heldOut.length,
      step: heldOut.length * 10 + 3,
      encoder: blob,
      decoder: blob,
      state: {},
    });
    return run.id;
  };
  const marked = (id: number) =>
    store.checkpoints
      .list(id)
      .filter((c) => c.best)
      .map((c) => c.epoch);
  const a = make([5, 3, 4, 3], [9, 9, 9, 9]);
  assert.deepEqual(marked(a), [2]);
  assert.equal(store.checkpoints.best(a)?.step, 20);
  assert.equal(store.checkpoints.latest(a)?.step, 43);
  const b = make([null, null, null], [7, 6, 8]);
  assert.deepEqual(marked(b), [2], 'no held-out set: the training −ELBO decides');
  const c = make([5, 3, 4], [9, 9, 9], [6, 7, 5]);
  assert.deepEqual(marked(c), [3], 'a watched validation split decides, not the test split');
  const empty = store.runs.create({ config: presetConfig('quick'), status: 'failed' });
  assert.equal(store.checkpoints.best(empty.id), null);
});

test('exported step CSVs carry the controls, and exports written before them still import', () => {
  const steps = [
    {
      step: 1,
      epoch: 1,
      loss: { recon: 1.5, kl: 2, total: 3.5 },
      imagesPerSec: 4,
      wallMs: 5,
      controls: { objective: NaN, beta: 0.1, learningRate: 1e-3 },
    },
    { step: 2, epoch: 1, loss: { recon: 1, kl: 2, total: 3 }, imagesPerSec: 4, wallMs: 6 },
  ];
  const text = stepsToCsv(steps);
  assert.equal(text.split('\n')[0], 'step,epoch,recon,kl,total,images_per_sec,wall_ms,objective,beta,learning_rate');
  assert.deepEqual(stepsFromCsv(text), steps);
  const legacy = stepsFromCsv('step,epoch,recon,kl,total,images_per_sec,wall_ms\n1,1,1,2,3,4,5\n');
  assert.deepEqual(legacy, [{ step: 1, epoch: 1, loss: { recon: 1, kl: 2, total: 3 }, imagesPerSec: 4, wallMs: 5 }]);
});

test('a run stored before the controls existed reads back with them at their defaults, in get and in list', (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  t.after(() => store.close());
  const config = presetConfig('seed-notebook');
  const old = JSON.parse(JSON.stringify(config)) as { loss: Record<string, unknown>; optim: Record<string, unknown> };
  for (const key of ['klSchedule', 'klWarmupEpochs', 'klCycles', 'klCycleRise', 'freeBits', 'objective']) delete old.loss[key];
  for (const key of ['lrSchedule', 'lrStepEpochs', 'lrFactor', 'lrPatience', 'lrMin', 'earlyStopPatience', 'clipNorm'])
    delete old.optim[key];
  const id = Number(
    store.db
      .prepare("INSERT INTO runs (name, preset, config, status, created_at) VALUES ('old', 'seed-notebook', ?, 'completed', 0)")
      .run(JSON.stringify(old)).lastInsertRowid,
  );
  assert.deepEqual(store.runs.get(id)?.config, config);
  assert.deepEqual(store.runs.list().find((r) => r.id === id)?.config, config);
});
