// The evaluations table (migration 005): NLL_k and collapse diagnostics per checkpoint, any number
// per run. A run's headline evaluation, the one its record carries into tables and filters, is the
// one of its latest evaluated checkpoint with the largest k (then the most images, then the newest).

import type { EvaluationRecord, EvaluationResult } from '../../shared/evaluation.ts';
import { rethrowMissingRun } from './errors.ts';
import type { Db } from './migrate.ts';
import { nanFromNull } from './run-row.ts';

export interface EvaluationsRepo {
  /** `createdAt`: when it was measured, for an imported one; default now. */
  add(runId: number, result: EvaluationResult, createdAt?: number): EvaluationRecord;
  /** Oldest first. */
  list(runId: number): EvaluationRecord[];
  /** The headline evaluation of each of `runIds` that has one. */
  headlines(runIds: readonly number[]): Map<number, EvaluationRecord>;
  /** The headline evaluation of every run that has one. */
  allHeadlines(): Map<number, EvaluationRecord>;
}

interface EvaluationRow {
  id: number;
  run_id: number;
  checkpoint_step: number;
  k: number;
  images: number;
  split: EvaluationRecord['split'];
  binarization: EvaluationRecord['binarization'];
  nll: number | null;
  nll_std_err: number | null;
  bits_per_dim: number | null;
  neg_elbo: number | null;
  active_units: number;
  latent_dim: number;
  mutual_info: number | null;
  seed: number;
  backend: string;
  duration_ms: number;
  created_at: number;
}

function toRecord(row: EvaluationRow): EvaluationRecord {
  return {
    id: row.id,
    runId: row.run_id,
    checkpointStep: row.checkpoint_step,
    k: row.k,
    images: row.images,
    split: row.split,
    binarization: row.binarization,
    // SQLite stores NaN as NULL; a diverged model's NaN must come back as NaN.
    nll: nanFromNull(row.nll),
    nllStdErr: nanFromNull(row.nll_std_err),
    bitsPerDim: nanFromNull(row.bits_per_dim),
    negElbo: nanFromNull(row.neg_elbo),
    activeUnits: row.active_units,
    latentDim: row.latent_dim,
    mutualInfo: nanFromNull(row.mutual_info),
    seed: row.seed,
    backend: row.backend,
    durationMs: row.duration_ms,
    createdAt: row.created_at,
  };
}

const HEADLINE = `
  SELECT * FROM evaluations e WHERE e.id = (
    SELECT id FROM evaluations WHERE run_id = e.run_id
    ORDER BY checkpoint_step DESC, k DESC, images DESC, id DESC LIMIT 1)`;

export function createEvaluationsRepo(db: Db, now: () => number): EvaluationsRepo {
  const s = {
    insert: db.prepare(`
      INSERT INTO evaluations (run_id, checkpoint_step, k, images, split, binarization, nll, nll_std_err, bits_per_dim,
        neg_elbo, active_units, latent_dim, mutual_info, seed, backend, duration_ms, created_at)
      VALUES (@runId, @checkpointStep, @k, @images, @split, @binarization, @nll, @nllStdErr, @bitsPerDim,
        @negElbo, @activeUnits, @latentDim, @mutualInfo, @seed, @backend, @durationMs, @createdAt)`),
    get: db.prepare<[number], EvaluationRow>('SELECT * FROM evaluations WHERE id = ?'),
    list: db.prepare<[number], EvaluationRow>('SELECT * FROM evaluations WHERE run_id = ? ORDER BY id'),
    all: db.prepare<[], EvaluationRow>(HEADLINE),
    some: db.prepare<[string], EvaluationRow>(`${HEADLINE} AND e.run_id IN (SELECT value FROM json_each(?))`),
  };
  const byRun = (rows: EvaluationRow[]) => new Map(rows.map((r) => [r.run_id, toRecord(r)]));
  return {
    add(runId, result, createdAt) {
      try {
        const { lastInsertRowid } = s.insert.run({ ...result, runId, createdAt: createdAt ?? now() });
        return toRecord(s.get.get(Number(lastInsertRowid))!);
      } catch (e) {
        rethrowMissingRun(e, runId);
      }
    },
    list: (runId) => s.list.all(runId).map(toRecord),
    headlines: (runIds) => (runIds.length === 0 ? new Map() : byRun(s.some.all(JSON.stringify(runIds)))),
    allHeadlines: () => byRun(s.all.all()),
  };
}
