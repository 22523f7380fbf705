// `npm run sweep` as a user runs it: real child processes and database files. Bad axes are refused
// before anything is stored; a sweep trains to completion with --json naming it; `runs list --sweep`
// filters; a sweep process SIGKILLed mid-sweep and continued with --resume ends with every point
// trained exactly once, its runs logging what an uninterrupted sweep's runs log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sweepFromFlags } from '../src/main/cli/sweep-args.ts';
import { UsageError } from '../src/main/cli/common.ts';
import { runsTable } from '../src/main/cli/format.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { runRecord } from './run-record.ts';
import { cliArgs } from './cli-run.ts';
import { mnistSubset } from './mnist-subset.ts';

// A guard against a hang, not a time budget: the machine may be loaded.
const HANG_MS = 600_000;

function cliSync(script: 'sweep' | 'runs', args: string[]) {
  const r = spawnSync(process.execPath, cliArgs(script, args), {
    encoding: 'utf8',
    timeout: HANG_MS,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cli(args: string[]): { child: ChildProcess; exited: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, cliArgs('sweep', args), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exited };
}

test('bad axes are refused before anything is stored, naming the axis and the value', (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'w.db');
  const cases: [string[], RegExp][] = [
    [['--grid', 'model.latentDim=2,0'], /model\.latentDim: 0 must be/],
    [['--grid', 'model.latentSize=2,8'], /model\.latentSize: is not a setting/],
    [['--grid', 'loss.beta=1,abc'], /--grid loss\.beta: "abc" is not a decimal number/],
    [['--range', 'optim.learningRate=0:1e-2:5:log'], /optim\.learningRate: a log range needs from and to above 0/],
    [['--range', 'optim.learningRate=1e-4:1e-2'], /--range expects setting=from:to:count/],
    // Built-in MNIST evaluates its whole test split whatever the share, unless a limit sizes it by the share.
    [
      ['--grid', 'model.latentDim=2,8', '--prune', 'asha', '--set', 'data.heldOutFraction=0', '--set', 'data.limit=300'],
      /no held-out set/,
    ],
    [
      ['--grid', 'model.latentDim=2,8', '--prune', 'asha', '--prune-reduction', '12'],
      /--prune-reduction expects a whole number from 2 to 10, got "12"/,
    ],
    // No judge can hold a run at its rung on another machine: refused before anything connects.
    [
      ['--grid', 'model.latentDim=2,8', '--prune', 'asha', '--queue', 'postgres://u:secret@127.0.0.1:9/q'],
      /--prune with --queue: pruning .* is not available for sweeps on a queue/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = cliSync('sweep', ['--db', db, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
  const file = join(dir, 'sweep.json');
  writeFileSync(file, JSON.stringify({ axes: [{ path: 'loss.beta', values: [1, -2] }] }));
  const fromFile = cliSync('sweep', ['--db', db, '--config', file]);
  assert.equal(fromFile.code, 2);
  assert.match(fromFile.stderr, /sweep\.json: axes\[0\] loss\.beta: -2 must be/);
  assert.equal(existsSync(db), false, 'no database was even created');
});

test('flags over a --config file: axes replaced by setting, base settings merged, ranges and list values parsed', (t) => {
  const file = join(tempDir(t), 'sweep.json');
  writeFileSync(
    file,
    JSON.stringify({
      preset: 'quick',
      base: { optim: { epochs: 2 } },
      axes: [
        { path: 'model.latentDim', values: [2, 4] },
        { path: 'loss.beta', values: [1] },
      ],
      seeds: 3,
      pruning: { kind: 'none', reduction: 2 },
    }),
  );
  const { definition, points } = sweepFromFlags(
    {
      config: file,
      grid: ['loss.beta=0.5,4', 'model.encoderHidden=128;256,64'],
      range: ['optim.learningRate=1e-4:1e-2:3:log'],
      set: ['data.limit=300'],
      seeds: '2',
      prune: 'asha',
    },
    8,
  );
  assert.deepEqual(definition.axes, [
    { path: 'model.latentDim', values: [2, 4] },
    { path: 'loss.beta', values: [0.5, 4] },
    { path: 'model.encoderHidden', values: [[128], [256, 64]] },
    { path: 'optim.learningRate', range: { from: 1e-4, to: 1e-2, count: 3, scale: 'log' } },
  ]);
  assert.deepEqual(definition.base, { optim: { epochs: 2 }, data: { limit: 300 } });
  assert.deepEqual(definition.pruning, { kind: 'asha', reduction: 2 }, "--prune keeps the file's reduction");
  assert.equal(definition.parallel, 7, 'the cores but one');
  assert.equal(points.length, 2 * 2 * 2 * 3 * 2);
  assert.deepEqual(points.map((p) => p.config.optim.learningRate).slice(0, 6), [1e-4, 1e-4, 1e-3, 1e-3, 1e-2, 1e-2]);
  assert.ok(points.every((p) => p.config.optim.epochs === 2 && p.config.data.limit === 300));
  assert.throws(() => sweepFromFlags({ grid: ['model.latentDim=2,8'], 'draw-seed': '3' }, 2), UsageError);
  // --prune-reduction sets the factor over the file's, and only for pruning that is on.
  const harder = sweepFromFlags({ config: file, prune: 'asha', 'prune-reduction': '4' }, 2);
  assert.deepEqual(harder.definition.pruning, { kind: 'asha', reduction: 4 });
  assert.throws(
    () => sweepFromFlags({ config: file, 'prune-reduction': '4' }, 2),
    (e: Error) => e instanceof UsageError && e.message === '--prune-reduction goes with --prune asha',
  );
  assert.throws(
    () => sweepFromFlags({ config: file, prune: 'asha', 'prune-reduction': '2.5' }, 2),
    (e: Error) => e instanceof UsageError && /--prune-reduction expects a whole number from 2 to 10, got "2\.5"/.test(e.message),
  );
  writeFileSync(file, JSON.stringify({ axes: [{ path: 'loss.beta', values: [1, 2] }], pruning: { kind: 'asha', reduction: 1 } }));
  assert.throws(
    () => sweepFromFlags({ config: file }, 2),
    (e: Error) => /sweep\.json: pruning\.reduction must be a whole number from 2 to 10/.test(e.message),
  );
  const random = sweepFromFlags({ range: ['loss.beta=0.1:10:2:log'], random: '5', 'draw-seed': '9', seeds: '0' }, 1);
  assert.equal(random.points.length, 5);
  assert.equal(random.definition.parallel, 1);
});

test('runs list text: a SWEEP column with the sweep and the point (counted from 1), and every status, pruned too', () => {
  const lines = runsTable([
    runRecord({ id: 9, name: 'z8 seed2', status: 'pruned', sweepId: 3, sweepIndex: 1 }),
    runRecord({ id: 8, name: 'z2 seed1', status: 'completed', sweepId: 3, sweepIndex: 0 }),
    runRecord({ id: 2, name: 'lone', status: 'failed' }),
  ]).split('\n');
  assert.match(lines[0]!, /^ID +STATUS +SWEEP +NAME +PRESET /);
  assert.match(lines[1]!, /^9 +pruned +3 #2 +z8 seed2 +quick /);
  assert.match(lines[2]!, /^8 +completed +3 #1 +z2 seed1 +quick /);
  assert.match(lines[3]!, /^2 +failed +- +lone +quick /);
});

/**
 * A 4-run sweep: 2 latent sizes x 2 seeds, one run at a time, ~100 steps each with checkpoints every
 * 10; a 32-unit model on MNIST's first 600 digits (a small IDX file), and no evaluation at the end of
 * a run (not the subject here).
 */
const SETTINGS = [
  '--parallel',
  '1',
  ...[
    'data.source=idx',
    `data.path=${mnistSubset(600)}`,
    'data.limit=600',
    'optim.batchSize=16',
    'optim.epochs=3',
    'run.checkpointEvery=10',
    'model.encoderHidden=32',
    'model.decoderHidden=32',
    'run.evalSamples=0',
  ].flatMap((s) => ['--set', s]),
];
const SWEEP = ['--grid', 'model.latentDim=2,4', '--seeds', '2', ...SETTINGS];

/** What a sweep's runs logged, by position in the sweep; no timings, no ids. */
function logged(file: string) {
  const store = openDatabase(file);
  try {
    const runs = store.runs.list().filter((r) => r.sweepId !== null);
    return {
      runs,
      byIndex: new Map(
        runs.map((r) => [
          r.sweepIndex!,
          {
            status: r.status,
            steps: store.metrics.listSteps(r.id).map(({ step, epoch, loss }) => ({ step, epoch, loss })),
            epochs: store.metrics.listEpochs(r.id).map(({ epoch, step, train, heldOut }) => ({ epoch, step, train, heldOut })),
            heldOut: r.finalHeldOut,
          },
        ]),
      ),
    };
  } finally {
    store.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a sweep killed mid-sweep and resumed trains every point once, as an uninterrupted sweep does; --json and runs list --sweep', async (t) => {
  const dir = tempDir(t);
  const reference = join(dir, 'reference.db');
  const killed = join(dir, 'killed.db');
  const whole = cli(['--db', reference, '--json', ...SWEEP]);
  const first = cli(['--db', killed, ...SWEEP]);
  t.after(() => {
    whole.child.kill('SIGKILL');
    first.child.kill('SIGKILL');
  });

  // Watched inside a write transaction, so what is read is what the kill leaves: one run completed,
  // another training past a mid-epoch checkpoint.
  let killedRun: number | null = null;
  const deadline = Date.now() + HANG_MS;
  while (killedRun === null && Date.now() < deadline && first.child.exitCode === null) {
    await sleep(20);
    let db: Database.Database;
    try {
      db = new Database(killed, { fileMustExist: true, timeout: 30_000 });
    } catch {
      continue; // not created yet
    }
    try {
      db.exec('BEGIN IMMEDIATE');
      const completed = db.prepare(`SELECT COUNT(*) FROM runs WHERE status = 'completed'`).pluck().get() as number;
      const training = db
        .prepare(
          `SELECT r.id FROM runs r JOIN checkpoints c ON c.run_id = r.id
           WHERE r.status = 'running' AND c.at_epoch_end = 0 AND c.step < r.total_steps LIMIT 1`,
        )
        .pluck()
        .get() as number | undefined;
      if (completed >= 1 && training !== undefined) {
        first.child.kill('SIGKILL');
        await first.exited;
        killedRun = training;
      }
    } catch {
      // The schema is not there yet.
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
  }
  const early = first.child.exitCode === null ? null : await first.exited;
  assert.ok(
    killedRun !== null,
    `the sweep was killed with one run completed and another mid-run${early ? `; it ended first (${early.code}):\n${early.stderr}` : ''}`,
  );

  const resumed = cli(['--db', killed, '--resume', '1']);
  const [wholeExit, resumedExit] = await Promise.all([whole.exited, resumed.exited]);
  assert.equal(wholeExit.code, 0, wholeExit.stderr);
  assert.equal(resumedExit.code, 0, resumedExit.stderr);
  assert.match(resumedExit.stderr, new RegExp(`run ${killedRun} "[^"]+" resumed at step [1-9]\\d*`));
  assert.match(resumedExit.stdout, /^Sweep 1 "grid z × 2 seeds" completed/);
  assert.match(resumedExit.stdout, /runs {6}4: 4 completed/);
  assert.match(resumedExit.stdout, /z2 {2}[\d.]+ ± [\d.]+\n {2}z4 {2}[\d.]+ ± [\d.]+/);

  // --json names the sweep and its runs.
  const out = JSON.parse(wholeExit.stdout);
  assert.equal(out.sweepId, 1);
  assert.equal(out.status, 'completed');
  assert.deepEqual(
    out.runs.map((r: { sweepIndex: number; status: string }) => `${r.sweepIndex}:${r.status}`),
    ['0:completed', '1:completed', '2:completed', '3:completed'],
  );
  assert.deepEqual(
    out.groups.map((g: { label: string; completed: number }) => `${g.label}:${g.completed}`),
    ['z2:2', 'z4:2'],
  );
  const bestHeldOut = Math.min(...out.runs.map((r: { heldOut: { total: number } }) => r.heldOut.total));
  assert.equal(out.best.heldOut.total, bestHeldOut);

  // Every point trained once, and each logged exactly what the uninterrupted sweep's did.
  const a = logged(reference);
  const b = logged(killed);
  assert.equal(b.runs.length, 4, 'four runs, none created twice');
  assert.deepEqual([...b.byIndex.keys()].sort(), [0, 1, 2, 3]);
  for (const [index, run] of b.byIndex) {
    const ref = a.byIndex.get(index)!;
    assert.equal(run.status, 'completed', `point ${index}`);
    assert.deepEqual(run.steps, ref.steps, `point ${index}: step losses`);
    assert.deepEqual(run.epochs, ref.epochs, `point ${index}: epoch metrics`);
    assert.deepEqual(run.heldOut, ref.heldOut, `point ${index}: final held-out`);
  }

  // runs list --sweep: only the sweep's runs, each naming the sweep.
  const store = openDatabase(reference);
  store.runs.create({ config: presetConfig('quick'), status: 'interrupted' });
  store.close();
  const all = JSON.parse(cliSync('runs', ['list', '--db', reference, '--json']).stdout);
  assert.equal(all.length, 5);
  const listed = cliSync('runs', ['list', '--db', reference, '--json', '--sweep', '1']);
  assert.equal(listed.code, 0, listed.stderr);
  const members = JSON.parse(listed.stdout);
  assert.deepEqual(
    members.map((r: { sweepId: number }) => r.sweepId),
    [1, 1, 1, 1],
  );
  const text = cliSync('runs', ['list', '--db', reference, '--sweep', '1']).stdout.trim().split('\n');
  assert.deepEqual(
    text.slice(1).map((line) => /^\d+ +completed +(1 #\d)/.exec(line)?.[1]),
    ['1 #4', '1 #3', '1 #2', '1 #1'],
    'newest first, each naming its sweep and point',
  );
  const missing = cliSync('runs', ['list', '--db', reference, '--sweep', '2']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /sweep 2 does not exist/);
  const shown = cliSync('runs', ['show', String(members[0].id), '--db', reference]);
  assert.match(shown.stdout, /sweep {7}1, run \d of it/);
});

test('Ctrl-C pauses the sweep: the training run checkpoints where it stopped, and --resume finishes it', async (t) => {
  const db = join(tempDir(t), 'w.db');
  // Two runs, one seed each: one to stop while it trains, one still queued.
  const first = cli(['--db', db, '--grid', 'model.latentDim=2,4', ...SETTINGS]);
  t.after(() => first.child.kill('SIGKILL'));
  // Interrupted once its first run trains past a checkpoint.
  const deadline = Date.now() + HANG_MS;
  let signalled = false;
  while (!signalled && Date.now() < deadline && first.child.exitCode === null) {
    await sleep(50);
    try {
      const peek = new Database(db, { readonly: true, fileMustExist: true });
      const step = peek.prepare(`SELECT MAX(step) FROM checkpoints`).pluck().get() as number | null;
      peek.close();
      if (step !== null && step > 0) signalled = first.child.kill('SIGINT');
    } catch {
      // not created yet
    }
  }
  assert.ok(signalled, 'Ctrl-C reached the sweep while a run trained');
  const paused = await first.exited;
  assert.equal(paused.code, 130, paused.stderr);
  assert.match(paused.stdout, /Sweep 1 "grid z" paused/);
  assert.match(paused.stdout, /Continue with: npm run sweep -- --resume 1 --db /);
  const store = openDatabase(db);
  assert.equal(store.sweeps.get(1)!.status, 'paused');
  const stopped = store.runs.list().filter((r) => r.status === 'interrupted');
  assert.equal(stopped.length, 1, 'the run that was training');
  assert.equal(store.checkpoints.latest(stopped[0]!.id)!.step, stopped[0]!.step, 'checkpointed where it stopped');
  store.close();

  const resumed = cliSync('sweep', ['--db', db, '--resume', '1', '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const out = JSON.parse(resumed.stdout);
  assert.equal(out.sweepId, 1);
  assert.deepEqual(
    out.runs.map((r: { status: string }) => r.status),
    ['completed', 'completed'],
  );
});
