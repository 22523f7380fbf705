// Shared by the sweep tests that train real runs: what a sweep's database says about its runs, read
// at the end (every point completed once) or from outside while another process trains (a peek).
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
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
