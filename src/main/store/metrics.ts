// Per-step and per-epoch metrics. Steps arrive every few milliseconds on fast backends, so they are
// buffered and written in one transaction per batch; epochs are rare and written at once.

import type { EpochMetric, StepMetric } from '../../shared/training.ts';
import { invalidArgument, rethrowMissingRun } from './errors.ts';
import type { Db } from './migrate.ts';
import { lossFromColumns, lossToColumns, nanFromNull } from './run-row.ts';

export interface MetricWriterOptions {
  /** Flush once this many step rows are buffered. */
  batchSize?: number;
  /**
   * Also flush on append once the oldest buffered row is this old, so a slow run (seconds per step)
   * still shows up promptly to other processes and loses little in a crash. Checked on append only:
   * no timers, nothing keeps the process alive.
   */
  maxDelayMs?: number;
}

export interface MetricWriter {
  readonly runId: number;
  /** Rows buffered and not yet written. */
  readonly pending: number;
  append(metric: StepMetric): void;
  /** Flushes buffered steps first, so a visible epoch row never precedes its steps. */
  appendEpoch(metric: EpochMetric): void;
  /** Writes the buffer in one transaction and advances the run's step/epoch; returns rows written. */
  flush(): number;
  /** Flushes and detaches from the store; later appends throw. */
  close(): void;
}

export interface ListStepsOptions {
  /**
   * Downsample to at most this many points: rows are split into equal runs by step order and each
   * point is the bucket's mean loss and throughput (NaN rows are left out of the mean), labelled with
   * the bucket's last step (so the final point is always the latest step). Means keep the trend of a noisy loss that picking every n-th
   * row would alias.
   */
  maxPoints?: number;
}

export interface MetricsRepo {
  writer(runId: number, options?: MetricWriterOptions): MetricWriter;
  appendEpoch(runId: number, metric: EpochMetric): void;
  listSteps(runId: number, options?: ListStepsOptions): StepMetric[];
  listEpochs(runId: number): EpochMetric[];
  /** Steps after `afterStep`, oldest first, at most `limit`: what a follower of the run has not seen yet. */
  listStepsAfter(runId: number, afterStep: number, limit: number): StepMetric[];
  /** Epochs after `afterEpoch`, oldest first. */
  listEpochsAfter(runId: number, afterEpoch: number): EpochMetric[];
  /** The highest logged step and epoch (0 when none): a follower's cursor, and how it notices a rewind. */
  lastLogged(runId: number): { step: number; epoch: number };
  /**
   * Drops rows past `step`: a run resumed from an earlier checkpoint replays those steps, and the rows
   * of the abandoned attempt would otherwise linger beyond where the new attempt has reached.
   */
  truncateAfter(runId: number, step: number): void;
  /** The held-out negative ELBO at `epoch` of every run of a sweep that logged that epoch (NaN: no held-out set). */
  sweepHeldOutAt(sweepId: number, epoch: number): { runId: number; total: number }[];
  /** Flushes and closes every writer still open (the store calls this before closing). */
  closeAll(): void;
}

interface StepRow {
  step: number;
  epoch: number;
  recon: number | null;
  kl: number | null;
  total: number | null;
  images_per_sec: number;
  wall_ms: number;
  objective: number | null;
  beta: number | null;
  learning_rate: number | null;
}

interface EpochRow {
  epoch: number;
  step: number;
  train_recon: number | null;
  train_kl: number | null;
  train_total: number | null;
  held_out_recon: number | null;
  held_out_kl: number | null;
  held_out_total: number | null;
  images_per_sec: number;
  wall_ms: number;
}

// A step has controls when it logged its rate (always finite); its objective may be NaN (stored NULL).
const toStepMetric = (r: StepRow): StepMetric => ({
  step: r.step,
  epoch: r.epoch,
  loss: { recon: nanFromNull(r.recon), kl: nanFromNull(r.kl), total: nanFromNull(r.total) },
  imagesPerSec: r.images_per_sec,
  wallMs: r.wall_ms,
  ...(r.learning_rate === null
    ? {}
    : { controls: { objective: nanFromNull(r.objective), beta: nanFromNull(r.beta), learningRate: r.learning_rate } }),
});

const STEP_COLUMNS = 'step, epoch, recon, kl, total, images_per_sec, wall_ms, objective, beta, learning_rate';

const toEpochMetric = (r: EpochRow): EpochMetric => ({
  epoch: r.epoch,
  step: r.step,
  train: lossFromColumns(r.train_recon, r.train_kl, r.train_total) ?? {
    recon: Number.NaN,
    kl: Number.NaN,
    total: Number.NaN,
  },
  heldOut: lossFromColumns(r.held_out_recon, r.held_out_kl, r.held_out_total),
  imagesPerSec: r.images_per_sec,
  wallMs: r.wall_ms,
});

export function createMetricsRepo(db: Db, now: () => number): MetricsRepo {
  const s = {
    // A resumed run re-logs steps it had logged before the crash; the newer attempt wins.
    insertStep: db.prepare(`
      INSERT INTO step_metrics (run_id, step, epoch, recon, kl, total, images_per_sec, wall_ms, objective, beta, learning_rate)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, step) DO UPDATE SET epoch = excluded.epoch, recon = excluded.recon, kl = excluded.kl,
        total = excluded.total, images_per_sec = excluded.images_per_sec, wall_ms = excluded.wall_ms,
        objective = excluded.objective, beta = excluded.beta, learning_rate = excluded.learning_rate`),
    insertEpoch: db.prepare(`
      INSERT INTO epoch_metrics (run_id, epoch, step, train_recon, train_kl, train_total,
                                 held_out_recon, held_out_kl, held_out_total, images_per_sec, wall_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, epoch) DO UPDATE SET step = excluded.step,
        train_recon = excluded.train_recon, train_kl = excluded.train_kl, train_total = excluded.train_total,
        held_out_recon = excluded.held_out_recon, held_out_kl = excluded.held_out_kl,
        held_out_total = excluded.held_out_total, images_per_sec = excluded.images_per_sec,
        wall_ms = excluded.wall_ms`),
    progress: db.prepare('UPDATE runs SET step = ?, epoch = ?, heartbeat_at = ? WHERE id = ?'),
    countSteps: db.prepare<[number], number>('SELECT COUNT(*) FROM step_metrics WHERE run_id = ?').pluck(),
    steps: db.prepare<[number], StepRow>(`
      SELECT ${STEP_COLUMNS} FROM step_metrics WHERE run_id = ? ORDER BY step`),
    // Bucket b holds rows whose rank r satisfies floor(r * maxPoints / n) = b: equal-sized runs of rows.
    // The CAST matters: better-sqlite3 binds JS numbers as REAL, which would make the division exact.
    stepBuckets: db.prepare<[number, number], StepRow>(`
      WITH ranked AS (
        SELECT ${STEP_COLUMNS},
               ROW_NUMBER() OVER (ORDER BY step) - 1 AS rank, COUNT(*) OVER () AS n
        FROM step_metrics WHERE run_id = ?
      )
      SELECT MAX(step) AS step, MAX(epoch) AS epoch, AVG(recon) AS recon, AVG(kl) AS kl, AVG(total) AS total,
             AVG(images_per_sec) AS images_per_sec, MAX(wall_ms) AS wall_ms,
             AVG(objective) AS objective, AVG(beta) AS beta, AVG(learning_rate) AS learning_rate
      FROM ranked GROUP BY CAST(rank * ? AS INTEGER) / n ORDER BY step`),
    epochs: db.prepare<[number], EpochRow>(`
      SELECT epoch, step, train_recon, train_kl, train_total, held_out_recon, held_out_kl, held_out_total,
             images_per_sec, wall_ms
      FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`),
    stepsAfter: db.prepare<[number, number, number], StepRow>(`
      SELECT ${STEP_COLUMNS} FROM step_metrics WHERE run_id = ? AND step > ? ORDER BY step LIMIT ?`),
    epochsAfter: db.prepare<[number, number], EpochRow>(`
      SELECT epoch, step, train_recon, train_kl, train_total, held_out_recon, held_out_kl, held_out_total,
             images_per_sec, wall_ms
      FROM epoch_metrics WHERE run_id = ? AND epoch > ? ORDER BY epoch`),
    lastStep: db.prepare<[number], number | null>('SELECT MAX(step) FROM step_metrics WHERE run_id = ?').pluck(),
    lastEpoch: db.prepare<[number], number | null>('SELECT MAX(epoch) FROM epoch_metrics WHERE run_id = ?').pluck(),
    truncateSteps: db.prepare('DELETE FROM step_metrics WHERE run_id = ? AND step > ?'),
    truncateEpochs: db.prepare('DELETE FROM epoch_metrics WHERE run_id = ? AND step > ?'),
    sweepHeldOutAt: db.prepare<[number, number], { runId: number; total: number | null }>(`
      SELECT e.run_id AS runId, e.held_out_total AS total
      FROM epoch_metrics e JOIN runs r ON r.id = e.run_id
      WHERE r.sweep_id = ? AND e.epoch = ? ORDER BY e.run_id`),
  };

  const writeSteps = db.transaction((runId: number, rows: readonly StepMetric[]) => {
    for (const m of rows) {
      const c = m.controls;
      s.insertStep.run(
        runId,
        m.step,
        m.epoch,
        ...lossToColumns(m.loss),
        m.imagesPerSec,
        m.wallMs,
        c?.objective ?? null,
        c?.beta ?? null,
        c?.learningRate ?? null,
      );
    }
    const last = rows[rows.length - 1];
    if (last) s.progress.run(last.step, last.epoch, now(), runId);
  });

  const appendEpoch = (runId: number, m: EpochMetric): void => {
    try {
      s.insertEpoch.run(runId, m.epoch, m.step, ...lossToColumns(m.train), ...lossToColumns(m.heldOut), m.imagesPerSec, m.wallMs);
    } catch (e) {
      rethrowMissingRun(e, runId);
    }
  };

  const open = new Set<MetricWriter>();

  const writer = (runId: number, options: MetricWriterOptions = {}): MetricWriter => {
    const batchSize = options.batchSize ?? 50;
    const maxDelayMs = options.maxDelayMs ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArgument('batchSize must be a positive integer.');
    let buffer: StepMetric[] = [];
    let oldestAt = 0;
    let closed = false;

    const flush = (): number => {
      if (buffer.length === 0) return 0;
      // Taken out before writing: if the run was deleted meanwhile, retrying the same rows on every
      // append would fail forever while the buffer grew.
      const rows = buffer;
      buffer = [];
      try {
        writeSteps(runId, rows);
      } catch (e) {
        rethrowMissingRun(e, runId);
      }
      return rows.length;
    };

    const w: MetricWriter = {
      runId,
      get pending() {
        return buffer.length;
      },
      append(metric) {
        if (closed) throw invalidArgument(`The metric writer for run ${runId} is closed.`);
        if (buffer.length === 0) oldestAt = now();
        buffer.push(metric);
        if (buffer.length >= batchSize || now() - oldestAt >= maxDelayMs) flush();
      },
      appendEpoch(metric) {
        if (closed) throw invalidArgument(`The metric writer for run ${runId} is closed.`);
        flush();
        appendEpoch(runId, metric);
      },
      flush,
      close() {
        if (closed) return;
        open.delete(w);
        closed = true;
        flush();
      },
    };
    open.add(w);
    return w;
  };

  return {
    writer,
    appendEpoch,
    listSteps(runId, options = {}) {
      const maxPoints = options.maxPoints;
      if (maxPoints !== undefined) {
        if (!Number.isInteger(maxPoints) || maxPoints < 1) throw invalidArgument('maxPoints must be a positive integer.');
        if (s.countSteps.get(runId)! > maxPoints) return s.stepBuckets.all(runId, maxPoints).map(toStepMetric);
      }
      return s.steps.all(runId).map(toStepMetric);
    },
    listEpochs(runId) {
      return s.epochs.all(runId).map(toEpochMetric);
    },
    listStepsAfter(runId, afterStep, limit) {
      return s.stepsAfter.all(runId, afterStep, limit).map(toStepMetric);
    },
    listEpochsAfter(runId, afterEpoch) {
      return s.epochsAfter.all(runId, afterEpoch).map(toEpochMetric);
    },
    lastLogged(runId) {
      return { step: s.lastStep.get(runId) ?? 0, epoch: s.lastEpoch.get(runId) ?? 0 };
    },
    truncateAfter: db.transaction((runId: number, step: number) => {
      s.truncateSteps.run(runId, step);
      s.truncateEpochs.run(runId, step);
    }),
    sweepHeldOutAt(sweepId, epoch) {
      return s.sweepHeldOutAt.all(sweepId, epoch).map((r) => ({ runId: r.runId, total: nanFromNull(r.total) }));
    },
    closeAll() {
      // One writer failing (its run was deleted) must not cost the others their buffered rows.
      const failures: unknown[] = [];
      for (const w of [...open]) {
        try {
          w.close();
        } catch (e) {
          failures.push(e);
        }
      }
      if (failures.length > 0) throw failures[0];
    },
  };
}
