// The sweep service with real training and a real database: a sweep's runs train at most
// `parallel` at once and all complete; pause, resume and cancel; repeated and raced calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openDatabase } from '../src/main/store/index.ts';
import { RunService } from '../src/main/runs/service.ts';
import { SweepService } from '../src/main/sweeps/service.ts';
import type { SweepRecord } from '../src/shared/sweep.ts';
import { tempDir } from './helpers.ts';

/** Tiny real training: 180 training images, batch 50, one epoch. */
export const TINY_BASE = {
  data: { limit: 200, heldOutFraction: 0.1 },
  optim: { batchSize: 50, epochs: 1 },
};

function tinySweep(overrides: Record<string, unknown> = {}) {
  return {
    preset: 'quick',
    base: TINY_BASE,
    axes: [{ path: 'model.latentDim', values: [2, 4] }],
    seeds: 2,
    parallel: 2,
    ...overrides,
  };
}

test('a 4-run sweep with parallel 2 trains every run, never more than 2 at once', async (t) => {
  const store = openDatabase(join(tempDir(t), 'w.db'));
  const runs = new RunService(store, { maxConcurrent: 3 });
  const sweeps = new SweepService(store, runs);
  const running = new Set<number>();
  let most = 0;
  runs.subscribe((e) => {
    if (e.type === 'started') running.add(e.runId);
    if (e.type === 'status' && e.status !== 'running') running.delete(e.runId);
    most = Math.max(most, running.size);
  });
  const updates: SweepRecord[] = [];
  sweeps.subscribe((s) => updates.push(s));
  const created = await sweeps.create(tinySweep());
  assert.equal(created.total, 4);
  const done = await sweeps.waitFor(created.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.counts.completed, 4);
  assert.equal(most, 2, 'two runs trained at once, never three');
  const members = store.runs.list().filter((r) => r.sweepId === created.id);
  assert.deepEqual(members.map((r) => r.sweepIndex).sort(), [0, 1, 2, 3]);
  assert.ok(members.every((r) => r.tags.includes(`sweep-${created.id}`)));
  const best = members.reduce((a, b) => (a.finalHeldOut!.total <= b.finalHeldOut!.total ? a : b));
  assert.equal(done.bestRunId, best.id);
  assert.ok(
    updates.some((s) => s.counts.running > 0),
    'listeners saw runs training',
  );
  await sweeps.shutdown();
  await runs.shutdown();
  store.close();
});
