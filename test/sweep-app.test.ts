// Sweeps through the app core, as its clients see them: the contract's sweep methods, sweeps-changed
// events for its own sweeps and for those another process writes, and a sweep left running by a
// killed process continued when the app opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createAppCore } from '../src/main/app-core.ts';
import { openDatabase } from '../src/main/store/index.ts';
import type { WorkbenchEvent } from '../src/shared/contract.ts';
import { expandSweep, type SweepRecord } from '../src/shared/sweep.ts';
import { tempDir } from './helpers.ts';
import { subsetData } from './mnist-subset.ts';
import { waitUntil } from './run-helpers.ts';

// Tiny runs on MNIST's first 200 digits (a small IDX file), without the NLL evaluation at the end.
const DEFINITION = {
  preset: 'quick',
  base: { data: subsetData(200), optim: { batchSize: 50, epochs: 1 }, run: { evalSamples: 0 } },
  axes: [{ path: 'model.latentDim', values: [2, 4] }],
  seeds: 0,
  parallel: 2,
};

const sweepsSent = (events: WorkbenchEvent[]): SweepRecord[] =>
  events.flatMap((e) => (e.type === 'sweeps-changed' ? e.sweeps : []));

test('the contract creates, lists, pauses, resumes and finishes a sweep, and clients hear of each change', async (t) => {
  const core = createAppCore({ databasePath: join(tempDir(t), 'w.db'), shell: 'browser', maxConcurrent: 2 });
  t.after(() => core.close());
  const events: WorkbenchEvent[] = [];
  t.after(core.connect((e) => events.push(e)));

  const bad = await core.call('createSweep', { definition: { ...DEFINITION, axes: [{ path: 'model.nope', values: [1] }] } });
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'invalid-config');
  assert.match(bad.error.message, /axes\[0\] model\.nope: is not a setting/);

  const created = await core.call('createSweep', { definition: DEFINITION });
  assert.ok(created.ok, JSON.stringify(created));
  const sweep = created.value as SweepRecord;
  const paused = await core.call('pauseSweep', { sweepId: sweep.id });
  assert.ok(paused.ok);
  assert.equal((paused.value as SweepRecord).status, 'paused');
  // Coalesced: a client sees the newest state of a sweep per batch, so the pause is awaited before resuming.
  await waitUntil(() => sweepsSent(events).some((s) => s.id === sweep.id && s.status === 'paused'), 'the pause sent');
  const resumed = await core.call('resumeSweep', { sweepId: sweep.id });
  assert.ok(resumed.ok);
  assert.equal((await core.sweeps.waitFor(sweep.id)).status, 'completed');

  const listed = await core.call('listSweeps', undefined);
  assert.ok(listed.ok);
  assert.deepEqual(
    (listed.value as SweepRecord[]).map((s) => [s.id, s.status, s.counts.completed]),
    [[sweep.id, 'completed', 2]],
  );
  const missing = await core.call('getSweep', { sweepId: 999 });
  assert.ok(!missing.ok && missing.error.code === 'not-found');

  await waitUntil(
    () => sweepsSent(events).some((s) => s.id === sweep.id && s.status === 'completed'),
    'the completed sweep sent',
  );
  assert.ok(
    sweepsSent(events).some((s) => s.counts.running > 0),
    'counts were sent while runs trained',
  );
});

test('a sweep another process creates and pauses reaches the clients', async (t) => {
  const CLI_PID = 999_979;
  const databasePath = join(tempDir(t), 'w.db');
  const core = createAppCore({ databasePath, shell: 'browser', followPollMs: 20, storeOptions: { isProcessAlive: () => true } });
  t.after(() => core.close());
  const events: WorkbenchEvent[] = [];
  t.after(core.connect((e) => events.push(e)));
  const cli = openDatabase(databasePath, { isProcessAlive: () => true });
  t.after(() => cli.close());

  const expanded = expandSweep(DEFINITION);
  assert.ok(expanded.ok);
  const { definition, points } = expanded.value;
  const sweep = cli.sweeps.create(definition, 'from the CLI', points, CLI_PID);
  await waitUntil(() => sweepsSent(events).some((s) => s.id === sweep.id && s.total === 2), 'the new sweep sent');
  // No run changes with this: only the sweeps watcher can see it.
  cli.sweeps.finishOwned(sweep.id, CLI_PID, 'paused', 'Paused.');
  await waitUntil(() => sweepsSent(events).some((s) => s.id === sweep.id && s.status === 'paused'), 'the pause sent');
  assert.deepEqual(core.sweeps.driving(), [], 'the app drives nothing it was not asked to');
});

test('opening the app continues a sweep whose process died', async (t) => {
  const DEAD = 999_973;
  const databasePath = join(tempDir(t), 'w.db');
  const isProcessAlive = (pid: number) => pid !== DEAD;
  const before = openDatabase(databasePath, { isProcessAlive });
  const expanded = expandSweep(DEFINITION);
  assert.ok(expanded.ok);
  const sweep = before.sweeps.create(expanded.value.definition, 'orphan', expanded.value.points, DEAD);
  before.close();

  const core = createAppCore({ databasePath, shell: 'browser', maxConcurrent: 2, storeOptions: { isProcessAlive } });
  t.after(() => core.close());
  assert.deepEqual(core.sweeps.driving(), [sweep.id], 'adopted at open');
  const done = await core.sweeps.waitFor(sweep.id);
  assert.equal(done.status, 'completed');
  assert.equal(done.counts.completed, 2);
});
