// One trial on a worker: take the trial for a new attempt (resuming from its newest checkpoint in
// PostgreSQL), train it in a training worker thread exactly as a local run trains (runs/launch.ts and
// runs/worker.ts), and send its output to the results tables as it comes. The thread is terminated
// however the trial ends: it completes, fails, its data or backend cannot load, the thread crashes,
// PostgreSQL fails, another worker took the trial over, or this process is stopping.

import type { Worker } from 'node:worker_threads';
import type { Pool } from 'pg';
import type { EvaluationResult } from '../../shared/evaluation.ts';
import { toAppError } from '../../shared/result.ts';
import { launchWorker, type LaunchedWorker } from '../runs/launch.ts';
import { CONTROL_STOP, WORD_CONTROL, type FinalMetrics, type WorkerMessage } from '../runs/protocol.ts';
import type { QueueTiming, TrialJob } from './protocol.ts';
import { AttemptWriter, beginAttempt, FencedOut, type WorkerIdentity } from './trial-store.ts';

export interface TrialContext {
  pool: Pool;
  timing: QueueTiming;
  who: WorkerIdentity;
  /** Forces the trial's backend (the worker's --backend). */
  backend: string | null;
  log: (line: string) => void;
}

/**
 * How the attempt ended, for the job: `done` completes it (whatever the trial's status); `retry`
 * fails it so pg-boss hands it to another worker (this one is stopping).
 */
export type AttemptEnd = 'done' | 'retry';

/** A running trial that this process may ask to stop (it checkpoints first). */
export interface RunningTrial {
  stop(): void;
}

const where = (who: WorkerIdentity) => `worker ${who.name} on ${who.host}`;

function dataLabel(job: TrialJob): string {
  const { data } = job.config;
  return data.source === 'builtin-mnist' ? 'built-in MNIST' : `data file ${data.path}`;
}

export async function runTrial(
  ctx: TrialContext,
  job: TrialJob,
  jobId: string,
  onRunning: (t: RunningTrial) => void,
): Promise<AttemptEnd> {
  const start = await beginAttempt(ctx.pool, job.trialId, jobId, ctx.who);
  if (start.kind === 'missing') {
    ctx.log(`trial ${job.trialId} has no row in the queue's tables (its coordinator deleted it); skipped`);
    return 'done';
  }
  if (start.kind === 'done') return 'done';
  const writer = new AttemptWriter(ctx.pool, job.trialId, start.attempt);
  const fail = (message: string) =>
    writer.finish('failed', `On ${where(ctx.who)}: ${message}`, null, null).then(() => 'done' as const);
  const have = start.resume?.position.step ?? 0;
  if (job.resumeStep !== null && have < job.resumeStep)
    return fail(
      `the trial should resume from its checkpoint at step ${job.resumeStep}, but the queue holds none past step ${have}`,
    );
  const config = ctx.backend ? { ...job.config, run: { ...job.config.run, backend: ctx.backend } } : job.config;
  let spawned: Worker | null = null;
  let stopping = false;
  let fenced: Error | null = null;
  onRunning({ stop: () => ((stopping = true), void spawned?.terminate()) });
  // Beats from the start: loading the data can take longer than the time after which a silent worker is taken for dead.
  const beat = setInterval(() => {
    writer.beat().catch((e: Error) => {
      fenced = e;
      void spawned?.terminate();
    });
  }, ctx.timing.heartbeatSeconds * 1000);
  try {
    let launched: LaunchedWorker;
    try {
      launched = await launchWorker({
        config: config as typeof job.config,
        resume: start.resume,
        expectFingerprint: job.dataFingerprint || null,
        onSpawn: (w) => (spawned = w),
      });
    } catch (e) {
      if (fenced) return 'done';
      if (stopping) {
        await writer.finish('lost', `${where(ctx.who)} stopped; the trial is retried from its latest checkpoint`, null, null);
        return 'retry';
      }
      const message = toAppError(e).message;
      return await fail(message.includes('fingerprint') ? `${dataLabel(job)}: ${message}` : message);
    }
    ctx.log(`trial ${job.trialId} (run ${job.runId}) attempt ${start.attempt} from step ${have} on ${launched.ready.backend}`);
    return await followAttempt(ctx, job, writer, launched, (t) => onRunning(t), stopping);
  } finally {
    clearInterval(beat);
  }
}

function followAttempt(
  ctx: TrialContext,
  job: TrialJob,
  writer: AttemptWriter,
  { worker, control, ready }: LaunchedWorker,
  onRunning: (t: RunningTrial) => void,
  stopAtOnce: boolean,
): Promise<AttemptEnd> {
  let stopping = false;
  const stop = () => {
    stopping = true;
    Atomics.store(control, WORD_CONTROL, CONTROL_STOP);
    Atomics.notify(control, WORD_CONTROL);
  };
  onRunning({ stop });
  if (stopAtOnce) stop();
  let evaluation: EvaluationResult | null = null;
  let pending: Promise<unknown> = Promise.resolve();
  let ended = false;
  let end: (how: () => Promise<AttemptEnd>) => void = () => {};
  // Writes go one after another; the first that fails ends the attempt (end() tells why from `pending`).
  const write = (fn: () => Promise<void>) => {
    pending = pending.then(fn);
    pending.catch(() => end(async () => 'retry'));
  };
  write(() => writer.started(ready));
  const timer = setInterval(() => write(() => writer.flush()), ctx.timing.heartbeatSeconds * 1000);

  return new Promise<AttemptEnd>((resolve) => {
    end = (how: () => Promise<AttemptEnd>) => {
      if (ended) return;
      ended = true;
      clearInterval(timer);
      void worker.terminate();
      pending
        .then(how)
        .catch((e: unknown) => {
          if (e instanceof FencedOut) {
            ctx.log(`trial ${job.trialId}: ${e.message}; this attempt is abandoned`);
            return 'done' as const;
          }
          // PostgreSQL failed under the trial: let pg-boss retry it (from its newest checkpoint).
          ctx.log(`trial ${job.trialId}: its output could not be saved (${(e as Error).message}); handing it back to the queue`);
          return 'retry' as const;
        })
        .then(resolve, () => resolve('retry'));
    };
    const finished = (status: 'completed' | 'failed' | 'interrupted' | 'pruned', message: string, final: FinalMetrics) =>
      end(async () => {
        if (status === 'interrupted' && stopping) {
          await writer.finish('lost', `${where(ctx.who)} stopped; the trial is retried from its latest checkpoint`, null, null);
          return 'retry';
        }
        await writer.finish(status === 'pruned' ? 'completed' : status, message, final, evaluation);
        return 'done';
      });
    const failed = (message: string) =>
      end(async () => {
        if (stopping) {
          await writer.finish('lost', `${where(ctx.who)} stopped; the trial is retried from its latest checkpoint`, null, null);
          return 'retry';
        }
        await writer.finish('failed', `On ${where(ctx.who)}: ${message}`, null, null);
        return 'done';
      });
    worker.on('message', (m: WorkerMessage) => {
      if (ended) return;
      switch (m.type) {
        case 'event': {
          const e = m.event;
          if (e.type === 'step') {
            const { type: _t, runId: _r, totalSteps: _s, etaSeconds: _e, ...metric } = e;
            writer.step(metric);
          } else if (e.type === 'epoch') writer.epoch(e.metric);
          else if (e.type === 'image') writer.image({ step: e.step, epoch: e.epoch, kind: e.kind, grid: e.grid });
          return;
        }
        case 'checkpoint':
          write(() => writer.checkpoint(m.blobs));
          return;
        case 'evaluation':
          evaluation = m.result;
          return;
        case 'finished':
          finished(m.status, m.message, m.final);
          return;
        default:
          return;
      }
    });
    worker.on('error', (e) => failed(`the training thread crashed: ${e.message}`));
    worker.on('exit', (code) => failed(`the training thread exited unexpectedly (code ${code})`));
    worker.postMessage({ type: 'begin', runId: job.runId, rungs: [] });
  });
}
