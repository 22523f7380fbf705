// Opening the run database: connection settings, migrations, crash recovery, and the Store object that
// bundles one prepared repository per table.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppFailure } from '../../shared/result.ts';
import type { ProcessKind } from '../../shared/training.ts';
import { createCheckpointsRepo, type CheckpointsRepo } from './checkpoints.ts';
import { databaseFailure, namingFile, storeError } from './errors.ts';
import { createEvaluationsRepo, type EvaluationsRepo } from './evaluations.ts';
import { createImagesRepo, type ImagesRepo } from './images.ts';
import { createMetricsRepo, type MetricsRepo } from './metrics.ts';
import { migrate, type Db } from './migrate.ts';
import { MIGRATIONS } from './migrations/index.ts';
import { createProcessRegistry, type ProcessRegistry } from './processes.ts';
import { defaultIsProcessAlive, recoverInterrupted } from './recovery.ts';
import { createRunDataRepo, type RunDataRepo } from './run-data.ts';
import { createRunsRepo, type RunsRepo } from './runs.ts';
import { createSweepsRepo, type SweepsRepo } from './sweeps.ts';

export interface OpenOptions {
  /** Path of a better_sqlite3.node built for another ABI (Electron's), so it need not replace Node's. */
  nativeBinding?: string;
  /** Injected by tests; the default asks the OS with signal 0. The current process always counts as alive. */
  isProcessAlive?: (pid: number) => boolean;
  /** How long a write waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
  /** Image grids kept per run and kind before thinning. */
  maxImagesPerKind?: number;
  now?: () => number;
  /**
   * Registers this process as one that trains runs (the app, a browser-mode server, the CLI), so
   * other processes sharing the database can name the owner of its runs. Left out by read-only users.
   */
  processKind?: ProcessKind;
}

export interface Store {
  readonly db: Db;
  readonly file: string;
  readonly runs: RunsRepo;
  readonly sweeps: SweepsRepo;
  readonly metrics: MetricsRepo;
  readonly checkpoints: CheckpointsRepo;
  readonly images: ImagesRepo;
  readonly evaluations: EvaluationsRepo;
  /** An image folder run's class names and skipped files (migration 007). */
  readonly runData: RunDataRepo;
  readonly processes: ProcessRegistry;
  /** Flushes and closes open metric writers, then the connection. Safe to call twice. */
  close(): void;
}

/**
 * Switches a file to WAL. On a fresh file another process may be opening at the same moment (the app
 * and the CLI, or a reader polling the file), and SQLite answers a journal-mode change that meets a
 * lock with SQLITE_BUSY at once, without its busy handler: so this waits and retries, up to the
 * busy timeout, as every other statement does.
 */
function useWal(db: Db, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw e;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}

function configure(db: Db, busyTimeoutMs: number): void {
  // WAL lets the app's charts read while the CLI (or a worker's run) writes. With WAL, NORMAL skips the
  // fsync per commit but stays consistent after a crash: at worst the last commits before power loss
  // are lost, which for metrics is cheaper than an fsync per batch.
  useWal(db, busyTimeoutMs);
  db.pragma('synchronous = NORMAL');
  // Off by default in SQLite, per connection; the cascades from runs depend on it.
  db.pragma('foreign_keys = ON');
  if (db.pragma('foreign_keys', { simple: true }) !== 1) throw storeError('This SQLite build cannot enforce foreign keys.');
}

export function openDatabase(file: string, opts: OpenOptions = {}): Store {
  const now = opts.now ?? Date.now;
  const isProcessAlive = opts.isProcessAlive ?? defaultIsProcessAlive;
  let db: Db;
  try {
    if (file !== ':memory:' && file !== '') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new Database(file, {
      // Sets SQLite's busy_timeout: the app and the CLI take turns on the write lock instead of failing.
      timeout: opts.busyTimeoutMs ?? 5000,
      ...(opts.nativeBinding === undefined ? {} : { nativeBinding: opts.nativeBinding }),
    });
  } catch (e) {
    throw storeError(`Cannot open the run database ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    configure(db, opts.busyTimeoutMs ?? 5000);
    migrate(db, MIGRATIONS, file);
    const metrics = createMetricsRepo(db, now);
    const processes = createProcessRegistry(db, { pid: process.pid, now, isProcessAlive });
    const runs = createRunsRepo(db, { now, isProcessAlive });
    // Every repository (and every metric writer) names the file in its failures: see errors.ts.
    const store: Store = {
      db,
      file,
      runs: namingFile(runs, file),
      sweeps: namingFile(createSweepsRepo(db, { now, isProcessAlive, runs }), file),
      metrics: namingFile({ ...metrics, writer: (runId, options) => namingFile(metrics.writer(runId, options), file) }, file),
      checkpoints: namingFile(createCheckpointsRepo(db, now), file),
      images: namingFile(createImagesRepo(db, now, opts.maxImagesPerKind), file),
      evaluations: namingFile(createEvaluationsRepo(db, now), file),
      runData: namingFile(createRunDataRepo(db), file),
      processes,
      close() {
        if (!db.open) return;
        try {
          metrics.closeAll();
        } catch (e) {
          throw databaseFailure(e, file);
        } finally {
          try {
            if (opts.processKind !== undefined) processes.unregister();
          } catch {
            // A stale registry row only costs a generic owner label; it must not keep the file open.
          }
          db.close();
        }
      },
    };
    recoverInterrupted(store);
    if (opts.processKind !== undefined) processes.register(opts.processKind);
    return store;
  } catch (e) {
    db.close();
    if (e instanceof AppFailure) throw e;
    throw storeError(`Cannot use the run database ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
