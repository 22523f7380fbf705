// Resume is exact: a run killed and resumed from its latest checkpoint records what the run that was
// never interrupted records, bit for bit on the same backend (timing fields aside): step losses, epoch
// metrics, final metrics, image grids and checkpoints. In-process kills at exact points (mid-epoch,
// right at an epoch end, in the last epoch) drive the training loop itself; one CLI process is
// SIGKILLed and resumed with `--resume`, and its database is compared with an uninterrupted run's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer, type CheckpointBlobs, type TrainerPosition } from '../src/main/engine/trainer.ts';
import { decodeWeights, encodeWeights } from '../src/main/engine/weights.ts';
import { loadDataset, prepareSplit, type DatasetSplit } from '../src/main/data/index.ts';
import { runLoop, type LoopResult } from '../src/main/runs/loop.ts';
import { CONTROL_PAUSE, CONTROL_RUN, CONTROL_STOP } from '../src/main/runs/protocol.ts';
import { RunService } from '../src/main/runs/service.ts';
import { openDatabase } from '../src/main/store/index.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import type { ImageGrid, TrainingEvent } from '../src/shared/training.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { cliArgs } from './cli-run.ts';
import { mnistSubset } from './mnist-subset.ts';

before(async () => {
  await initBackend('auto');
});

// ---------------------------------------------------------------------------------------------
// In-process: the loop and trainer, killed at exact points.

/** What a run leaves in the store, as the run service records it; timing fields left out. */
interface Row {
  kind: 'step' | 'epoch' | 'image' | 'checkpoint';
  step: number;
  data: unknown;
}

class Killed extends Error {}

interface Attempt {
  rows: Row[];
  /** The latest checkpoint written, as the store hands it back (position through JSON). */
  latest: CheckpointBlobs | null;
  result: LoopResult | null;
}

const copyBlobs = (b: CheckpointBlobs): CheckpointBlobs => ({
  encoder: b.encoder.slice(),
  decoder: b.decoder.slice(),
  optimizer: b.optimizer.slice(),
  position: JSON.parse(JSON.stringify(b.position)) as TrainerPosition,
});

/**
 * Trains from `resume` (or from scratch) and records every row. `killAfter` is asked after each
 * event and each checkpoint; when it says so, the attempt ends there as a killed process would.
 */
async function attempt(
  cfg: ExperimentConfig,
  data: DatasetSplit,
  resume: CheckpointBlobs | null,
  killAfter: (row: Row) => boolean = () => false,
): Promise<Attempt> {
  const trainer = new Trainer(cfg, data);
  const out: Attempt = { rows: [], latest: null, result: null };
  const record = (row: Row) => {
    out.rows.push(row);
    if (killAfter(row)) throw new Killed();
  };
  try {
    if (resume) await trainer.restore(copyBlobs(resume));
    out.result = await runLoop(1, trainer, {
      emit: (e: TrainingEvent) => {
        if (e.type === 'step') record({ kind: 'step', step: e.step, data: { epoch: e.epoch, loss: e.loss } });
        else if (e.type === 'epoch') {
          const { imagesPerSec: _r, wallMs: _w, ...metric } = e.metric;
          record({ kind: 'epoch', step: e.metric.step, data: metric });
        } else if (e.type === 'image')
          record({ kind: 'image', step: e.step, data: { kind: e.kind, epoch: e.epoch, grid: e.grid } });
      },
      checkpoint: (blobs) => {
        out.latest = copyBlobs(blobs);
        record({ kind: 'checkpoint', step: blobs.position.step, data: comparable(blobs) });
      },
      control: () => CONTROL_RUN,
      waitWhilePaused: () => {},
    });
  } catch (e) {
    if (!(e instanceof Killed)) throw e;
  } finally {
    trainer.dispose();
  }
  return out;
}

// Layer (and so weight and slot) names carry tfjs' per-process layer counter, which differs between
// two trainers in one process; the numbers are what must match.
const unnamed = (blob: Uint8Array) => decodeWeights(blob).map((w) => ({ shape: w.shape, values: w.values }));
const comparable = (b: CheckpointBlobs) => ({
  position: JSON.parse(JSON.stringify(b.position)) as unknown,
  encoder: unnamed(b.encoder),
  decoder: unnamed(b.decoder),
  optimizer: unnamed(b.optimizer),
});

/** The rows the store holds after a resume from `from`: the first attempt's up to it, then the second's. */
const spliced = (first: Row[], from: number, second: Row[]) => [...first.filter((r) => r.step <= from), ...second];

// 270 training images in batches of 16: 17 steps an epoch, the last one partial (14 images), so the
// epoch average weights batches by their size. Logged every 2 steps, so some checkpoints fall
// between logged steps. A 32-unit model: exactness does not depend on the size, and the many
// attempts below cost a fraction of the preset's.
const tinyOverrides = {
  'data.limit': 300,
  'model.encoderHidden': [32],
  'model.decoderHidden': [32],
  'optim.batchSize': 16,
  'optim.epochs': 3,
  'run.checkpointEvery': 5,
  'run.previewEvery': 4,
  'run.logEvery': 2,
};

// Built-in MNIST, read once for the file: the split takes what each config asks of it, changing nothing.
let mnist: ReturnType<typeof loadDataset> | null = null;
const builtin = (cfg: ExperimentConfig) => (mnist ??= loadDataset(cfg.data));

async function tinyRun() {
  const cfg = presetConfig('quick', tinyOverrides);
  const data = prepareSplit(await builtin(cfg), cfg.data, cfg.run.seed);
  return { cfg, data };
}

test('killed in-process at exact points and resumed, a run records exactly what the uninterrupted run does', async () => {
  const { cfg, data } = await tinyRun();
  const whole = await attempt(cfg, data, null);
  assert.equal(whole.result?.status, 'completed');
  const spe = 17;
  const epochEnds = whole.rows.filter((r) => r.kind === 'epoch').map((r) => r.step);
  assert.deepEqual(epochEnds, [spe, 2 * spe, 3 * spe]);

  const cases: { name: string; killAfter: (r: Row) => boolean; from: number }[] = [
    // The checkpoint at 25 is 8 steps into epoch 2; killed 3 steps (and a preview) later.
    { name: 'mid-epoch', killAfter: (r) => r.kind === 'step' && r.step === 28, from: 25 },
    // Killed just after the epoch-end checkpoint, before anything else is logged.
    { name: 'at the end of epoch 2', killAfter: (r) => r.kind === 'checkpoint' && r.step === 2 * spe, from: 2 * spe },
    // Killed early in epoch 2: the resume starts at the epoch-end checkpoint, and the epoch sums restart.
    { name: 'just after the end of epoch 1', killAfter: (r) => r.kind === 'image' && r.step === 20, from: spe },
    // The checkpoint at 45 is in the last epoch; killed three steps before the run would have completed.
    { name: 'in the last epoch', killAfter: (r) => r.kind === 'step' && r.step === 3 * spe - 3, from: 45 },
  ];
  for (const c of cases) {
    const first = await attempt(cfg, data, null, c.killAfter);
    assert.equal(first.result, null, `${c.name}: the first attempt was killed`);
    assert.equal(first.latest?.position.step, c.from, `${c.name}: the latest checkpoint`);
    const second = await attempt(cfg, data, first.latest);
    assert.equal(second.result?.status, 'completed', c.name);
    const rows = spliced(first.rows, c.from, second.rows);
    assert.deepEqual(
      rows.map((r) => `${r.kind}@${r.step}`),
      whole.rows.map((r) => `${r.kind}@${r.step}`),
      `${c.name}: the same rows, none twice and none missing`,
    );
    for (let i = 0; i < rows.length; i++) {
      assert.deepEqual(rows[i], whole.rows[i], `${c.name}: ${rows[i]!.kind} at step ${rows[i]!.step}`);
    }
    assert.deepEqual(
      { train: second.result!.final.train, heldOut: second.result!.final.heldOut },
      { train: whole.result!.final.train, heldOut: whole.result!.final.heldOut },
      `${c.name}: final metrics`,
    );
  }
});

test('dynamic binarization: a run killed mid-epoch and resumed draws exactly what the uninterrupted run draws', async () => {
  const base = await tinyRun();
  const cfg = presetConfig('quick', { ...tinyOverrides, 'data.binarization': 'dynamic' });
  const data = prepareSplit(await builtin(cfg), cfg.data, cfg.run.seed);
  const steps = (rows: Row[]) => rows.filter((r) => r.kind === 'step').map((r) => JSON.stringify(r.data));
  const whole = await attempt(cfg, data, null);
  assert.equal(whole.result?.status, 'completed');
  // The draws matter: the same run on the intensities logs other losses from its first step.
  const plain = await attempt(base.cfg, base.data, null);
  assert.notEqual(steps(whole.rows)[0], steps(plain.rows)[0]);
  // Killed 3 steps after the checkpoint at step 25 (8 steps into epoch 2), resumed from it.
  const first = await attempt(cfg, data, null, (r) => r.kind === 'step' && r.step === 28);
  assert.equal(first.latest?.position.step, 25);
  const second = await attempt(cfg, data, first.latest);
  assert.equal(second.result?.status, 'completed');
  assert.deepEqual(spliced(first.rows, 25, second.rows), whole.rows);
});

test('a checkpoint from before epoch sums and Adam powers were saved still resumes', async () => {
  const { cfg, data } = await tinyRun();
  const first = await attempt(cfg, data, null, (r) => r.kind === 'checkpoint' && r.step === 25);
  const old = first.latest!;
  const { epochSums: _s, ...position } = old.position;
  const legacy: CheckpointBlobs = {
    ...old,
    position: position as TrainerPosition,
    optimizer: encodeWeights(decodeWeights(old.optimizer).filter((w) => !w.name.includes('accBeta'))),
  };
  assert.ok(decodeWeights(legacy.optimizer).length < decodeWeights(old.optimizer).length, 'the powers were stripped');
  const second = await attempt(cfg, data, legacy);
  assert.equal(second.result?.status, 'completed');
  const epoch2 = second.rows.find((r) => r.kind === 'epoch')!;
  assert.equal(epoch2.step, 34);
  const { train } = epoch2.data as { train: { total: number } };
  // Without the sums, epoch 2's average covers the steps after the resume: still a real number.
  assert.ok(Number.isFinite(train.total) && train.total > 0);
});

test('stopping or pausing where the loop started adds no checkpoint: not at step 0, not at the resume step', async () => {
  const { cfg, data } = await tinyRun();
  const first = await attempt(cfg, data, null, (r) => r.kind === 'checkpoint' && r.step === 25);
  for (const resume of [null, first.latest]) {
    const trainer = new Trainer(cfg, data);
    if (resume) await trainer.restore(copyBlobs(resume));
    const checkpoints: number[] = [];
    const controls = [CONTROL_PAUSE, CONTROL_STOP];
    const result = await runLoop(1, trainer, {
      emit: () => {},
      checkpoint: (b) => checkpoints.push(b.position.step),
      control: () => controls[0]!,
      waitWhilePaused: () => void controls.shift(),
    });
    trainer.dispose();
    assert.equal(result.status, 'interrupted');
    assert.deepEqual(checkpoints, [], `from step ${resume?.position.step ?? 0}`);
  }
});

// ---------------------------------------------------------------------------------------------
// The store: images after the resume step are dropped, and thinning leaves the same grids either way.

test('images.removeAfter drops later grids, and thinning keeps the same grids whether or not the run rolled back', (t) => {
  const tiny: ImageGrid = { rows: 1, cols: 1, height: 1, width: 1, pixels: new Uint8Array([7]) };
  const store = openDatabase(join(tempDir(t), 'w.db'), { maxImagesPerKind: 12 });
  t.after(() => store.close());
  const log = (runId: number, steps: number[]) => {
    for (const step of steps) {
      for (const kind of ['reconstruction', 'samples'] as const) store.images.save(runId, { epoch: 0, step, kind, grid: tiny });
    }
  };
  const kept = (runId: number) => store.images.list(runId).map((i) => `${i.kind}@${i.step}`);
  // A preview every 20 steps plus one at each epoch end (every 141 steps), as the loop logs them.
  const logged = [...new Set([...Array.from({ length: 31 }, (_, i) => i * 20), 141, 282, 423, 564])].sort((a, b) => a - b);
  const upTo = (last: number) => logged.filter((s) => s <= last);
  const after = (first: number, last: number) => logged.filter((s) => s > first && s <= last);

  const straight = store.runs.create({ config: presetConfig('quick') }).id;
  log(straight, logged);
  const expected = kept(straight);
  assert.ok(expected.length <= 24, `at most 12 of each kind: ${expected.length}`);
  for (const s of ['samples@0', 'samples@600', 'samples@564'])
    assert.ok(expected.includes(s), `${s}: the first, the newest and this epoch-end grid survive`);

  // Killed at 470 and resumed from a checkpoint at 300 (320..460 logged twice), then killed at 590
  // and resumed from the epoch end at 564.
  const rolled = store.runs.create({ config: presetConfig('quick') }).id;
  log(rolled, upTo(470));
  store.images.removeAfter(rolled, 300);
  assert.ok(
    store.images.list(rolled).every((i) => i.step <= 300),
    'nothing after the resume step is left',
  );
  log(rolled, after(300, 590));
  store.images.removeAfter(rolled, 564);
  log(rolled, after(564, 600));
  assert.deepEqual(kept(rolled), expected);
});

test('a run resumed before its first checkpoint logs its step-0 previews once', async (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  t.after(() => store.close());
  const cfg = presetConfig('quick', {
    'data.source': 'idx',
    'data.path': mnistSubset(200),
    'data.limit': 200,
    'optim.epochs': 1,
    'run.evalSamples': 0,
  });
  // What a process killed right after its first previews leaves behind.
  const run = store.runs.create({ config: cfg, status: 'running', ownerPid: 2 ** 22 + 1 });
  const grid: ImageGrid = { rows: 1, cols: 1, height: 1, width: 1, pixels: new Uint8Array([1]) };
  store.images.save(run.id, { epoch: 0, step: 0, kind: 'reconstruction', grid });
  store.images.save(run.id, { epoch: 0, step: 0, kind: 'samples', grid });
  store.runs.markFinished(run.id, 'interrupted', 'killed');
  const service = new RunService(store);
  await service.resume(run.id);
  const done = await service.waitFor(run.id);
  assert.equal(done.status, 'completed', done.statusMessage);
  const atZero = store.images.list(run.id).filter((i) => i.step === 0);
  assert.deepEqual(atZero.map((i) => i.kind).sort(), ['reconstruction', 'samples']);
  assert.ok(
    atZero.every((i) => store.images.load(i.id)!.grid.rows > 1),
    'the grids are the resumed run’s own',
  );
  await service.shutdown();
});

// ---------------------------------------------------------------------------------------------
// A real CLI process, SIGKILLed after a mid-epoch checkpoint and resumed with --resume.

// MNIST's first 600 digits from a small IDX file (a process reads no more than it trains on), and no
// evaluation at the end: what is compared is what training records.
const CLI_SETTINGS = [
  'data.source=idx',
  `data.path=${mnistSubset(600)}`,
  'run.evalSamples=0',
  'data.limit=600',
  'optim.batchSize=16',
  'optim.epochs=3',
  'run.checkpointEvery=10',
  'run.previewEvery=4',
  'run.seed=7',
];

function cli(db: string, extra: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }> } {
  const args = cliArgs('train', ['--db', db, ...extra]);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stderr })),
  );
  return { child, exited };
}

/** Everything a run records except timings, names and row ids, in a comparable form. */
function snapshot(file: string) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = (sql: string) => db.prepare(sql).all();
    return {
      run: db
        .prepare(
          `SELECT status, status_message, backend, dataset_fingerprint, step, epoch, total_steps, config,
                  train_recon, train_kl, train_total, held_out_recon, held_out_kl, held_out_total FROM runs`,
        )
        .get(),
      steps: rows('SELECT step, epoch, recon, kl, total FROM step_metrics ORDER BY step'),
      epochs: rows(`SELECT epoch, step, train_recon, train_kl, train_total, held_out_recon, held_out_kl, held_out_total
                    FROM epoch_metrics ORDER BY epoch`),
      images: rows('SELECT step, kind, epoch, rows, cols, height, width, pixels FROM images ORDER BY step, kind, id'),
      checkpoints: rows(
        'SELECT step, epoch, at_epoch_end, state, encoder, decoder, optimizer FROM checkpoints ORDER BY step, id',
      ),
    };
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a CLI run SIGKILLed after a mid-epoch checkpoint and resumed records what an uninterrupted run does', async (t) => {
  const dir = tempDir(t);
  const reference = join(dir, 'reference.db');
  const killed = join(dir, 'killed.db');
  const sets = CLI_SETTINGS.flatMap((s) => ['--set', s]);
  const whole = cli(reference, ['--preset', 'quick', ...sets]);
  const first = cli(killed, ['--preset', 'quick', ...sets]);
  t.after(() => {
    whole.child.kill('SIGKILL');
    first.child.kill('SIGKILL');
  });

  // Poll inside a write transaction: while it is open the CLI cannot write, so what is read is what
  // the kill leaves behind. Wanted: a mid-epoch checkpoint with a preview logged after it (to be
  // dropped on resume) and the run not yet finished. Most of the run looks like that.
  let killedAt: { step: number; imagesAfter: number } | null = null;
  const deadline = Date.now() + 180_000;
  while (killedAt === null && Date.now() < deadline) {
    await sleep(20);
    let db: Database.Database;
    try {
      db = new Database(killed, { fileMustExist: true, timeout: 30_000 });
    } catch {
      continue; // not created yet
    }
    try {
      db.exec('BEGIN IMMEDIATE');
      const latest = db.prepare('SELECT step, at_epoch_end FROM checkpoints ORDER BY step DESC, id DESC LIMIT 1').get() as
        { step: number; at_epoch_end: number } | undefined;
      const status = db.prepare('SELECT status FROM runs').pluck().get() as string | undefined;
      if (latest && latest.at_epoch_end === 0 && status === 'running') {
        const imagesAfter = db.prepare('SELECT COUNT(*) FROM images WHERE step > ?').pluck().get(latest.step) as number;
        if (imagesAfter > 0) {
          first.child.kill('SIGKILL');
          await first.exited;
          killedAt = { step: latest.step, imagesAfter };
        }
      }
    } catch {
      // The schema is not there yet.
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
    if (killedAt === null && first.child.exitCode !== null) break;
  }
  assert.ok(killedAt, 'the run was killed after a mid-epoch checkpoint, before it completed');

  const resumed = cli(killed, ['--resume', '1']);
  const [wholeExit, resumedExit] = await Promise.all([whole.exited, resumed.exited]);
  assert.equal(wholeExit.code, 0, wholeExit.stderr);
  assert.equal(resumedExit.code, 0, resumedExit.stderr);
  assert.match(resumedExit.stderr, new RegExp(`resuming at step ${killedAt.step}\\b`));

  const a = snapshot(reference);
  const b = snapshot(killed);
  assert.equal((a.run as { status: string }).status, 'completed');
  assert.deepEqual(b.run, a.run, 'the run row: status, progress and final metrics');
  assert.deepEqual(b.steps, a.steps, 'step metrics');
  assert.deepEqual(b.epochs, a.epochs, 'epoch metrics');
  assert.deepEqual(
    b.images.map((i) => `${(i as { kind: string }).kind}@${(i as { step: number }).step}`),
    a.images.map((i) => `${(i as { kind: string }).kind}@${(i as { step: number }).step}`),
    'the same image grids, none twice',
  );
  assert.deepEqual(b.images, a.images, 'image pixels');
  assert.deepEqual(b.checkpoints, a.checkpoints, 'checkpoints, weights and optimizer state included');
});
