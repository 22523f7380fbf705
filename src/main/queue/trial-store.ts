// A worker's writes of one trial attempt to the results tables. An attempt begins by taking the trial
// (its row locked): the attempt number goes up, and whatever the previous attempt logged after its
// newest checkpoint is deleted, since this attempt resumes from that checkpoint and replays those
// steps. Every later write checks, under the same row lock, that its attempt is still the trial's
// current one and still running: a worker that was given up on (stopped beating, its job retried
// elsewhere) but wakes up later is fenced out and cannot overwrite the new attempt's rows.

import type { Pool, PoolClient } from 'pg';
import type { EvaluationResult } from '../../shared/evaluation.ts';
import type { EpochMetric, ImageGrid, ImageKind, StepMetric } from '../../shared/training.ts';
import type { CheckpointBlobs, TrainerPosition } from '../engine/trainer.ts';
import type { DataReady, FinalMetrics } from '../runs/protocol.ts';
import { FINAL_TRIAL_STATUSES, SCHEMA, type TrialStatus } from './protocol.ts';

const T = SCHEMA;

export interface WorkerIdentity {
  name: string;
  host: string;
}

/** This attempt is no longer the trial's: another worker took it over. */
export class FencedOut extends Error {}

export async function inTransaction<R>(pool: Pool, fn: (client: PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

export type AttemptStart =
  | { kind: 'done'; status: TrialStatus }
  | { kind: 'missing' }
  | { kind: 'begun'; attempt: number; resume: CheckpointBlobs | null };

/** Takes the trial for a new attempt (see the file's comment); 'done' when it has already ended. */
export function beginAttempt(pool: Pool, trialId: string, jobId: string, who: WorkerIdentity): Promise<AttemptStart> {
  return inTransaction(pool, async (c) => {
    const row = await c.query<{ status: TrialStatus; attempt: number }>(
      `SELECT status, attempt FROM ${T}.trials WHERE trial_id = $1 FOR UPDATE`,
      [trialId],
    );
    const trial = row.rows[0];
    if (!trial) return { kind: 'missing' };
    if (FINAL_TRIAL_STATUSES.includes(trial.status)) return { kind: 'done', status: trial.status };
    const ck = await c.query<{ step: number; encoder: Buffer; decoder: Buffer; optimizer: Buffer; state: TrainerPosition }>(
      `SELECT step, encoder, decoder, optimizer, state FROM ${T}.checkpoints WHERE trial_id = $1 ORDER BY step DESC LIMIT 1`,
      [trialId],
    );
    const latest = ck.rows[0];
    const from = latest?.step ?? 0;
    for (const table of ['steps', 'epochs'])
      await c.query(`DELETE FROM ${T}.${table} WHERE trial_id = $1 AND step > $2`, [trialId, from]);
    // From step 0 the trial logs its first previews again, so those go too.
    await c.query(`DELETE FROM ${T}.images WHERE trial_id = $1 AND step > $2`, [trialId, from > 0 ? from : -1]);
    const attempt = trial.attempt + 1;
    await c.query(
      `UPDATE ${T}.trials SET status = 'running', message = '', attempt = $2, resumed_from = $3, job_id = $4,
         worker_name = $5, worker_host = $6, heartbeat_at = now(), updated_at = now() WHERE trial_id = $1`,
      [trialId, attempt, from, jobId, who.name, who.host],
    );
    const resume = latest
      ? {
          encoder: new Uint8Array(latest.encoder),
          decoder: new Uint8Array(latest.decoder),
          optimizer: new Uint8Array(latest.optimizer),
          position: latest.state,
        }
      : null;
    return { kind: 'begun', attempt, resume };
  });
}

interface ImageRow {
  step: number;
  epoch: number;
  kind: ImageKind;
  grid: ImageGrid;
}

/** One attempt's output, buffered and written in fenced transactions. */
export class AttemptWriter {
  private steps: StepMetric[] = [];
  private epochs: EpochMetric[] = [];
  private images: ImageRow[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    readonly trialId: string,
    readonly attempt: number,
  ) {}

  step(metric: StepMetric): void {
    this.steps.push(metric);
  }
  epoch(metric: EpochMetric): void {
    this.epochs.push(metric);
  }
  image(row: ImageRow): void {
    this.images.push(row);
  }

  /** Writes are queued one after another, so rows land in the order the trial produced them. */
  private serial<R>(fn: (c: PoolClient) => Promise<R>): Promise<R> {
    const turn = this.chain
      .catch(() => {})
      .then(() =>
        inTransaction(this.pool, async (c) => {
          await this.fence(c);
          return fn(c);
        }),
      );
    this.chain = turn;
    return turn;
  }

  private async fence(c: PoolClient): Promise<void> {
    const r = await c.query<{ attempt: number; status: string }>(
      `SELECT attempt, status FROM ${T}.trials WHERE trial_id = $1 FOR UPDATE`,
      [this.trialId],
    );
    const row = r.rows[0];
    if (!row || row.attempt !== this.attempt || row.status !== 'running')
      throw new FencedOut(
        `trial ${this.trialId} was taken over (attempt ${row?.attempt ?? '?'} ${row?.status ?? 'deleted'}, this is attempt ${this.attempt})`,
      );
  }

  private async writeBuffered(c: PoolClient): Promise<void> {
    const { steps, epochs, images } = this;
    this.steps = [];
    this.epochs = [];
    this.images = [];
    if (steps.length > 0)
      await c.query(
        `INSERT INTO ${T}.steps (trial_id, step, payload)
         SELECT $1, s, p FROM unnest($2::int[], $3::jsonb[]) AS u(s, p)
         ON CONFLICT (trial_id, step) DO UPDATE SET payload = excluded.payload`,
        [this.trialId, steps.map((s) => s.step), steps.map((s) => JSON.stringify(s))],
      );
    for (const e of epochs)
      await c.query(
        `INSERT INTO ${T}.epochs (trial_id, epoch, step, payload) VALUES ($1, $2, $3, $4)
         ON CONFLICT (trial_id, epoch) DO UPDATE SET step = excluded.step, payload = excluded.payload`,
        [this.trialId, e.epoch, e.step, JSON.stringify(e)],
      );
    for (const im of images) {
      const { pixels, ...shape } = im.grid;
      await c.query(
        `INSERT INTO ${T}.images (trial_id, step, kind, epoch, grid, pixels) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (trial_id, step, kind) DO UPDATE SET epoch = excluded.epoch, grid = excluded.grid, pixels = excluded.pixels`,
        [
          this.trialId,
          im.step,
          im.kind,
          im.epoch,
          JSON.stringify(shape),
          Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength),
        ],
      );
    }
  }

  /** Writes what is buffered, and beats. */
  flush(): Promise<void> {
    return this.serial(async (c) => {
      await this.writeBuffered(c);
      await c.query(`UPDATE ${T}.trials SET heartbeat_at = now() WHERE trial_id = $1`, [this.trialId]);
    });
  }

  /** Beats for the attempt, outside the write queue (a big checkpoint must not delay it); fenced too. */
  async beat(): Promise<void> {
    const r = await this.pool.query(
      `UPDATE ${T}.trials SET heartbeat_at = now() WHERE trial_id = $1 AND attempt = $2 AND status = 'running'`,
      [this.trialId, this.attempt],
    );
    if (r.rowCount === 0) throw new FencedOut(`trial ${this.trialId} was taken over (this was attempt ${this.attempt})`);
  }

  started(ready: DataReady): Promise<void> {
    return this.serial(async (c) => {
      await c.query(
        `UPDATE ${T}.trials SET backend = $2, backend_note = $3, total_steps = $4, dataset_name = $5, dataset_fingerprint = $6,
           heartbeat_at = now(), updated_at = now() WHERE trial_id = $1`,
        [this.trialId, ready.backend, ready.backendNote, ready.totalSteps, ready.datasetName, ready.datasetFingerprint],
      );
    });
  }

  /** The steps before a checkpoint land with it, in one transaction: a kill loses only what came after. */
  checkpoint(blobs: CheckpointBlobs): Promise<void> {
    return this.serial(async (c) => {
      await this.writeBuffered(c);
      const p = blobs.position;
      const bytes = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
      await c.query(
        `INSERT INTO ${T}.checkpoints (trial_id, step, epoch, encoder, decoder, optimizer, state) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (trial_id, step) DO UPDATE SET epoch = excluded.epoch, encoder = excluded.encoder,
           decoder = excluded.decoder, optimizer = excluded.optimizer, state = excluded.state`,
        [this.trialId, p.step, p.epoch, bytes(blobs.encoder), bytes(blobs.decoder), bytes(blobs.optimizer), JSON.stringify(p)],
      );
      await c.query(`UPDATE ${T}.trials SET heartbeat_at = now() WHERE trial_id = $1`, [this.trialId]);
    });
  }

  /** The attempt's end: `lost` hands the trial back to the queue for a retry elsewhere. */
  finish(status: TrialStatus, message: string, final: FinalMetrics | null, evaluation: EvaluationResult | null): Promise<void> {
    return this.serial(async (c) => {
      await this.writeBuffered(c);
      await c.query(
        `UPDATE ${T}.trials SET status = $2, message = $3, final = $4, evaluation = $5, updated_at = now() WHERE trial_id = $1`,
        [this.trialId, status, message, final && JSON.stringify(final), evaluation && JSON.stringify(evaluation)],
      );
    });
  }
}

/**
 * Marks as lost the running trials whose worker has not beaten for `staleSeconds` (by PostgreSQL's
 * clock, so machines' clocks need not agree); returns their jobs, for pg-boss to retry. One UPDATE,
 * so of several processes reaping at once each trial is reaped by exactly one.
 */
export async function reapLost(pool: Pool, staleSeconds: number): Promise<{ trialId: string; jobId: string | null }[]> {
  const r = await pool.query<{ trial_id: string; job_id: string | null }>(
    `UPDATE ${T}.trials SET status = 'lost', updated_at = now(),
       message = 'worker ' || coalesce(worker_name, '?') || ' on ' || coalesce(worker_host, '?') || ' stopped responding; the trial is retried from its latest checkpoint'
     WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)
     RETURNING trial_id, job_id`,
    [staleSeconds],
  );
  return r.rows.map((row) => ({ trialId: row.trial_id, jobId: row.job_id }));
}
