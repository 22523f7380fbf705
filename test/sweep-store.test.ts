// The sweeps table against real SQLite files: a sweep and all its runs stored in one transaction,
// counts and the best run read by aggregates, claiming a sweep (refused while its live driver holds
// it, taken over from a dead one), and two processes racing to claim a sweep's runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase, type OpenOptions, type Store } from '../src/main/store/index.ts';
import { AppFailure } from '../src/shared/result.ts';
import { expandSweep, type SweepDefinition, type SweepPoint } from '../src/shared/sweep.ts';
import { tempDir } from './helpers.ts';

const OTHER = 999_991;

function open(t: { after(fn: () => void): void }, file: string, opts: OpenOptions = {}): Store {
  const store = openDatabase(file, opts);
  t.after(() => store.close());
  return store;
}

function expanded(input: Record<string, unknown>): { definition: SweepDefinition; points: SweepPoint[] } {
  const r = expandSweep({ preset: 'quick', ...input });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const conflict = (pattern: RegExp) => (e: unknown) =>
  e instanceof AppFailure && e.appError.code === 'conflict' && pattern.test(e.message);

test('a sweep is stored with all its runs queued, unowned, named, tagged and numbered', (t) => {
  const store = open(t, join(tempDir(t), 'w.db'));
  const { definition, points } = expanded({ axes: [{ path: 'model.latentDim', values: [2, 8] }], seeds: 2 });
  const sweep = store.sweeps.create(definition, 'grid z × 2 seeds', points, 4242);
  assert.equal(sweep.status, 'running');
  assert.equal(sweep.total, 4);
  assert.equal(sweep.counts.queued, 4);
  assert.equal(sweep.bestRunId, null);
  assert.deepEqual(sweep.definition, definition);
  const runs = [...store.runs.list()].sort((a, b) => a.sweepIndex! - b.sweepIndex!);
  assert.deepEqual(
    runs.map((r) => [r.name, r.status, r.owner, r.sweepId, r.sweepIndex, r.tags]),
    [
      ['z2 seed1', 'queued', null, sweep.id, 0, [`sweep-${sweep.id}`]],
      ['z2 seed2', 'queued', null, sweep.id, 1, [`sweep-${sweep.id}`]],
      ['z8 seed1', 'queued', null, sweep.id, 2, [`sweep-${sweep.id}`]],
      ['z8 seed2', 'queued', null, sweep.id, 3, [`sweep-${sweep.id}`]],
    ],
  );
  assert.equal(runs[3]!.config.model.latentDim, 8);
  assert.equal(runs[3]!.config.run.seed, 2);
});

test('a sweep whose runs cannot all be stored leaves nothing behind', (t) => {
  const store = open(t, join(tempDir(t), 'w.db'));
  const { definition, points } = expanded({ axes: [{ path: 'loss.beta', values: [1, 2, 4] }], seeds: 0 });
  // Two points at one position break UNIQUE (sweep_id, sweep_index) at the third insert.
  const broken = [points[0]!, points[1]!, { ...points[2]!, index: 1 }];
  assert.throws(() => store.sweeps.create(definition, 'x', broken));
  assert.deepEqual(store.sweeps.list(), []);
  assert.deepEqual(store.runs.list(), []);
});

test('counts per status and the best completed run come from aggregates, for one sweep and for the list', (t) => {
  const store = open(t, join(tempDir(t), 'w.db'));
  const a = expanded({ axes: [{ path: 'loss.beta', values: [0.5, 1, 2, 4, 8] }], seeds: 0 });
  const sweep = store.sweeps.create(a.definition, 'a', a.points);
  const other = store.sweeps.create(a.definition, 'b', a.points);
  const ids = store.sweeps.runIds(sweep.id, 'queued');
  assert.equal(ids.length, 5);
  const finish = (id: number, status: 'completed' | 'failed' | 'pruned', heldOut: number) => {
    store.runs.setFinal(id, {
      train: { recon: 1, kl: 1, total: 2 },
      heldOut: { recon: heldOut, kl: 0, total: heldOut },
      imagesPerSec: 1,
    });
    store.runs.markFinished(id, status, '');
  };
  finish(ids[0]!, 'completed', 120);
  finish(ids[1]!, 'completed', 110.5);
  finish(ids[2]!, 'failed', 50); // lower, but not a finished result
  finish(ids[3]!, 'completed', Number.NaN); // diverged: no best
  store.runs.setStatus(ids[4]!, 'running');
  const got = store.sweeps.get(sweep.id)!;
  assert.deepEqual(
    {
      total: got.total,
      completed: got.counts.completed,
      failed: got.counts.failed,
      running: got.counts.running,
      queued: got.counts.queued,
    },
    { total: 5, completed: 3, failed: 1, running: 1, queued: 0 },
  );
  assert.equal(got.bestRunId, ids[1]);
  assert.equal(got.bestHeldOut, 110.5);
  const listed = store.sweeps.list();
  assert.deepEqual(
    listed.map((s) => s.id),
    [other.id, sweep.id],
    'newest first',
  );
  assert.deepEqual(listed[1], got, 'the list reads the same as get');
  assert.equal(listed[0]!.counts.queued, 5);
  assert.equal(listed[0]!.bestRunId, null);
  assert.equal(store.sweeps.get(12345), null);
});

test('per-sweep queries read the (sweep_id, sweep_index) index, not the whole runs table', (t) => {
  const store = open(t, join(tempDir(t), 'w.db'));
  const { definition, points } = expanded({
    axes: [{ path: 'loss.beta', range: { from: 0.1, to: 10, count: 100, scale: 'log' } }],
    seeds: 10,
  });
  assert.equal(points.length, 1000);
  const sweep = store.sweeps.create(definition, 'big', points);
  assert.equal(store.sweeps.get(sweep.id)!.counts.queued, 1000);
  for (const sql of [
    'SELECT status, count(*) FROM runs WHERE sweep_id = 1 GROUP BY status',
    "SELECT id FROM runs WHERE sweep_id = 1 AND status = 'queued' AND owner_pid IS NULL ORDER BY sweep_index LIMIT 1",
  ]) {
    const plan = (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
    assert.match(plan, /USING INDEX sqlite_autoindex_runs_1/, `${sql}: ${plan}`);
  }
});

test('claiming a sweep: refused while a live process drives it, taken over from a dead or silent one', (t) => {
  const file = join(tempDir(t), 'w.db');
  let otherAlive = true;
  let now = 1_700_000_000_000;
  const store = open(t, file, { isProcessAlive: (pid) => pid === process.pid || (pid === OTHER && otherAlive), now: () => now });
  const { definition, points } = expanded({ axes: [{ path: 'loss.beta', values: [1, 2] }], seeds: 0 });
  const sweep = store.sweeps.create(definition, 's', points, OTHER);
  assert.equal(store.sweeps.get(sweep.id)!.owner?.pid, OTHER);
  assert.throws(
    () => store.sweeps.claim(sweep.id, process.pid),
    conflict(/already being driven by another process \(pid 999991\)/),
  );
  assert.equal(store.sweeps.claim(sweep.id, OTHER).owner?.pid, OTHER, 'its own driver may claim it again');
  assert.deepEqual(store.sweeps.orphans(now - 30_000), []);

  // Silent for longer than the caller allows: taken for dead, though its pid answers.
  now += 60_000;
  assert.deepEqual(store.sweeps.orphans(now - 30_000), [sweep.id]);
  assert.equal(store.sweeps.claim(sweep.id, process.pid, now - 30_000).owner?.pid, process.pid);
  assert.equal(store.sweeps.heartbeat(sweep.id, OTHER), false, 'the old driver learns it lost the sweep');
  assert.equal(store.sweeps.heartbeat(sweep.id, process.pid), true);

  assert.throws(() => store.sweeps.claim(sweep.id, OTHER), conflict(/pid \d+/), 'and the old one cannot take it back');

  // A dead driver: its sweep reads as having none, and is taken over.
  const second = store.sweeps.create(definition, 's2', points, OTHER);
  otherAlive = false;
  assert.equal(store.sweeps.get(second.id)!.owner, null);
  assert.deepEqual(store.sweeps.orphans(), [second.id]);
  assert.equal(store.sweeps.claim(second.id, process.pid).owner?.pid, process.pid);
  assert.deepEqual(store.sweeps.orphans(), []);
});

test('ending and releasing a sweep: who may, and what each leaves', (t) => {
  const store = open(t, join(tempDir(t), 'w.db'));
  const { definition, points } = expanded({ axes: [{ path: 'loss.beta', values: [1, 2] }], seeds: 0 });
  const sweep = store.sweeps.create(definition, 's', points, process.pid);
  assert.equal(store.sweeps.finishOwned(sweep.id, OTHER, 'completed', ''), false, 'only its driver ends it');
  assert.equal(store.sweeps.finishOwned(sweep.id, process.pid, 'paused', 'Paused.'), true);
  let got = store.sweeps.get(sweep.id)!;
  assert.deepEqual([got.status, got.statusMessage, got.owner, got.finishedAt], ['paused', 'Paused.', null, null]);
  assert.equal(store.sweeps.heartbeat(sweep.id, process.pid), false, 'a paused sweep has no driver to beat');
  assert.deepEqual(store.sweeps.orphans(), [], 'paused is not orphaned');

  store.sweeps.claim(sweep.id, process.pid);
  store.sweeps.release(sweep.id, process.pid);
  got = store.sweeps.get(sweep.id)!;
  assert.deepEqual([got.status, got.owner], ['running', null]);
  assert.deepEqual(store.sweeps.orphans(), [sweep.id], 'released while running: the next process adopts it');

  got = store.sweeps.setStatus(sweep.id, 'completed');
  assert.equal(got.status, 'completed');
  assert.ok(got.finishedAt !== null);
  assert.throws(() => store.sweeps.setStatus(sweep.id, 'running'), /claimed/);
  assert.throws(() => store.sweeps.setStatus(sweep.id, 'done' as never), /Unknown sweep status "done"/);
  assert.throws(() => store.sweeps.setStatus(777, 'paused'), /Sweep 777/);
});

test('claimNextQueued hands out runs by position, and a claimed run can be given back', (t) => {
  const store = open(t, join(tempDir(t), 'w.db'));
  const { definition, points } = expanded({ axes: [{ path: 'loss.beta', values: [1, 2, 4] }], seeds: 0 });
  const sweep = store.sweeps.create(definition, 's', points);
  const first = store.sweeps.claimNextQueued(sweep.id, process.pid)!;
  assert.deepEqual([first.sweepIndex, first.status, first.owner?.pid], [0, 'queued', process.pid]);
  assert.equal(store.sweeps.claimNextQueued(sweep.id, process.pid)!.sweepIndex, 1);
  store.sweeps.unclaimQueued(first.id, OTHER); // not its claimer: nothing changes
  assert.equal(store.runs.get(first.id)!.owner?.pid, process.pid);
  store.sweeps.unclaimQueued(first.id, process.pid);
  assert.equal(store.sweeps.claimNextQueued(sweep.id, process.pid)!.id, first.id, 'given back, it is next again');
  assert.equal(store.sweeps.claimNextQueued(sweep.id, process.pid)!.sweepIndex, 2);
  assert.equal(store.sweeps.claimNextQueued(sweep.id, process.pid), null);
});

test("two processes racing to claim a sweep's runs never take the same one", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'w.db');
  const go = join(dir, 'go');
  const store = open(t, file);
  const { definition, points } = expanded({
    axes: [{ path: 'loss.beta', range: { from: 0.1, to: 10, count: 100, scale: 'log' } }],
    seeds: 3,
  });
  const sweep = store.sweeps.create(definition, 'race', points);
  const racer = () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/claim-runs.ts', file, String(sweep.id), go], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    return new Promise<number[]>((resolve, reject) =>
      child.once('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`racer exited ${code}`)),
      ),
    );
  };
  const racing = [racer(), racer()];
  writeFileSync(go, '');
  const [a, b] = await Promise.all(racing);
  const all = [...a!, ...b!];
  assert.equal(new Set(all).size, all.length, 'no run was claimed twice');
  assert.deepEqual(
    all.sort((x, y) => x - y),
    store.runs
      .list()
      .map((r) => r.id)
      .sort((x, y) => x - y),
    'every run was claimed',
  );
});
