// `node out/main/serve.js`, the built browser mode, as a separate process: a run started over its
// WebSocket trains in the bundled worker thread (found beside the bundle), the bundled latent worker
// decodes with its checkpoint, and SIGTERM lets a live run checkpoint before the process exits, so
// it can be resumed later.
import { after, before, describe } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { openDatabase } from '../../src/main/store/index.ts';
import type { DecodedImages, RunDetail } from '../../src/shared/contract.ts';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { startWorkbench, type Workbench } from './harness.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

// Training waits: generous, since other tests (and other work) share the machine's two cores.
const TRAINING = 180_000;

describe('the built server trains a run and stops it with a checkpoint on SIGTERM', () => {
  const step = steps();
  let dir: string;
  let dbPath: string;
  let workbench: Workbench;
  let rpc: RpcSocket;
  let quick: RunDetail;
  let longId: number;

  before(async () => {
    // The database lives in the test's folder: the harness deletes its own with the server.
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-serve-'));
    dbPath = join(dir, 'workbench.db');
    workbench = await startWorkbench({ dbPath });
    rpc = await openRpc(workbench.wsUrl);
  });
  after(async () => {
    await rpc?.close();
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  step('a run trains to the end in the bundled worker thread, every step stored', { timeout: TRAINING }, async () => {
    const started = await rpc.call('startRun', { config: presetConfig('quick', { 'data.limit': 600, 'optim.epochs': 1 }) });
    assert.ok(started.ok, JSON.stringify(started));
    const id = (started.value as RunRecord).id;
    await rpc.waitForEvent(runFinished(id), TRAINING);
    const detail = await rpc.call('getRun', { runId: id });
    assert.ok(detail.ok);
    quick = detail.value as RunDetail;
    assert.equal(quick.run.status, 'completed');
    assert.equal(quick.steps.length, quick.run.totalSteps);
    assert.ok(quick.run.finalHeldOut && Number.isFinite(quick.run.finalHeldOut.total));
  });

  step("the bundled latent worker decodes with the run's checkpoint", async () => {
    const zero = new Array<number>(quick.run.config.model.latentDim).fill(0);
    const decoded = await rpc.call('decodeLatents', { runId: quick.run.id, points: [zero] });
    assert.ok(decoded.ok, JSON.stringify(decoded));
    assert.equal((decoded.value as DecodedImages).grid.pixels.length, 28 * 28);
  });

  step('SIGTERM during a live run: the server exits 0 and drops the socket', { timeout: TRAINING }, async () => {
    const long = await rpc.call('startRun', {
      config: presetConfig('quick', { 'data.limit': 3000, 'optim.epochs': 5, 'optim.batchSize': 8 }),
    });
    assert.ok(long.ok, JSON.stringify(long));
    longId = (long.value as RunRecord).id;
    await rpc.waitForEvent(
      (e) => e.type === 'training' && e.events.some((te) => te.runId === longId && te.type === 'step' && te.step >= 10),
      TRAINING,
    );
    const closed = rpc.closed;
    const exitCode = await workbench.close();
    assert.equal(exitCode, 0, workbench.output());
    assert.equal((await closed).code, 1006, 'the socket was dropped by the exiting server');
  });

  step('the store has the run interrupted, with the checkpoint saved at the stop', () => {
    const store = openDatabase(dbPath);
    try {
      const stopped = store.runs.get(longId)!;
      assert.equal(stopped.status, 'interrupted');
      const checkpoint = store.checkpoints.latest(longId);
      assert.ok(checkpoint && checkpoint.step >= 10, 'a checkpoint was saved at the stop');
    } finally {
      store.close();
    }
  });
});
