// The app closed (or the coordinator killed) mid queue-sweep and opened again: the sweep's runs are
// still training on the workers, so crash recovery and the liveness checks must not mark them
// interrupted (a local sweep's are); the sweep is followed again at open only when VAE_QUEUE_URL
// names its queue, else it waits for Resume; and resuming claims the runs the gone coordinator held.
// A real SQLite file; the queue itself is not needed (a closed port stands for a queue not reached).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AppQueueSweeps } from '../src/main/queue/app-queue.ts';
import { reclaimQueueSweep } from '../src/main/queue/queue-sweep.ts';
import type { QueueCoordinator } from '../src/main/queue/coordinator.ts';
import { openDatabase, type Store } from '../src/main/store/index.ts';
import { createOwnerSweeper } from '../src/main/store/liveness.ts';
import { waitingToBeFollowed } from '../src/renderer/src/lib/sweep-view.ts';
import { expandSweep } from '../src/shared/sweep.ts';
import { tempDir } from './helpers.ts';
import { memoryLogger } from './run-helpers.ts';

const DEAD = 999_953;
/** Alive by the store's judgement, but silent: its heartbeat goes stale. */
const SILENT = 999_961;
const QUEUE = 'postgres://postgres:***@127.0.0.1:1/workbench';
const isProcessAlive = (pid: number) => pid !== DEAD;

/** A sweep of three runs whose coordinator `owner` took two to the workers; the third still waits in the queue. */
function sweepOn(store: Store, queue: string | null, owner: number): { id: number; runs: number[] } {
  const expanded = expandSweep({
    preset: 'quick',
    base: { data: { limit: 200 } },
    axes: [{ path: 'model.latentDim', values: [2, 3, 4] }],
  });
  assert.ok(expanded.ok);
  const sweep = store.sweeps.create(expanded.value.definition, queue ?? 'local', expanded.value.points, owner);
  if (queue) store.sweeps.setQueue(sweep.id, queue);
  const runs: number[] = [];
  for (let i = 0; i < 2; i++) {
    const run = store.sweeps.claimNextQueued(sweep.id, owner)!;
    store.runs.markStarted(run.id, { backend: 'wasm', ownerPid: owner, totalSteps: 12, worker: { name: `w${i}`, host: 'h' } });
    store.runs.setProgress(run.id, { step: 5, epoch: 1 });
    runs.push(run.id);
  }
  return { id: sweep.id, runs };
}

const statuses = (store: Store, sweepId: number) =>
  store.runs
    .list()
    .filter((r) => r.sweepId === sweepId)
    .sort((a, b) => a.sweepIndex! - b.sweepIndex!)
    .map((r) => r.status);

test('reopened after its coordinator is gone, a queue sweep keeps its runs as the workers left them until it is followed again', async (t) => {
  const file = join(tempDir(t), 'store.db');
  const first = openDatabase(file, { isProcessAlive });
  const onQueue = sweepOn(first, QUEUE, DEAD);
  const local = sweepOn(first, null, DEAD);
  const quiet = sweepOn(first, 'postgres://postgres@127.0.0.1:1/other', SILENT);
  first.close();

  // Opening runs crash recovery: the local sweep's runs were orphans, the queue sweep's are the workers'.
  const store = openDatabase(file, { isProcessAlive });
  t.after(() => store.close());
  assert.deepEqual(statuses(store, local.id), ['interrupted', 'interrupted', 'queued']);
  assert.deepEqual(statuses(store, onQueue.id), ['running', 'running', 'queued']);
  assert.equal(store.runs.get(onQueue.runs[0]!)!.step, 5);

  // The app's liveness check, with every heartbeat long stale: still left alone.
  let clock = Date.now() + 60_000;
  const sweeper = createOwnerSweeper(store, { isProcessAlive, now: () => clock, staleAfterMs: 5_000 });
  clock += 1_000;
  assert.deepEqual(sweeper.sweep(), []);
  assert.deepEqual(statuses(store, quiet.id), ['running', 'running', 'queued']);

  // At open without VAE_QUEUE_URL, or with one naming another queue: nothing is followed; the sweep waits.
  const log = memoryLogger();
  const app = (env: NodeJS.ProcessEnv) => new AppQueueSweeps({ store, log, env, sweepChanged: () => {}, stored: () => {} });
  assert.deepEqual(app({}).reattach(), []);
  assert.deepEqual(app({ VAE_QUEUE_URL: 'postgres://postgres:pw@127.0.0.1:1/elsewhere' }).reattach(), []);
  const waiting = store.sweeps.get(onQueue.id)!;
  assert.equal(waiting.status, 'running');
  assert.ok(waitingToBeFollowed(waiting));
  assert.ok(!waitingToBeFollowed(store.sweeps.get(quiet.id)!), 'a sweep whose coordinator lives is followed');

  // With VAE_QUEUE_URL naming its queue, it is followed again by itself (here the queue is not reached: said, nothing changed).
  assert.deepEqual(app({ VAE_QUEUE_URL: 'postgres://postgres:pw@127.0.0.1:1/workbench' }).reattach(), [onQueue.id]);
  for (let i = 0; i < 600 && !log.lines.some((l) => l.includes(`Sweep ${onQueue.id} on the queue`)); i++)
    await new Promise((r) => setTimeout(r, 50));
  assert.match(
    log.lines.join('\n'),
    /warn Sweep \d+ on the queue postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/workbench could not be followed again/,
  );
  assert.doesNotMatch(log.lines.join('\n'), /:pw@/);
  assert.deepEqual(statuses(store, onQueue.id), ['running', 'running', 'queued']);

  // Resumed (here without a queue: the claim is all that is checked), the runs the gone coordinator held are claimed here.
  const me = process.pid;
  const claimed = reclaimQueueSweep(
    { store, coordinator: null as unknown as QueueCoordinator, ownerPid: me, where: QUEUE },
    onQueue.id,
  );
  assert.equal(claimed.owner?.pid, me);
  const runs = store.runs.list().filter((r) => r.sweepId === onQueue.id);
  for (const id of onQueue.runs) {
    const owner = store.runs.owner(id)!;
    assert.deepEqual([owner.status, owner.ownerPid], ['queued', me], `run ${id}`);
  }
  // The third waits unowned in the queue, for followQueueSweep's claimNextQueued.
  assert.equal(runs.filter((r) => !onQueue.runs.includes(r.id)).map((r) => store.runs.owner(r.id)!.ownerPid)[0], null);
});
