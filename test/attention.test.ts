// When the workbench tells the user something finished (only when they look elsewhere), what it
// says, and the window title while something trains. Pure logic: no DOM, no clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSweep, type SweepRecord } from '../src/shared/sweep.ts';
import type { RunRecord, RunStatus } from '../src/shared/training.ts';
import {
  announcements,
  documentTitle,
  endedRuns,
  endedSweeps,
  isElsewhere,
  statusMap,
  type Whereabouts,
} from '../src/renderer/src/lib/attention.ts';
import { runRecord } from './run-record.ts';

function run(id: number, status: RunStatus, sweepId: number | null = null, heldOut: number | null = null): RunRecord {
  return runRecord({
    id,
    status,
    statusMessage: status === 'failed' ? 'loss became NaN' : '',
    finalHeldOut: heldOut === null ? null : { recon: heldOut, kl: 0, total: heldOut },
    sweepId,
    sweepIndex: sweepId === null ? null : id,
  });
}

function sweep(id: number, status: SweepRecord['status']): SweepRecord {
  const def = expandSweep({ axes: [{ path: 'loss.beta', values: [1, 4] }] });
  assert.ok(def.ok);
  const counts = { queued: 0, running: 0, paused: 0, completed: 0, failed: 0, interrupted: 0, pruned: 0 };
  return {
    id,
    name: '',
    definition: def.value.definition,
    status,
    statusMessage: '',
    createdAt: 0,
    finishedAt: null,
    owner: null,
    total: 2,
    counts,
    bestRunId: null,
    bestHeldOut: null,
    queue: null,
  };
}

const onRuns: Whereabouts = { route: { view: 'runs' }, hidden: false };

test('elsewhere: another view, or the window hidden even on the very view', () => {
  assert.equal(isElsewhere(onRuns, { kind: 'run', id: 1 }), true);
  assert.equal(isElsewhere({ route: { view: 'run', runId: 1 }, hidden: false }, { kind: 'run', id: 1 }), false);
  assert.equal(isElsewhere({ route: { view: 'latent', runId: 1 }, hidden: false }, { kind: 'run', id: 1 }), false);
  assert.equal(isElsewhere({ route: { view: 'run', runId: 2 }, hidden: false }, { kind: 'run', id: 1 }), true);
  assert.equal(isElsewhere({ route: { view: 'run', runId: 1 }, hidden: true }, { kind: 'run', id: 1 }), true);
  assert.equal(isElsewhere({ route: { view: 'sweep', sweepId: 3 }, hidden: false }, { kind: 'sweep', id: 3 }), false);
  assert.equal(isElsewhere({ route: { view: 'sweeps' }, hidden: false }, { kind: 'sweep', id: 3 }), true);
});

test('a run that was live and has completed or failed ended; runs first seen finished, sweep runs and pruned ones did not', () => {
  const before = statusMap([run(1, 'running'), run(2, 'queued'), run(3, 'running', 7), run(4, 'completed'), run(5, 'paused')]);
  const now = [
    run(1, 'completed'),
    run(2, 'failed'),
    run(3, 'completed', 7),
    run(4, 'completed'),
    run(5, 'interrupted'),
    run(6, 'completed'),
  ];
  assert.deepEqual(
    endedRuns(before, now).map((r) => r.id),
    [1, 2],
  );
});

test('a sweep that was running or paused and is now completed ended; a cancelled one did not', () => {
  const before = statusMap([sweep(1, 'running'), sweep(2, 'paused'), sweep(3, 'running'), sweep(4, 'completed')]);
  const now = [sweep(1, 'completed'), sweep(2, 'completed'), sweep(3, 'cancelled'), sweep(4, 'completed')];
  assert.deepEqual(
    endedSweeps(before, now).map((s) => s.id),
    [1, 2],
  );
});

test('announcements: only what ended while the user was elsewhere; failures are errors; a sweep counts its runs', () => {
  const before = {
    runs: statusMap([run(1, 'running'), run(2, 'running'), run(3, 'running', 9)]),
    sweeps: statusMap([sweep(9, 'running')]),
  };
  const runs = [run(1, 'completed', null, 98.25), run(2, 'failed'), run(3, 'completed', 9, 97), run(4, 'failed', 9)];
  const sweeps = [sweep(9, 'completed')];

  const all = announcements(before, runs, sweeps, onRuns);
  assert.deepEqual(
    all.map((a) => [a.title, a.error]),
    [
      ['Run 1 finished', false],
      ['Run 2 failed', true],
      ['Sweep 9 finished', true],
    ],
  );
  assert.match(all[0]!.message, /held-out −ELBO 98\.25/);
  assert.match(all[1]!.message, /failed: loss became NaN/);
  assert.match(all[2]!.message, /1 completed, 1 failed/);

  const watchingRun1 = announcements(before, runs, sweeps, { route: { view: 'run', runId: 1 }, hidden: false });
  assert.deepEqual(
    watchingRun1.map((a) => a.title),
    ['Run 2 failed', 'Sweep 9 finished'],
  );
  const hidden = announcements(before, runs, sweeps, { route: { view: 'run', runId: 1 }, hidden: true });
  assert.equal(hidden.length, 3);
  // The same lists looked at again announce nothing new.
  assert.deepEqual(announcements({ runs: statusMap(runs), sweeps: statusMap(sweeps) }, runs, sweeps, onRuns), []);
});

test('a sweep whose runs all failed says it failed', () => {
  const before = { runs: new Map<number, RunStatus>(), sweeps: statusMap([sweep(9, 'running')]) };
  const [a] = announcements(before, [run(3, 'failed', 9), run(4, 'failed', 9)], [sweep(9, 'completed')], onRuns);
  assert.equal(a?.title, 'Sweep 9 failed');
});

test('the title shows progress while something trains, and the plain name when idle', () => {
  assert.equal(documentTitle([], []), 'VAE Workbench');
  assert.equal(documentTitle([{ finished: 3, total: 12 }], []), '▶ 3/12 · VAE Workbench');
  assert.equal(
    documentTitle(
      [
        { finished: 3, total: 12 },
        { finished: 1, total: 4 },
      ],
      [],
    ),
    '▶ 4/16 · VAE Workbench',
  );
  assert.equal(documentTitle([], [45]), '▶ 45% · VAE Workbench');
  assert.equal(documentTitle([], [45, 80]), '▶ 2 runs 45% · VAE Workbench');
  assert.equal(documentTitle([{ finished: 0, total: 2 }], [10]), '▶ 0/2 · 10% · VAE Workbench');
});
