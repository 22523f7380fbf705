// Shared by the sweep tests that train real runs: what a sweep's database says about its runs, read
// at the end (every point completed once) or from outside while another process trains (a peek), and
// a judge that holds runs at a known step.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { RungJudge, RungVerdict } from '../src/main/runs/rung-gate.ts';
import type { Store } from '../src/main/store/index.ts';

/** Every run of the sweep completed once per position, each step logged exactly once. */
export function assertAllCompletedOnce(store: Store, sweepId: number, total: number): void {
  const members = store.runs.list().filter((r) => r.sweepId === sweepId);
  assert.deepEqual(
    members.map((r) => r.sweepIndex).sort(),
    Array.from({ length: total }, (_, i) => i),
    'one run per position',
  );
  for (const run of members) {
    assert.equal(run.status, 'completed', `run ${run.id}: ${run.statusMessage}`);
    const steps = store.metrics.listSteps(run.id).map((s) => s.step);
    assert.deepEqual(
      steps,
      Array.from({ length: run.totalSteps }, (_, i) => i + 1),
      `run ${run.id}: no step twice, none missing`,
    );
  }
}

export interface Peek {
  completed: number;
  /** Runs training with a checkpoint short of their end. */
  cutOff: number;
}

/** Read with a separate, read-only connection; null before the database (or its schema) exists. */
export function peek(file: string): Peek | null {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const completed = db.prepare("SELECT count(*) FROM runs WHERE status = 'completed'").pluck().get() as number;
      const cutOff = db
        .prepare(
          `SELECT count(DISTINCT r.id) FROM runs r JOIN checkpoints c ON c.run_id = r.id
           WHERE r.status = 'running' AND c.step > 0 AND c.step < r.total_steps`,
        )
        .pluck()
        .get() as number;
      return { completed, cutOff };
    } finally {
      db.close();
    }
  } catch {
    return null; // not created yet, or its schema is being written
  }
}

/**
 * A rung judge that holds every run at the end of its first epoch (and again when it resumes there)
 * while `holding`: a run waits at a known step for as long as a test needs, instead of training long
 * enough to be caught mid-run. A stop still reaches a waiting run (rung-gate.ts), and `release` lets
 * the waiting runs, and every later one, go on.
 */
export function holdingJudge(): { judge: RungJudge; arrivals: () => number; release: () => void } {
  let holding = true;
  let arrivals = 0;
  const waiting: (() => void)[] = [];
  const judge: RungJudge = {
    rungs: (run) => (run.config.optim.epochs > 1 ? [1] : []),
    decide: () => {
      arrivals++;
      if (!holding) return { prune: false };
      return new Promise<RungVerdict>((resolve) => waiting.push(() => resolve({ prune: false })));
    },
  };
  return {
    judge,
    arrivals: () => arrivals,
    release: () => {
      holding = false;
      for (const go of waiting.splice(0)) go();
    },
  };
}
