// Model checkpoints: weights and optimizer slots as opaque blobs (the engine owns their format), plus the
// trainer's JSON state (rng, data offsets) needed to resume exactly where training stopped.
//
// Retention: every epoch-end checkpoint is kept (they are what a person compares, exports or resumes
// from deliberately), and of the mid-epoch ones only the newest, which exists to bound the work a kill
// loses. A newer checkpoint of either kind supersedes older mid-epoch ones. So a run holds at most
// epochs + 1 checkpoints.
//
// The best checkpoint is the epoch-end one whose epoch scored the lowest held-out negative ELBO (the
// training one for a run without held-out images; the earlier epoch on a tie, as early stopping
// counts it). Epoch-end checkpoints are never thinned, so it is always there; it is found from the
// epoch metrics rather than stored, so runs trained before it was marked have one too. A run that
// watched a validation split (a test split with early stopping or reduce-on-plateau) is scored by
// it instead: each epoch-end checkpoint's control state holds the value its epoch watched.

import { invalidArgument, rethrowMissingRun } from './errors.ts';
import type { Db } from './migrate.ts';

export interface NewCheckpoint {
  runId: number;
  epoch: number;
  step: number;
  encoder: Uint8Array;
  decoder: Uint8Array;
  optimizer?: Uint8Array | null;
  /** JSON-serialisable trainer state. */
  state: object;
  /** True for the checkpoint written when an epoch completes; those are never thinned. */
  atEpochEnd?: boolean;
}

export interface CheckpointMeta {
  id: number;
  runId: number;
  epoch: number;
  step: number;
  atEpochEnd: boolean;
  createdAt: number;
  /** Size of the blobs together. */
  bytes: number;
  /** The run's best checkpoint (see above); set by `list`, false elsewhere. */
  best: boolean;
  /** A conditional VAE's class count, from the trainer's state; null when not conditioned. */
  classes: number | null;
}

export interface Checkpoint extends CheckpointMeta {
  encoder: Uint8Array;
  decoder: Uint8Array;
  optimizer: Uint8Array | null;
  state: Record<string, unknown>;
}

export interface CheckpointsRepo {
  save(input: NewCheckpoint): CheckpointMeta;
  /** The checkpoint with the highest step, blobs included: what a resume loads. */
  latest(runId: number): Checkpoint | null;
  /** The best checkpoint (see above), blobs included; null when no epoch has ended with one. */
  best(runId: number): Checkpoint | null;
  /** Oldest first, without blobs. */
  list(runId: number): CheckpointMeta[];
  load(id: number): Checkpoint | null;
  /** Drops checkpoints past `step`, for a run resumed from an earlier one. */
  removeAfter(runId: number, step: number): void;
}

interface MetaRow {
  id: number;
  run_id: number;
  epoch: number;
  step: number;
  at_epoch_end: number;
  created_at: number;
  bytes: number;
  classes: number | null;
}

interface FullRow extends MetaRow {
  state: string;
  encoder: Uint8Array;
  decoder: Uint8Array;
  optimizer: Uint8Array | null;
}

// length() of a blob is read from the record header, so metadata queries never touch the blob pages.
// The state column sits before the blobs, so reading the class count from it stays off their pages.
const META_COLUMNS = `id, run_id, epoch, step, at_epoch_end, created_at,
  length(encoder) + length(decoder) + COALESCE(length(optimizer), 0) AS bytes,
  json_extract(state, '$.classes') AS classes`;

const toMeta = (r: MetaRow): CheckpointMeta => ({
  id: r.id,
  runId: r.run_id,
  epoch: r.epoch,
  step: r.step,
  atEpochEnd: r.at_epoch_end === 1,
  createdAt: r.created_at,
  bytes: r.bytes,
  best: false,
  classes: Number.isInteger(r.classes) && r.classes! > 0 ? r.classes : null,
});

const toCheckpoint = (r: FullRow): Checkpoint => ({
  ...toMeta(r),
  encoder: r.encoder,
  decoder: r.decoder,
  optimizer: r.optimizer,
  state: JSON.parse(r.state) as Record<string, unknown>,
});

export function createCheckpointsRepo(db: Db, now: () => number): CheckpointsRepo {
  const s = {
    insert: db.prepare(`
      INSERT INTO checkpoints (run_id, epoch, step, at_epoch_end, created_at, state, encoder, decoder, optimizer)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    thin: db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND at_epoch_end = 0 AND id <> ?'),
    meta: db.prepare<[number], MetaRow>(`SELECT ${META_COLUMNS} FROM checkpoints WHERE id = ?`),
    list: db.prepare<[number], MetaRow>(`SELECT ${META_COLUMNS} FROM checkpoints WHERE run_id = ? ORDER BY step, id`),
    latest: db.prepare<[number], FullRow>(`
      SELECT ${META_COLUMNS}, state, encoder, decoder, optimizer
      FROM checkpoints WHERE run_id = ? ORDER BY step DESC, id DESC LIMIT 1`),
    load: db.prepare<[number], FullRow>(`
      SELECT ${META_COLUMNS}, state, encoder, decoder, optimizer FROM checkpoints WHERE id = ?`),
    removeAfter: db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND step > ?'),
    bestId: db
      .prepare<{ runId: number }, number>(
        `WITH scored AS (
           SELECT c.id, e.epoch,
                  CASE WHEN json_extract(c.state, '$.controls.watched') = 'validation'
                       THEN json_extract(c.state, '$.controls.monitored')
                       WHEN EXISTS (SELECT 1 FROM epoch_metrics WHERE run_id = $runId AND held_out_total IS NOT NULL)
                       THEN e.held_out_total ELSE e.train_total END AS score
           FROM checkpoints c JOIN epoch_metrics e ON e.run_id = c.run_id AND e.step = c.step
           WHERE c.run_id = $runId AND c.at_epoch_end = 1
         )
         SELECT id FROM scored WHERE score IS NOT NULL ORDER BY score, epoch LIMIT 1`,
      )
      .pluck(),
  };

  const save = db.transaction((input: NewCheckpoint): CheckpointMeta => {
    const { lastInsertRowid } = s.insert.run(
      input.runId,
      input.epoch,
      input.step,
      input.atEpochEnd ? 1 : 0,
      now(),
      JSON.stringify(input.state),
      input.encoder,
      input.decoder,
      input.optimizer ?? null,
    );
    const id = Number(lastInsertRowid);
    s.thin.run(input.runId, id);
    return toMeta(s.meta.get(id)!);
  });

  return {
    save(input) {
      if (!(input.encoder instanceof Uint8Array) || !(input.decoder instanceof Uint8Array)) {
        throw invalidArgument('Checkpoint weights must be byte arrays (Uint8Array).');
      }
      if (input.state === null || typeof input.state !== 'object') {
        throw invalidArgument('Checkpoint state must be an object.');
      }
      try {
        return save(input);
      } catch (e) {
        return rethrowMissingRun(e, input.runId);
      }
    },
    latest(runId) {
      const row = s.latest.get(runId);
      return row === undefined ? null : toCheckpoint(row);
    },
    best(runId) {
      const id = s.bestId.get({ runId });
      const row = id === undefined ? undefined : s.load.get(id);
      return row === undefined ? null : toCheckpoint(row);
    },
    list(runId) {
      const best = s.bestId.get({ runId });
      return s.list.all(runId).map((r) => ({ ...toMeta(r), best: r.id === best }));
    },
    load(id) {
      const row = s.load.get(id);
      return row === undefined ? null : toCheckpoint(row);
    },
    removeAfter(runId, step) {
      s.removeAfter.run(runId, step);
    },
  };
}
