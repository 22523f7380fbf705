// The results tables a trial writes and the coordinator reads. Every row is keyed by the trial and
// its position (step, epoch, step and kind), so a retried trial that replays steps overwrites them
// instead of adding rows; `attempt` fences a worker that was given up on (see trial-store.ts).

import type { PoolClient } from 'pg';
import { SCHEMA } from './protocol.ts';

const DDL = `
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
CREATE TABLE IF NOT EXISTS ${SCHEMA}.trials (
  trial_id text PRIMARY KEY,
  run_id integer NOT NULL,
  job_id text,
  status text NOT NULL DEFAULT 'queued',
  message text NOT NULL DEFAULT '',
  attempt integer NOT NULL DEFAULT 0,
  resumed_from integer NOT NULL DEFAULT 0,
  worker_name text,
  worker_host text,
  heartbeat_at timestamptz,
  backend text,
  backend_note text,
  total_steps integer,
  dataset_name text,
  dataset_fingerprint text,
  final jsonb,
  evaluation jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS trials_running ON ${SCHEMA}.trials (heartbeat_at) WHERE status = 'running';
CREATE TABLE IF NOT EXISTS ${SCHEMA}.steps (
  trial_id text NOT NULL REFERENCES ${SCHEMA}.trials ON DELETE CASCADE,
  step integer NOT NULL,
  payload jsonb NOT NULL,
  PRIMARY KEY (trial_id, step)
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.epochs (
  trial_id text NOT NULL REFERENCES ${SCHEMA}.trials ON DELETE CASCADE,
  epoch integer NOT NULL,
  step integer NOT NULL,
  payload jsonb NOT NULL,
  PRIMARY KEY (trial_id, epoch)
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.images (
  trial_id text NOT NULL REFERENCES ${SCHEMA}.trials ON DELETE CASCADE,
  step integer NOT NULL,
  kind text NOT NULL,
  epoch integer NOT NULL,
  grid jsonb NOT NULL,
  pixels bytea NOT NULL,
  PRIMARY KEY (trial_id, step, kind)
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.checkpoints (
  trial_id text NOT NULL REFERENCES ${SCHEMA}.trials ON DELETE CASCADE,
  step integer NOT NULL,
  epoch integer NOT NULL,
  encoder bytea NOT NULL,
  decoder bytea NOT NULL,
  optimizer bytea NOT NULL,
  state jsonb NOT NULL,
  PRIMARY KEY (trial_id, step)
);
`;

/** Creates the tables when missing; several processes starting at once take turns on a lock. */
export async function ensureSchema(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${SCHEMA}'))`);
    await client.query(DDL);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}
