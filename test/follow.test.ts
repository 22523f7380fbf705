// Following a database another process writes: the change watcher (data_version plus the change log),
// the follower that turns another process's writes into rows and training events, dead-owner
// detection (a gone pid, a stale heartbeat), the heartbeat timer, and the wiring into clients.
// Two connections on one real file stand for two processes; timers are node:test mock timers.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { createAppCore } from '../src/main/app-core.ts';
import { EventCoalescer } from '../src/main/api/events.ts';
import { RunFollower, type FollowUpdate } from '../src/main/runs/follow.ts';
import { startHeartbeat } from '../src/main/runs/heartbeat.ts';
import { createChangeWatcher } from '../src/main/store/change-log.ts';
import { openDatabase, type OpenOptions, type Store } from '../src/main/store/database.ts';
import { createOwnerSweeper } from '../src/main/store/liveness.ts';
import { createProcessRegistry } from '../src/main/store/processes.ts';
import type { WorkbenchEvent } from '../src/shared/contract.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import type { RunRecord, TrainingEvent } from '../src/shared/training.ts';
import { ownerLabel, ownerShort, trainedElsewhere } from '../src/renderer/src/lib/ownership.ts';
import { tempDir } from './helpers.ts';

type T = { after(fn: () => void): void };

/** The other process's pid in these tests; the test process itself plays the viewer. */
const CLI_PID = 2_000_001;
const T0 = 1_700_000_000_000;

function clock(start = T0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

/** Two connections on one file: `app` watches, `cli` writes as another process would. */
function pair(t: T, options: { app?: OpenOptions; cli?: OpenOptions } = {}) {
  const file = join(tempDir(t), 'shared.db');
  const app = openDatabase(file, options.app);
  const cli = openDatabase(file, options.cli);
  t.after(() => {
    cli.close();
    app.close();
  });
  return { file, app, cli };
}

function startedRun(cli: Store, ownerPid = CLI_PID, totalSteps = 100): RunRecord {
  const run = cli.runs.create({ config: DEFAULT_CONFIG, ownerPid });
  return cli.runs.markStarted(run.id, { backend: 'wasm', ownerPid, totalSteps });
}

function logSteps(cli: Store, runId: number, from: number, to: number): void {
  const writer = cli.metrics.writer(runId);
  for (let step = from; step <= to; step++) {
    writer.append({
      step,
      epoch: 1,
      loss: { recon: 100 - step, kl: 5, total: 105 - step },
      imagesPerSec: 1000,
      wallMs: step * 10,
    });
  }
  writer.close();
}

const stepsOf = (update: FollowUpdate | null, runId: number) =>
  (update?.events ?? []).filter((e) => e.type === 'step' && e.runId === runId).map((e) => (e as { step: number }).step);
const typesOf = (update: FollowUpdate | null) => (update?.events ?? []).map((e) => e.type);

test('the watcher reports exactly the runs another connection changed, and how', (t) => {
  const { app, cli } = pair(t);
  const a = cli.runs.create({ config: DEFAULT_CONFIG });
  const b = cli.runs.create({ config: DEFAULT_CONFIG });
  const c = cli.runs.create({ config: DEFAULT_CONFIG });
  const watcher = createChangeWatcher(app.db);
  assert.equal(watcher.poll(), null, 'nothing changed since the watcher started');

  cli.runs.update(b.id, { name: 'renamed elsewhere' });
  const renamed = watcher.poll()!;
  assert.equal(renamed.reset, false);
  assert.deepEqual([...renamed.runs.keys()], [b.id]);
  assert.deepEqual([...renamed.runs.get(b.id)!], ['update']);
  assert.equal(watcher.poll(), null, 'each change is reported once');

  const d = cli.runs.create({ config: DEFAULT_CONFIG });
  cli.runs.remove(a.id);
  const batch = watcher.poll()!;
  assert.deepEqual(
    [...batch.runs].map(([id, kinds]) => [id, [...kinds]]),
    [
      [d.id, ['insert']],
      [a.id, ['delete']],
    ],
  );
  assert.ok(!batch.runs.has(c.id));
});

test('the watcher reads nothing while no other connection commits, and heartbeats are not changes', (t) => {
  const { app, cli } = pair(t);
  const run = startedRun(cli);
  const watcher = createChangeWatcher(app.db);

  // Another connection commits only a heartbeat: data_version moves, the log has nothing new.
  const cursor = watcher.cursor;
  cli.runs.heartbeat(run.id);
  assert.equal(watcher.poll(), null);
  assert.equal(watcher.cursor, cursor);

  // The watcher's own connection writes: data_version does not move, so the log is not even read
  // (were it read, this rename would be reported).
  app.runs.update(run.id, { name: 'renamed by the viewer itself' });
  assert.equal(watcher.poll(), null);
  assert.equal(watcher.cursor, cursor);

  // The next change by another connection brings what was skipped along with it.
  cli.runs.setStatus(run.id, 'paused');
  assert.deepEqual([...watcher.poll()!.runs.get(run.id)!], ['update']);
  assert.equal(watcher.cursor, cursor + 2);

  // invalidate() reads the log for the watcher's own writes.
  app.runs.update(run.id, { notes: 'own note' });
  watcher.invalidate();
  assert.deepEqual([...watcher.poll()!.runs.keys()], [run.id]);
});

test('the change log stays small, and a watcher that fell behind its pruning is told to re-read everything', (t) => {
  const { app, cli } = pair(t);
  const run = cli.runs.create({ config: DEFAULT_CONFIG });
  const watcher = createChangeWatcher(app.db);
  cli.db.transaction(() => {
    for (let i = 0; i < 5000; i++) cli.runs.update(run.id, { notes: `edit ${i}` });
  })();
  const rows = cli.db.prepare('SELECT COUNT(*) FROM changes').pluck().get() as number;
  assert.ok(rows <= 4096 + 256, `${rows} rows kept`);
  const batch = watcher.poll()!;
  assert.equal(batch.reset, true);
  cli.runs.update(run.id, { notes: 'one more' });
  assert.equal(watcher.poll()!.reset, false, 'caught up again');
});

test('a run trained by another process streams to the follower: new rows, then only the steps, epochs, images and checkpoints after what was sent', (t) => {
  const { app, cli } = pair(t);
  createProcessRegistry(cli.db, { pid: CLI_PID, now: Date.now, isProcessAlive: () => true }).register('cli');
  const follower = new RunFollower(app, { isOwn: () => false });
  const sent: FollowUpdate[] = [];
  follower.subscribe((u) => sent.push(u));

  const run = startedRun(cli);
  let update = follower.tick()!;
  assert.deepEqual(
    update.runs.map((r) => [r.id, r.status, r.owner]),
    [[run.id, 'running', { pid: CLI_PID, kind: 'cli' }]],
  );
  assert.deepEqual(typesOf(update), ['status']);

  logSteps(cli, run.id, 1, 30);
  update = follower.tick()!;
  assert.deepEqual(
    stepsOf(update, run.id),
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  const step30 = update.events.at(-1) as Extract<TrainingEvent, { type: 'step' }>;
  assert.equal(step30.totalSteps, 100);
  assert.equal(step30.loss.total, 75);
  assert.equal(update.runs[0]!.step, 30, 'the row carries the progress too');

  logSteps(cli, run.id, 31, 40);
  cli.metrics.appendEpoch(run.id, {
    epoch: 1,
    step: 40,
    train: { recon: 60, kl: 5, total: 65 },
    heldOut: null,
    imagesPerSec: 1000,
    wallMs: 400,
  });
  cli.images.save(run.id, {
    epoch: 1,
    step: 40,
    kind: 'samples',
    grid: { rows: 1, cols: 1, height: 2, width: 2, pixels: new Uint8Array([1, 2, 3, 4]) },
  });
  cli.checkpoints.save({ runId: run.id, epoch: 1, step: 40, encoder: new Uint8Array(1), decoder: new Uint8Array(1), state: {} });
  update = follower.tick()!;
  assert.deepEqual(stepsOf(update, run.id), [31, 32, 33, 34, 35, 36, 37, 38, 39, 40], 'only what came after step 30');
  assert.deepEqual(
    typesOf(update).filter((x) => x !== 'step'),
    ['epoch', 'image', 'checkpoint'],
  );

  cli.runs.markFinished(run.id, 'completed', '');
  update = follower.tick()!;
  assert.deepEqual(typesOf(update), ['status']);
  assert.equal(update.runs[0]!.status, 'completed');
  assert.equal(update.runs[0]!.owner, null);
  assert.equal(follower.tick(), null);

  cli.runs.remove(run.id);
  assert.deepEqual(follower.tick()!.deleted, [run.id]);
  assert.equal(sent.length, 5);
  follower.close();
});

test('runs this process trains are left to its own events; only their rows are passed on', (t) => {
  const { app, cli } = pair(t);
  const run = startedRun(app, process.pid);
  const follower = new RunFollower(app, { isOwn: (id) => id === run.id });
  logSteps(app, run.id, 1, 10);
  cli.runs.update(run.id, { name: 'renamed in another window' });
  const update = follower.tick()!;
  assert.deepEqual(
    update.runs.map((r) => r.name),
    ['renamed in another window'],
  );
  assert.deepEqual(update.events, []);
});

test('a finished run another process adds (an import, say) comes as its row, without streaming its history', (t) => {
  const { app, cli } = pair(t);
  const follower = new RunFollower(app, { isOwn: () => false });
  const imported = cli.runs.create({ config: DEFAULT_CONFIG, status: 'completed' });
  logSteps(cli, imported.id, 1, 500);
  const update = follower.tick()!;
  assert.deepEqual(
    update.runs.map((r) => [r.id, r.status, r.step]),
    [[imported.id, 'completed', 500]],
  );
  assert.deepEqual(update.events, []);
});

test('after missing pruned changes, the follower asks for a full re-list and re-reads the runs it follows', (t) => {
  const { app, cli } = pair(t);
  const follower = new RunFollower(app, { isOwn: () => false });
  const run = startedRun(cli);
  follower.tick();
  const other = cli.runs.create({ config: DEFAULT_CONFIG, status: 'completed' });
  logSteps(cli, run.id, 1, 5);
  cli.runs.markFinished(run.id, 'completed', '');
  cli.db.transaction(() => {
    for (let i = 0; i < 5000; i++) cli.runs.update(other.id, { notes: `edit ${i}` });
  })();
  const update = follower.tick()!;
  assert.equal(update.reset, true);
  assert.deepEqual(stepsOf(update, run.id), [1, 2, 3, 4, 5]);
  assert.deepEqual(typesOf(update).at(-1), 'status');
  assert.equal(update.runs.find((r) => r.id === run.id)?.status, 'completed');
});

test('a run resumed by another process replays from its checkpoint; a long backlog arrives over several ticks', (t) => {
  const { app, cli } = pair(t);
  const run = startedRun(cli);
  logSteps(cli, run.id, 1, 20);
  cli.checkpoints.save({ runId: run.id, epoch: 0, step: 10, encoder: new Uint8Array(1), decoder: new Uint8Array(1), state: {} });
  cli.runs.markFinished(run.id, 'interrupted', 'killed');
  const follower = new RunFollower(app, { isOwn: () => false, maxStepsPerTick: 25 });

  // Resumed elsewhere: steps after the checkpoint are dropped and trained again.
  cli.metrics.truncateAfter(run.id, 10);
  cli.runs.markStarted(run.id, { backend: 'wasm', ownerPid: CLI_PID, totalSteps: 100 });
  logSteps(cli, run.id, 11, 60);
  let update = follower.tick()!;
  assert.deepEqual(
    stepsOf(update, run.id),
    Array.from({ length: 25 }, (_, i) => i + 11),
  );
  assert.ok(!typesOf(update).includes('status'), 'the status waits for the steps before it');
  update = follower.tick()!;
  assert.deepEqual(
    stepsOf(update, run.id),
    Array.from({ length: 25 }, (_, i) => i + 36),
  );
  assert.deepEqual(typesOf(update).at(-1), 'status');
  assert.equal(follower.tick(), null);
});

test('a run whose owner died reads interrupted without reopening the database', (t) => {
  const alive = new Set([CLI_PID]);
  const isProcessAlive = (pid: number) => alive.has(pid);
  const { app, cli } = pair(t, { app: { isProcessAlive }, cli: { isProcessAlive } });
  const run = startedRun(cli);
  const follower = new RunFollower(app, { isOwn: () => false, isProcessAlive, ownPid: process.pid });
  follower.tick();
  assert.deepEqual(follower.sweep(), [], 'the owner lives');

  alive.delete(CLI_PID);
  const sent: FollowUpdate[] = [];
  follower.subscribe((u) => sent.push(u));
  assert.deepEqual(follower.sweep(), [run.id]);
  assert.equal(app.runs.get(run.id)!.status, 'interrupted');
  assert.match(app.runs.get(run.id)!.statusMessage, new RegExp(`pid ${CLI_PID}`));
  // Reported at once, though this connection's own write does not move data_version.
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.runs[0]!.status, 'interrupted');
  assert.deepEqual(typesOf(sent[0]!), ['status']);
});

test('a real process that exited is seen as dead by signal 0', (t) => {
  const { app, cli } = pair(t);
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(child.stdout);
  assert.ok(deadPid > 0);
  const run = startedRun(cli, deadPid);
  assert.deepEqual(createOwnerSweeper(app).sweep(), [run.id]);
  assert.equal(app.runs.get(run.id)!.status, 'interrupted');
});

test('a heartbeat older than the limit counts as a dead owner, unless the viewer itself was suspended', (t) => {
  const time = clock();
  const { app, cli } = pair(t, { app: { now: time.now }, cli: { now: time.now } });
  const run = startedRun(cli); // heartbeat at T0; the pid stays alive throughout
  const sweeper = createOwnerSweeper(app, { isProcessAlive: () => true, now: time.now, staleAfterMs: 30_000 });

  time.advance(5_000);
  assert.deepEqual(sweeper.sweep(), []);
  time.advance(20_000);
  cli.runs.heartbeat(run.id); // T0 + 25 s
  time.advance(29_000);
  assert.deepEqual(sweeper.sweep(), [], 'the heartbeat is 29 s old');
  time.advance(2_000);
  assert.deepEqual(sweeper.sweep(), [run.id], 'the heartbeat is 31 s old');
  assert.match(app.runs.get(run.id)!.statusMessage, /has not been heard from since/);

  // After a long gap between sweeps (a suspended laptop) every heartbeat is old: wait for the next sweep.
  const second = startedRun(cli);
  time.advance(120_000);
  assert.deepEqual(sweeper.sweep(), []);
  time.advance(5_000);
  assert.deepEqual(sweeper.sweep(), [second.id]);
});

test('the heartbeat timer beats for the live runs until stopped', (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const time = clock();
  const { app } = pair(t, { app: { now: time.now } });
  const run = startedRun(app, process.pid);
  const heartbeatAt = () => app.runs.owner(run.id)!.heartbeatAt;
  const stop = startHeartbeat(app, () => [run.id, 999_999], 5000);
  time.advance(60_000);
  mock.timers.tick(4999);
  assert.equal(heartbeatAt(), T0);
  mock.timers.tick(1);
  assert.equal(heartbeatAt(), T0 + 60_000, 'beats, and a missing run does not stop it');
  stop();
  time.advance(60_000);
  mock.timers.tick(10_000);
  assert.equal(heartbeatAt(), T0 + 60_000);
});

test('the follower polls on its timer, and stops on close', (t) => {
  mock.timers.enable({ apis: ['setInterval'] });
  t.after(() => mock.timers.reset());
  const { app, cli } = pair(t);
  const follower = new RunFollower(app, { isOwn: () => false, pollMs: 250 });
  const seen: number[] = [];
  follower.subscribe((u) => seen.push(...u.runs.map((r) => r.id)));
  follower.start();
  const first = cli.runs.create({ config: DEFAULT_CONFIG });
  mock.timers.tick(249);
  assert.deepEqual(seen, []);
  mock.timers.tick(1);
  assert.deepEqual(seen, [first.id]);
  follower.close();
  cli.runs.create({ config: DEFAULT_CONFIG });
  mock.timers.tick(10_000);
  assert.deepEqual(seen, [first.id]);
});

test('clients get rows from another process as one runs-updated, not a request to re-list everything', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const sent: WorkbenchEvent[] = [];
    const c = new EventCoalescer((e) => sent.push(e), 50);
    const row = (id: number, name: string) => ({ id, name }) as RunRecord;
    c.pushFollowed({ type: 'status', runId: 1, status: 'completed', message: '' });
    c.pushRuns([row(1, 'old name')], []);
    c.pushRuns([row(1, 'new name'), row(2, 'two')], []);
    c.pushRuns([], [2]);
    mock.timers.tick(50);
    assert.deepEqual(sent, [
      { type: 'training', events: [{ type: 'status', runId: 1, status: 'completed', message: '' }] },
      { type: 'runs-updated', runs: [row(1, 'new name')], deleted: [2] },
    ]);
    c.dispose();
  } finally {
    mock.timers.reset();
  }
});

test("the app core sends another process's runs to its clients, and refuses to control runs it does not train", async (t) => {
  const dir = tempDir(t);
  const databasePath = join(dir, 'w.db');
  const core = createAppCore({ databasePath, shell: 'browser', followPollMs: 20, storeOptions: { isProcessAlive: () => true } });
  t.after(() => core.close());
  const cli = openDatabase(databasePath, { isProcessAlive: () => true });
  t.after(() => cli.close());
  createProcessRegistry(cli.db, { pid: CLI_PID, now: Date.now, isProcessAlive: () => true }).register('cli');

  const events: WorkbenchEvent[] = [];
  const disconnect = core.connect((e) => events.push(e));
  t.after(disconnect);
  const info = await core.handlers.getAppInfo();
  assert.equal(info.pid, process.pid);

  const run = startedRun(cli);
  logSteps(cli, run.id, 1, 5);
  const arrived = () =>
    events.some((e) => e.type === 'runs-updated' && e.runs.some((r) => r.id === run.id && r.step === 5)) &&
    events.some((e) => e.type === 'training' && e.events.some((x) => x.type === 'step' && x.step === 5));
  for (let waited = 0; !arrived(); waited += 10) {
    assert.ok(waited < 30_000, 'the run from the other process reached the client');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(!events.some((e) => e.type === 'runs-changed'), "no full re-list for another process's changes");

  for (const method of ['pauseRun', 'stopRun'] as const) {
    const r = await core.call(method, { runId: run.id });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'conflict');
    assert.match(r.error.message, new RegExp(`trained by the CLI \\(pid ${CLI_PID}\\)`));
  }
  const del = await core.call('deleteRuns', { runIds: [run.id] });
  assert.ok(!del.ok && /the CLI/.test(del.error.message));
  assert.ok(cli.runs.get(run.id), 'nothing was deleted');
});

test('views name the process that trains a run, and only for live runs another process holds', () => {
  const run = (status: RunRecord['status'], owner: RunRecord['owner']) => ({ status, owner }) as RunRecord;
  const cli = { pid: CLI_PID, kind: 'cli' as const };
  assert.equal(trainedElsewhere(run('running', cli), process.pid), cli);
  assert.equal(trainedElsewhere(run('running', { pid: process.pid, kind: 'server' }), process.pid), null, 'our own run');
  assert.equal(trainedElsewhere(run('completed', null), process.pid), null);
  assert.equal(trainedElsewhere(run('running', cli), undefined), null, 'unknown until the app info arrives');
  assert.equal(ownerLabel(cli, 'running'), `Trained by the CLI, pid ${CLI_PID}`);
  assert.equal(ownerLabel({ pid: 7, kind: null }, 'queued'), 'Queued in another process, pid 7');
  assert.equal(ownerLabel({ pid: 8, kind: 'app' }, 'paused'), 'Trained by the VAE Workbench app, pid 8');
  assert.equal(ownerShort(cli), 'CLI');
  assert.equal(ownerShort({ pid: 7, kind: null }), 'pid 7');
});
