// Reading what a trial has sent since a cursor, in one REPEATABLE READ transaction so the trial's row
// and its output rows are one consistent moment (a worker writing meanwhile is seen wholly or not at
// all), every row checked by validate.ts on the way in.

import type { Pool } from 'pg';
import type { TrainerPosition } from '../engine/trainer.ts';
import { SCHEMA } from './protocol.ts';
import type { IngestCursor, TrialSnapshot } from './ingest.ts';
import { checkpointPayload, epochPayload, imagePayload, stepPayload, trialRow } from './validate.ts';

const T = SCHEMA;
/** Steps read per look; a trial that is further ahead is caught up over the next looks. */
export const STEPS_PER_READ = 5000;

export async function readSnapshot(
  pool: Pool,
  trialId: string,
  cursor: IngestCursor,
  limit = STEPS_PER_READ,
): Promise<TrialSnapshot | null> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const t = await c.query<Record<string, unknown>>(`SELECT * FROM ${T}.trials WHERE trial_id = $1`, [trialId]);
    if (t.rows.length === 0) return null;
    const trial = trialRow(t.rows[0]!);
    const stepRows = await c.query<{ step: number; payload: unknown }>(
      `SELECT step, payload FROM ${T}.steps WHERE trial_id = $1 AND step > $2 ORDER BY step LIMIT $3`,
      [trialId, cursor.step, limit],
    );
    const complete = stepRows.rows.length < limit;
    const upTo = complete ? 2 ** 31 - 1 : stepRows.rows.at(-1)!.step;
    const epochRows = await c.query<{ epoch: number; payload: unknown }>(
      `SELECT epoch, payload FROM ${T}.epochs WHERE trial_id = $1 AND epoch > $2 AND step <= $3 ORDER BY epoch`,
      [trialId, cursor.epoch, upTo],
    );
    const imageRows = await c.query<{ step: number; epoch: number; kind: string; grid: unknown; pixels: Buffer }>(
      `SELECT step, epoch, kind, grid, pixels FROM ${T}.images
       WHERE trial_id = $1 AND step * 2 + CASE kind WHEN 'samples' THEN 1 ELSE 0 END > $2 AND step <= $3 ORDER BY step, kind`,
      [trialId, cursor.imageKey, upTo],
    );
    const checkpointRows = await c.query<{
      step: number;
      epoch: number;
      encoder: Buffer;
      decoder: Buffer;
      optimizer: Buffer;
      state: unknown;
    }>(
      `SELECT step, epoch, encoder, decoder, optimizer, state FROM ${T}.checkpoints
       WHERE trial_id = $1 AND step > $2 AND step <= $3 ORDER BY step`,
      [trialId, cursor.checkpointStep, upTo],
    );
    await c.query('COMMIT');
    return {
      trial,
      complete,
      steps: stepRows.rows.map((r) => stepPayload(r.payload, r.step, `step ${r.step}`)),
      epochs: epochRows.rows.map((r) => epochPayload(r.payload, r.epoch, `epoch ${r.epoch}`)),
      images: imageRows.rows.map((r) => {
        if (!Number.isInteger(r.epoch) || r.epoch < 0) throw new Error(`image at step ${r.step}: bad epoch`);
        return { step: r.step, epoch: r.epoch, ...imagePayload(r.kind, r.grid, r.pixels, `image at step ${r.step}`) };
      }),
      checkpoints: checkpointRows.rows.map((r) => {
        const p = checkpointPayload(r, `checkpoint at step ${r.step}`);
        return {
          step: r.step,
          epoch: r.epoch,
          encoder: p.encoder,
          decoder: p.decoder,
          optimizer: p.optimizer,
          position: p.state as unknown as TrainerPosition,
        };
      }),
    };
  } finally {
    await c.query('ROLLBACK').catch(() => {});
    c.release();
  }
}
