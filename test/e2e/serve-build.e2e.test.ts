// `node out/main/serve.js`, the built browser mode, as a separate process: a run started over its
// WebSocket trains in the bundled worker thread (found beside the bundle), and SIGTERM lets a live
// run checkpoint before the process exits, so it can be resumed later. The bundled latent worker decodes too.
import { test } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { openDatabase } from '../../src/main/store/index.ts';
import type { DecodedImages, RunDetail, WorkbenchEvent } from '../../src/shared/contract.ts';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig, tempDir } from '../helpers.ts';
import { startWorkbench } from './harness.ts';
import { openRpc } from './ws-rpc.ts';

const hasStatus = (runId: number, status: string) => (e: WorkbenchEvent) =>
  e.type === 'training' && e.events.some((te) => te.runId === runId && te.type === 'status' && te.status === status);

test('the built server trains a run and stops it with a checkpoint on SIGTERM', async (t) => {
  // The database lives in the test's folder: the harness deletes its own with the server.
  const dbPath = join(tempDir(t), 'workbench.db');
  const workbench = await startWorkbench({ dbPath });
  t.after(() => workbench.close());
  const rpc = await openRpc(workbench.wsUrl);

  const quick = await rpc.call('startRun', { config: presetConfig('quick', { 'data.limit': 600, 'optim.epochs': 1 }) });
  assert.ok(quick.ok, JSON.stringify(quick));
  const quickId = (quick.value as RunRecord).id;
  await rpc.waitForEvent(hasStatus(quickId, 'completed'), 60_000);
  const detail = await rpc.call('getRun', { runId: quickId });
  assert.ok(detail.ok);
  const d = detail.value as RunDetail;
  assert.equal(d.run.status, 'completed');
  assert.equal(d.steps.length, d.run.totalSteps);
  assert.ok(d.run.finalHeldOut && Number.isFinite(d.run.finalHeldOut.total));
  // The bundled latent worker decodes with the run's checkpoint.
  const decoded = await rpc.call('decodeLatents', { runId: quickId, points: [new Array(d.run.config.model.latentDim).fill(0)] });
  assert.ok(decoded.ok, JSON.stringify(decoded));
  assert.equal((decoded.value as DecodedImages).grid.pixels.length, 28 * 28);

  const long = await rpc.call('startRun', {
    config: presetConfig('quick', { 'data.limit': 3000, 'optim.epochs': 5, 'optim.batchSize': 8 }),
  });
  assert.ok(long.ok);
  const longId = (long.value as RunRecord).id;
  await rpc.waitForEvent(
    (e) => e.type === 'training' && e.events.some((te) => te.runId === longId && te.type === 'step' && te.step >= 10),
    60_000,
  );
  const closed = rpc.closed;
  const exitCode = await workbench.close();
  assert.equal(exitCode, 0, workbench.output());
  assert.equal((await closed).code, 1006, 'the socket was dropped by the exiting server');

  const store = openDatabase(dbPath);
  t.after(() => store.close());
  const stopped = store.runs.get(longId)!;
  assert.equal(stopped.status, 'interrupted');
  const checkpoint = store.checkpoints.latest(longId);
  assert.ok(checkpoint && checkpoint.step >= 10, 'a checkpoint was saved at the stop');
});
