// The job protocol between a coordinator (the process that owns the SQLite store) and workers on any
// machine, carried by PostgreSQL: pg-boss delivers a trial job to one worker at a time (SKIP LOCKED,
// retries, expiry), and everything a trial produces lands in the `vae_queue` tables below, where it
// waits until the coordinator ingests it. Nothing else needs to be reachable: workers and the
// coordinator only ever talk to PostgreSQL.

import type { ExperimentConfig } from '../../shared/config.ts';

/** The pg-boss queue every trial goes through. */
export const TRIAL_QUEUE = 'vae-trials';
/** The schema of the results tables (pg-boss keeps its own, `pgboss`). */
export const SCHEMA = 'vae_queue';

/**
 * A trial job: one run of a sweep, trained on whichever worker takes it. The coordinator keys it
 * by `trialId` (its store and run id), so two coordinators sharing a queue never mix their runs.
 */
export interface TrialJob {
  trialId: string;
  runId: number;
  config: ExperimentConfig;
  /** The data set's fingerprint as the coordinator checked it; empty for the built-in set. */
  dataFingerprint: string;
  /**
   * The step of the checkpoint the trial must start from (uploaded by the coordinator when a run
   * that trained locally continues on the queue), or null for a fresh start. A retried trial always
   * resumes from its newest checkpoint in PostgreSQL, which is never older than this.
   */
  resumeStep: number | null;
}

export const TRIAL_STATUSES = ['queued', 'running', 'lost', 'completed', 'failed', 'interrupted'] as const;
/**
 * `lost`: its worker stopped beating (killed, machine gone); the job was failed in pg-boss, which
 * retries it, or gives up after its retry limit.
 */
export type TrialStatus = (typeof TRIAL_STATUSES)[number];
export const FINAL_TRIAL_STATUSES: readonly TrialStatus[] = ['completed', 'failed', 'interrupted'];

/** How a worker beats for its trials, and when a silent one is taken for dead. */
export interface QueueTiming {
  heartbeatSeconds: number;
  staleSeconds: number;
  /** pg-boss polling of the queue (at least 0.5 s). */
  pollSeconds: number;
  /** pg-boss's own expiry: the backstop when no process is left to notice a silent worker. */
  expireSeconds: number;
  retryLimit: number;
}

export const DEFAULT_TIMING: QueueTiming = {
  heartbeatSeconds: 10,
  staleSeconds: 60,
  pollSeconds: 2,
  expireSeconds: 12 * 3600,
  retryLimit: 5,
};

/** A fast clock for tests: a killed worker's trial is retried within a few seconds. */
export function timingFromEnv(env: NodeJS.ProcessEnv = process.env): QueueTiming {
  const scale = env.VAE_QUEUE_FAST === '1';
  return scale ? { heartbeatSeconds: 1, staleSeconds: 6, pollSeconds: 0.5, expireSeconds: 120, retryLimit: 5 } : DEFAULT_TIMING;
}
