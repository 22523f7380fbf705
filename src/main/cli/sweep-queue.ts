// `npm run sweep -- ... --queue URL`: the sweep's runs train on queue workers (npm run worker) and
// this process is their coordinator, printing the same lines and summary as a local sweep. Ctrl-C
// stops following (the trials go on training on the workers); `--resume ID --queue URL` follows
// them again and takes in whatever arrived meanwhile.

import type { SweepDefinition, SweepPoint, SweepRecord } from '../../shared/sweep.ts';
import type { RunRecord } from '../../shared/training.ts';
import { openQueue } from '../queue/connect.ts';
import { QueueCoordinator } from '../queue/coordinator.ts';
import { timingFromEnv } from '../queue/protocol.ts';
import { createQueueSweep, followQueueSweep, reclaimQueueSweep } from '../queue/queue-sweep.ts';
import type { Store } from '../store/index.ts';
import { EXIT_FAILED, EXIT_STOPPED } from './common.ts';
import { countsLine, runEndLine, runStartLine, summaryJson, summaryText, sweepHeader } from './sweep-report.ts';
import { terminalText } from './format.ts';

export interface QueueSweepRequest {
  url: string;
  store: Store;
  planned: { definition: SweepDefinition; points: SweepPoint[] } | null;
  resumeId: number | null;
  json: boolean;
  /** How to continue, for the message printed when it stops early. */
  resumeHint: (id: number) => string;
}

const sweepRuns = (store: Store, sweepId: number): RunRecord[] =>
  store.runs
    .list()
    .filter((r) => r.sweepId === sweepId)
    .sort((a, b) => (a.sweepIndex ?? 0) - (b.sweepIndex ?? 0));

export async function sweepOnQueue(req: QueueSweepRequest): Promise<number> {
  const { store, json } = req;
  const say = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };
  const conn = await openQueue(req.url, timingFromEnv(), (e) => say(`queue: ${e.message}`));
  const ownerPid = process.pid;
  const coordinator = new QueueCoordinator(store, conn, { ownerPid, log: say });
  let sweepId: number | null = req.resumeId;
  coordinator.subscribe((e) => {
    if (e.kind === 'progress' || sweepId === null) return;
    const run = store.runs.get(e.runId);
    if (!run) return;
    if (e.kind === 'started') say(`${runStartLine(run, e.fromStep)} on worker ${terminalText(e.worker)}`);
    else say(`${runEndLine(run)}\n${countsLine(store.sweeps.get(sweepId)!)}`);
  });
  const onSigint = () => {
    process.stderr.write(
      `\nstopped following; the trials go on training on the workers. Follow them again with: ${req.resumeHint(sweepId ?? 0)}\n`,
    );
    // The runs stay claimed by this (now gone) process: the next coordinator or the app recovers them.
    process.exit(EXIT_STOPPED);
  };
  process.on('SIGINT', onSigint);
  try {
    const ctx = { store, coordinator, ownerPid, where: conn.where };
    const sweep: SweepRecord = req.planned
      ? await createQueueSweep(ctx, req.planned.definition, req.planned.points)
      : reclaimQueueSweep(ctx, req.resumeId!);
    sweepId = sweep.id;
    say(`${sweepHeader(sweep).replace(/, \d+ at a time/, '')} on the queue ${conn.where}`);
    if (req.resumeId !== null) say(countsLine(sweep));
    const done = await followQueueSweep(ctx, sweep.id);
    const members = sweepRuns(store, done.id);
    if (json) process.stdout.write(`${JSON.stringify(summaryJson(done, members, store.file))}\n`);
    else {
      process.stdout.write(`${summaryText(done, members)}\n`);
      if (done.status !== 'completed') process.stdout.write(`Continue with: ${req.resumeHint(done.id)}\n`);
    }
    if (done.status !== 'completed') return EXIT_STOPPED;
    return done.counts.failed > 0 ? EXIT_FAILED : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await coordinator.stop();
    await conn.close();
  }
}
