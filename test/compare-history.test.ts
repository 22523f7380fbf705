// Compare's histories for many runs: the batcher sends a few getRunHistories calls, not one request
// per run (bench/compare-many.ts measures what that buys with 400 runs), and the handler answers
// them from a real SQLite store, each run's steps bucketed to maxPoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunHistory, WorkbenchHandlers } from '../src/shared/contract.ts';
import { MAX_HISTORY_RUNS } from '../src/shared/contract.ts';
import { validateArgs } from '../src/shared/contract-validate.ts';
import { err, ok, type Result } from '../src/shared/result.ts';
import { createHandlers, type HandlerDeps } from '../src/main/api/handlers.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { HistoryBatcher } from '../src/renderer/src/lib/compare/history-batch.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { runRecord } from './run-record.ts';

const history = (id: number): RunHistory => ({ run: runRecord({ id }), steps: [], epochs: [], checkpoints: [] });

test('400 runs asked in one tick are 4 calls of 100 runs, at most `concurrency` in flight, each run answered with its own history', async () => {
  const calls: number[][] = [];
  let inFlight = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const batcher = new HistoryBatcher(
    async (ids) => {
      calls.push(ids);
      most = Math.max(most, ++inFlight);
      await new Promise<void>((r) => release.push(r));
      inFlight--;
      // Run 7 was deleted meanwhile: left out of the answer.
      return ok(ids.filter((id) => id !== 7).map(history));
    },
    100,
    2,
  );
  const ids = Array.from({ length: 400 }, (_, i) => i + 1);
  const answers = ids.map((id) => batcher.get(id, 150));
  // Let the batch flush and the first calls start; answer them one at a time until none are left.
  for (let answered = 0; answered < 4; answered++) {
    await new Promise((r) => setImmediate(r));
    assert.ok(release.length > 0, `call ${answered + 1} was sent`);
    release.shift()!();
  }
  const results = await Promise.all(answers);
  assert.equal(calls.length, 4, 'chunks of 100');
  assert.deepEqual(calls.flat(), ids);
  assert.equal(most, 2, 'at most two calls in flight');
  for (const [i, r] of results.entries()) {
    if (ids[i] === 7) assert.deepEqual(r, err('not-found', 'Run 7 does not exist.'));
    else assert.equal(r.ok && r.value.run.id, ids[i]);
  }
});

test('a failed call fails each of its runs with its error; later calls still go', async () => {
  let n = 0;
  const batcher = new HistoryBatcher(async (ids): Promise<Result<RunHistory[]>> => {
    n++;
    if (n === 1) throw new Error('socket closed');
    return ok(ids.map(history));
  }, 200);
  const first = await Promise.all([batcher.get(1, 150), batcher.get(2, 150)]);
  assert.deepEqual(first, [err('internal', 'socket closed'), err('internal', 'socket closed')]);
  const again = await batcher.get(1, 150);
  assert.equal(again.ok && again.value.run.id, 1);
  // Different point budgets cannot share a call.
  const mixed = await Promise.all([batcher.get(3, 150), batcher.get(4, 500)]);
  assert.equal(n, 4);
  assert.ok(mixed.every((r) => r.ok));
});

test('getRunHistories: validated, then read from the store with steps bucketed to maxPoints and missing runs left out', (t) => {
  assert.equal(validateArgs('getRunHistories', { runIds: [1, 2], maxPoints: 150 }).ok, true);
  for (const bad of [
    { runIds: [] },
    { runIds: [0] },
    { runIds: [1.5] },
    { runIds: Array.from({ length: MAX_HISTORY_RUNS + 1 }, (_, i) => i + 1) },
  ]) {
    const r = validateArgs('getRunHistories', bad);
    assert.equal(!r.ok && r.error.field, 'runIds', JSON.stringify(bad).slice(0, 40));
  }
  const r = validateArgs('getRunHistories', { runIds: [1], maxPoints: 5 });
  assert.equal(!r.ok && r.error.field, 'maxPoints');

  const store = openDatabase(join(tempDir(t), 'w.db'));
  t.after(() => store.close());
  const ids = [1, 2].map(() => store.runs.create({ config: presetConfig('quick', {}), status: 'completed' }).id);
  for (const id of ids) {
    const writer = store.metrics.writer(id);
    for (let s = 1; s <= 300; s++)
      writer.append({ step: s, epoch: 1, loss: { recon: 90, kl: 10, total: 100 }, imagesPerSec: 900, wallMs: s });
    writer.close();
  }
  // Only the store is used by this handler.
  const handlers = createHandlers({ store } as unknown as HandlerDeps) as Required<WorkbenchHandlers>;
  const answer = handlers.getRunHistories({ runIds: [ids[1]!, 999, ids[0]!], maxPoints: 50 }) as RunHistory[];
  assert.deepEqual(
    answer.map((h) => h.run.id),
    [ids[1], ids[0]],
  );
  for (const h of answer) {
    assert.ok(h.steps.length <= 50 && h.steps.length > 0, `${h.steps.length} steps`);
    assert.equal(h.steps.at(-1)!.step <= 300, true);
    assert.deepEqual(h.checkpoints, []);
    assert.equal('images' in h, false, 'no images: Compare reads them per checkpoint');
  }
});
