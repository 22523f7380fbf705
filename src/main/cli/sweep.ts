// `npm run sweep`: stores a sweep (a base config crossed with axes, or seeded random draws) and trains
// its runs across cores until it is done, printing a line per run; Ctrl-C pauses it (each run
// checkpoints) and `--resume ID` continues it, from this process or after the app or the CLI was
// closed or killed. Everything about a sweep is the SweepService's; this file is its terminal.

import { availableParallelism } from 'node:os';
import { AppFailure } from '../../shared/result.ts';
import type { SweepRecord } from '../../shared/sweep.ts';
import type { RunRecord, TrainingEvent } from '../../shared/training.ts';
import { startHeartbeat } from '../runs/heartbeat.ts';
import { RunService } from '../runs/service.ts';
import type { Store } from '../store/index.ts';
import { SweepService } from '../sweeps/service.ts';
import { EXIT_FAILED, EXIT_STOPPED, UsageError, openStore, parse, parseId, runCli } from './common.ts';
import { sweepFromFlags } from './sweep-args.ts';
import { QUEUE_PRUNING_REFUSED } from '../queue/queue-sweep.ts';
import { sweepOnQueue } from './sweep-queue.ts';
import { countsLine, runEndLine, runStartLine, summaryJson, summaryText, sweepHeader } from './sweep-report.ts';

const USAGE = `Usage: npm run sweep -- [options]

Trains a sweep: a base config crossed with axes of values (grid), or N random draws of them, each
setting over several seeds. Runs train in parallel and are stored like any run, tagged with the sweep.

Options:
  --preset NAME          start from a preset: quick (default), seed-notebook, mlp-bernoulli,
                         paper-mnist
  --config FILE.json     a sweep definition (see the README); the flags below override it
  --grid KEY=V1,V2,...   an axis of values, e.g. --grid model.latentDim=2,8,16 (repeatable);
                         a list setting's values are separated by ';': model.encoderHidden=256;512,256
  --range KEY=A:B:N[:log] an axis of N values from A to B, evenly spaced (log: in log scale)
  --seeds S              train every setting with run.seed = 1..S (default 1; 0 keeps the base seed)
  --random N             N random draws over the axes instead of the full grid
  --draw-seed S          the seed of the random draws (default 1)
  --set KEY=VALUE        a base setting for every run, e.g. --set optim.epochs=5 (repeatable)
  --parallel N           runs at once (default: the cores but one, at least 1)
  --prune asha           stop runs early by successive halving at epochs 1, 3, 9, ...
  --prune-reduction R    with --prune asha: rungs at epochs 1, R, R², ..., where the best 1/R
                         of the runs go on (a whole number from 2 to 10; default 3)
  --name NAME            the sweep's name (default: from its axes)
  --resume ID            continue a sweep that was paused, or whose process was closed or killed
  --queue URL            train the runs on queue workers (npm run queue, npm run worker; see the
                         README) and follow them from here; --parallel is then the workers' business,
                         and --prune is refused (workers cannot wait at a rung for the judge)
  --db PATH              database file (default: the app's, in its user-data folder)
  --json                 print one JSON document (the sweep id, its runs, statistics) at the end
  -h, --help             show this help`;

const OPTIONS = {
  options: {
    preset: { type: 'string' },
    config: { type: 'string' },
    grid: { type: 'string', multiple: true },
    range: { type: 'string', multiple: true },
    seeds: { type: 'string' },
    random: { type: 'string' },
    'draw-seed': { type: 'string' },
    set: { type: 'string', multiple: true },
    parallel: { type: 'string' },
    prune: { type: 'string' },
    'prune-reduction': { type: 'string' },
    name: { type: 'string' },
    resume: { type: 'string' },
    queue: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;

const DEFINING = [
  'preset',
  'config',
  'grid',
  'range',
  'seeds',
  'random',
  'draw-seed',
  'set',
  'parallel',
  'prune',
  'prune-reduction',
  'name',
] as const;

const sweepRuns = (store: Store, sweepId: number): RunRecord[] =>
  store.runs
    .list()
    .filter((r) => r.sweepId === sweepId)
    .sort((a, b) => (a.sweepIndex ?? 0) - (b.sweepIndex ?? 0));

async function main(): Promise<number> {
  const { values } = parse(OPTIONS, process.argv.slice(2));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const json = values.json === true;
  const resumeId = values.resume === undefined ? null : parseId('sweep', values.resume);
  if (resumeId !== null) {
    const given = DEFINING.filter((k) => values[k] !== undefined);
    if (given.length > 0)
      throw new UsageError(`--resume continues a stored sweep as it was defined; --${given[0]} cannot change it`);
  }
  // Everything is checked before the database is touched: a bad axis stores nothing.
  const planned = resumeId === null ? sweepFromFlags(values, availableParallelism()) : null;
  if (values.queue !== undefined && planned && planned.definition.pruning.kind !== 'none')
    throw new UsageError(`--prune with --queue: ${QUEUE_PRUNING_REFUSED}`);
  const store = openStore(values.db, { processKind: 'cli' });
  if (values.queue !== undefined) {
    try {
      return await sweepOnQueue({
        url: values.queue,
        store,
        planned,
        resumeId,
        json,
        resumeHint: (id) => `npm run sweep -- --resume ${id} --queue URL${values.db ? ` --db ${values.db}` : ''}`,
      });
    } finally {
      store.close();
    }
  }
  const stored = resumeId === null ? null : store.sweeps.get(resumeId);
  if (resumeId !== null && !stored) {
    store.close();
    throw new AppFailure({ code: 'not-found', message: `sweep ${resumeId} does not exist in ${store.file}` });
  }
  const parallel = planned?.definition.parallel ?? stored!.definition.parallel;
  const runs = new RunService(store, { maxConcurrent: parallel });
  const sweeps = new SweepService(store, runs);
  const stopHeartbeat = startHeartbeat(store, () => runs.activeRunIds());
  const say = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };

  let sweepId: number | null = resumeId;
  const onEvent = (e: TrainingEvent) => {
    if (sweepId === null || (e.type !== 'started' && e.type !== 'status')) return;
    const run = store.runs.get(e.runId);
    if (!run || run.sweepId !== sweepId) return;
    if (e.type === 'started') say(runStartLine(run, e.fromStep));
    else if (['completed', 'failed', 'pruned', 'interrupted'].includes(e.status))
      say(`${runEndLine(run)}\n${countsLine(sweeps.get(sweepId))}`);
  };
  runs.subscribe(onEvent);

  let pausing = false;
  const onSigint = () => {
    if (pausing || sweepId === null) process.exit(EXIT_STOPPED);
    pausing = true;
    process.stderr.write('\npausing the sweep: each run checkpoints and stops (Ctrl-C again to quit at once)…\n');
    sweeps.pause(sweepId).catch((e: unknown) => process.stderr.write(`error: ${(e as Error).message}\n`));
  };
  process.on('SIGINT', onSigint);
  try {
    let sweep: SweepRecord;
    if (planned) {
      sweep = await sweeps.create(planned.definition);
      sweepId = sweep.id;
    } else {
      sweep = await sweeps.resume(resumeId!);
    }
    say(sweepHeader(sweep));
    if (resumeId !== null) say(countsLine(sweep));
    const done = await sweeps.waitFor(sweep.id);
    const members = sweepRuns(store, done.id);
    if (json) process.stdout.write(`${JSON.stringify(summaryJson(done, members, store.file))}\n`);
    else {
      process.stdout.write(`${summaryText(done, members)}\n`);
      if (done.status !== 'completed')
        process.stdout.write(`Continue with: npm run sweep -- --resume ${done.id}${values.db ? ` --db ${values.db}` : ''}\n`);
    }
    if (done.status !== 'completed') return EXIT_STOPPED;
    return done.counts.failed > 0 ? EXIT_FAILED : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await sweeps.shutdown();
    await runs.shutdown();
    stopHeartbeat();
    try {
      store.close();
    } catch (e) {
      process.stderr.write(`warning: ${(e as Error).message}\n`);
    }
  }
}

await runCli(USAGE, main);
