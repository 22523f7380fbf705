// `npm run worker`'s engine: takes trials from the queue with pg-boss (N at once, one training
// thread each), trains them (trial-runner.ts), and watches for trials whose worker went silent
// (killed, its machine gone): such a trial is marked lost and its job failed, which makes pg-boss
// retry it on whichever worker asks next, from the trial's newest checkpoint. pg-boss's own expiry
// is the backstop when no worker is left to notice.

import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import { openQueue, type QueueConnection } from './connect.ts';
import { TRIAL_QUEUE, type QueueTiming, type TrialJob } from './protocol.ts';
import { runTrial, type RunningTrial, type TrialContext } from './trial-runner.ts';
import { reapLost } from './trial-store.ts';
import { trialJob } from './job.ts';

export interface QueueWorkerOptions {
  url: string;
  concurrency: number;
  backend: string | null;
  name: string;
  timing: QueueTiming;
  log: (line: string) => void;
}

export interface QueueWorker {
  /** Stops taking trials; running ones checkpoint and go back to the queue. */
  stop(): Promise<void>;
}

/** Fails in pg-boss the jobs of trials whose worker went silent, so they are retried elsewhere. */
export async function reapAndRetry(conn: QueueConnection, log: (line: string) => void): Promise<number> {
  const lost = await reapLost(conn.pool, conn.timing.staleSeconds);
  for (const { trialId, jobId } of lost) {
    log(`trial ${trialId}: its worker stopped responding; retrying it`);
    if (jobId)
      await conn.boss
        .fail(TRIAL_QUEUE, jobId, { reason: 'worker lost' })
        .catch((e: Error) => log(`could not retry ${trialId}: ${e.message}`));
  }
  return lost.length;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { log } = options;
  const conn = await openQueue(options.url, options.timing, (e) => log(`queue: ${e.message}`));
  const ctx: TrialContext = {
    pool: conn.pool,
    timing: conn.timing,
    who: { name: options.name, host: hostname() },
    backend: options.backend,
    log,
  };
  const running = new Set<RunningTrial>();
  let stopping = false;
  const handler = async (jobs: PgBoss.Job<unknown>[]) => {
    for (const job of jobs) {
      const parsed = trialJob(job.data);
      let current: RunningTrial | null = null;
      const end = await runTrial(ctx, parsed, job.id, (t) => {
        if (current) running.delete(current);
        current = t;
        running.add(t);
        if (stopping) t.stop();
      }).finally(() => current && running.delete(current));
      // Throwing fails the job, and pg-boss hands it to another worker.
      if (end === 'retry') throw new Error(`worker ${options.name} handed trial ${parsed.trialId} back`);
    }
  };
  for (let i = 0; i < options.concurrency; i++)
    await conn.boss.work<TrialJob>(TRIAL_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.timing.pollSeconds }, handler);
  const reaper = setInterval(() => {
    reapAndRetry(conn, log).catch((e: Error) => log(`queue: ${e.message}`));
  }, options.timing.heartbeatSeconds * 1000);
  return {
    async stop() {
      stopping = true;
      clearInterval(reaper);
      for (const t of running) t.stop();
      // A graceful stop waits for the handlers in flight: each trial checkpoints, then its job is failed
      // so that another worker continues it.
      await conn.boss.stop({ graceful: true, wait: true, timeout: 120_000, close: false }).catch((e: Error) => log(e.message));
      await conn.close();
    },
  };
}
