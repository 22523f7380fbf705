// The run lifecycle against real workers and a real database: every path that spawns a worker ends it
// when the run cannot go on (counted with liveWorkerCount), queued runs hold no worker and the queue
// is bounded, two resumes of one run (in one process or two) train it once, and a loser never
// touches a run it does not own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/main/store/index.ts';
import { RunService } from '../src/main/runs/service.ts';
import { liveWorkerCount } from '../src/main/worker-threads.ts';
import { AppFailure } from '../src/shared/result.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { expectLiveWorkers, memoryLogger, nextEvent } from './run-helpers.ts';
import { cliArgs } from './cli-run.ts';

const LONG = presetConfig('quick', { 'data.limit': 400, 'optim.epochs': 60, 'optim.batchSize': 16 });
const SHORT = presetConfig('quick', { 'data.limit': 300, 'optim.epochs': 1 });

function setUp(t: { after(fn: () => void): void }, options: ConstructorParameters<typeof RunService>[1] = {}) {
  const file = join(tempDir(t), 'w.db');
  const store = openDatabase(file);
  const service = new RunService(store, { log: memoryLogger(), ...options });
  t.after(() => store.close());
  return { file, store, service, base: liveWorkerCount() };
}

function deleteElsewhere(file: string, runId: number): void {
  const other = new Database(file);
  other.pragma('foreign_keys = ON');
  other.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  other.close();
}

test('a run record that cannot be created once the data loaded fails start, naming the file, and ends the worker', async (t) => {
  const { file, store, service, base } = setUp(t);
  const starting = service.start(SHORT);
  // The worker is loading the data now; the record it will need cannot be written.
  store.db.pragma('query_only = ON');
  await assert.rejects(starting, (e: Error) => {
    assert.match(e.message, /SQLITE_READONLY/);
    assert.ok(e.message.includes(file), e.message);
    return true;
  });
  await expectLiveWorkers(base, 'after the failed start');
  store.db.pragma('query_only = OFF');
  assert.equal(store.runs.list().length, 0);
});

test('a run deleted while its resume loads fails the resume and ends the worker', async (t) => {
  const { file, store, service, base } = setUp(t);
  const run = store.runs.create({ config: SHORT, status: 'interrupted' });
  const resuming = service.resume(run.id);
  deleteElsewhere(file, run.id);
  await assert.rejects(resuming, new RegExp(`Run ${run.id} does not exist`));
  await expectLiveWorkers(base, 'after the failed resume');
  assert.deepEqual(service.activeRunIds(), []);
});

test('a run stopped while its data loads ends at once, resumable, with its worker ended', async (t) => {
  const { store, service, base } = setUp(t);
  const run = store.runs.create({ config: SHORT, status: 'failed', ownerPid: null });
  const resuming = service.resume(run.id);
  service.stop(run.id);
  await assert.rejects(resuming, /stopped before it started/);
  const stopped = await service.waitFor(run.id);
  assert.equal(stopped.status, 'interrupted');
  assert.equal(store.runs.owner(run.id)!.ownerPid, null);
  await expectLiveWorkers(base, 'after stopping a loading run');
});

test('queued runs hold no worker; the queue is bounded; a bad file is refused before it queues', async (t) => {
  const { file, store, service, base } = setUp(t, { maxConcurrent: 1, maxQueued: 2 });
  const training = await service.start(LONG);
  const bad = join(file, '..', 'short.csv');
  writeFileSync(bad, '5,0,0,0\n');
  await assert.rejects(service.start(presetConfig('quick', { 'data.source': 'csv', 'data.path': bad })), (e: unknown) => {
    assert.ok(e instanceof AppFailure);
    assert.equal(e.appError.code, 'bad-data');
    assert.match(e.message, /short\.csv/);
    return true;
  });
  const [a, b] = [await service.start(SHORT), await service.start(SHORT)];
  assert.deepEqual([a.status, b.status], ['queued', 'queued']);
  await expectLiveWorkers(base + 1, 'with one run training and two queued');
  await assert.rejects(service.start(SHORT), (e: unknown) => {
    assert.ok(e instanceof AppFailure);
    assert.equal(e.appError.code, 'conflict');
    assert.match(e.message, /2 runs are already waiting for a free slot/);
    return true;
  });
  assert.equal(store.runs.list().length, 3, 'neither the bad file nor the refused run was recorded');

  service.stop(a.id);
  assert.equal((await service.waitFor(a.id)).statusMessage, 'Stopped before it started.');
  service.stop(training.id);
  assert.equal((await service.waitFor(training.id)).status, 'interrupted');
  const last = await service.waitFor(b.id);
  assert.equal(last.status, 'completed', last.statusMessage);
  assert.equal(last.datasetName, 'MNIST (built-in)');
  assert.notEqual(last.datasetFingerprint, '', 'a run queued without its data learns the fingerprint when it starts');
  await expectLiveWorkers(base, 'once every run ended');
});

test('two resumes of one run at once in one process start one worker', async (t) => {
  const { store, service, base } = setUp(t);
  const run = store.runs.create({ config: SHORT, status: 'interrupted' });
  let started = 0;
  service.subscribe((e) => {
    if (e.type === 'started' && e.runId === run.id) started++;
  });
  const results = await Promise.allSettled([service.resume(run.id), service.resume(run.id)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'fulfilled'],
  );
  assert.ok(liveWorkerCount() <= base + 1, 'never two workers for the run');
  const done = await service.waitFor(run.id);
  assert.equal(done.status, 'completed', done.statusMessage);
  assert.equal(started, 1);
  const steps = store.metrics.listSteps(run.id).map((s) => s.step);
  assert.deepEqual(
    steps,
    steps.map((_, i) => i + 1),
  );
  await expectLiveWorkers(base, 'once the run completed');
});

test('a resume racing the CLI resuming the same run from another process: one trains, the other is refused', async (t) => {
  const { file, store, service, base } = setUp(t);
  const run = store.runs.create({ config: LONG, status: 'interrupted' });
  const child = spawn(process.execPath, cliArgs('train', ['--db', file, '--resume', String(run.id), '--json']), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const ours = await service.resume(run.id).then(
    () => 'trains here',
    (e: unknown) => e,
  );
  if (ours === 'trains here') {
    // The CLI loses the claim: it exits with one line and leaves our run alone.
    assert.equal(await exited, 1, stderr);
    assert.match(
      stderr,
      new RegExp(`error: Run ${run.id} is already (queued|running), owned by another process \\(pid ${process.pid}\\)`),
    );
    assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    const owner = store.runs.owner(run.id)!;
    assert.equal(owner.ownerPid, process.pid);
    assert.ok(owner.status === 'running' || owner.status === 'queued');
    await expectLiveWorkers(base + 1, 'while only this process trains the run');
    service.stop(run.id);
    assert.equal((await service.waitFor(run.id)).status, 'interrupted');
  } else {
    // The CLI claimed it first: we are refused before changing anything, and it trains on.
    assert.ok(ours instanceof AppFailure, String(ours));
    assert.equal(ours.appError.code, 'conflict');
    assert.match(ours.message, /owned by another process/);
    await expectLiveWorkers(base, 'here, since the CLI trains the run');
    child.kill('SIGINT');
    await exited;
  }
});

test('a process finishes only a run it owns: a loser cannot clobber the winner', (t) => {
  const { store } = setUp(t);
  const run = store.runs.create({ config: SHORT, status: 'interrupted' });
  // The parent of this test process stands in for another live process.
  const claim = store.runs.claimForResume(run.id, process.ppid);
  assert.equal(claim.status, 'interrupted');
  assert.throws(() => store.runs.claimForResume(run.id, process.pid), /owned by another process|already/);
  assert.equal(store.runs.finishOwned(run.id, process.pid, 'failed', 'not mine'), false);
  assert.equal(store.runs.get(run.id)!.status, 'queued');
  assert.equal(store.runs.finishOwned(run.id, process.ppid, 'interrupted', 'put back'), true);
  assert.equal(store.runs.get(run.id)!.status, 'interrupted');
});

test('Resume right after Stop does not undo the stop; Pause after Stop does not either', async (t) => {
  const { store, service } = setUp(t);
  const run = await service.start(LONG);
  await nextEvent(service, (e) => e.type === 'step' && e.runId === run.id);
  service.stop(run.id);
  service.pause(run.id);
  await service.resume(run.id);
  const ended = await service.waitFor(run.id);
  assert.equal(ended.status, 'interrupted');
  assert.match(ended.statusMessage, /Stopped by the user/);
  assert.ok(ended.step < ended.totalSteps);
  assert.equal(store.runs.get(run.id)!.status, 'interrupted');
});
