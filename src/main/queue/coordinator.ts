// The coordinator: the one process that writes the SQLite store, following runs that train on queue
// workers. It puts each run on the queue as a trial (a row in the results tables plus a pg-boss job),
// then looks at its trials every `pollMs`, ingesting what arrived (ingest.ts) and ending each run in
// the store once its trial has ended and its last rows are in. Killed, it loses nothing: the results
// wait in PostgreSQL, and the next coordinator re-attaches to the same trials (their ids derive from
// the store's file and the run id) and ingests from where the store stands.

import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { toAppError } from '../../shared/result.ts';
import type { RunRecord, RunStatus, TrainingEvent } from '../../shared/training.ts';
import type { Store } from '../store/index.ts';
import type { QueueConnection } from './connect.ts';
import { workerLabel } from '../../shared/run-sort.ts';
import { applyFinal, ingest, trialWorker, type IngestCursor } from './ingest.ts';
import { FINAL_TRIAL_STATUSES, SCHEMA, TRIAL_QUEUE, type TrialJob } from './protocol.ts';
import { reapAndRetry } from './queue-worker.ts';
import { readSnapshot } from './snapshot.ts';

const T = SCHEMA;

export type CoordinatorEvent =
  | { kind: 'started'; runId: number; fromStep: number; worker: string }
  | { kind: 'progress'; runId: number; events: TrainingEvent[] }
  | { kind: 'ended'; runId: number; status: RunStatus; message: string };

export interface CoordinatorOptions {
  ownerPid?: number;
  pollMs?: number;
  log?: (line: string) => void;
}

interface Followed {
  runId: number;
  trialId: string;
  cursor: IngestCursor;
  /** The worker the store names for the run, as "name\0host"; a retry may move the trial to another. */
  worker: string;
  done: Promise<RunRecord>;
  resolve: (run: RunRecord) => void;
}

/** A trial id that is the same for every coordinator of this store file, and differs between stores. */
export function storeKey(file: string): string {
  let path = file;
  try {
    path = realpathSync(file);
  } catch {
    // A store not on disk (tests): its name is as good.
  }
  return createHash('sha256').update(`${hostname()}\0${path}`).digest('hex').slice(0, 16);
}

export class QueueCoordinator {
  private readonly followed = new Map<number, Followed>();
  private readonly listeners = new Set<(e: CoordinatorEvent) => void>();
  private readonly ownerPid: number;
  private readonly log: (line: string) => void;
  private readonly key: string;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private lastReap = 0;

  constructor(
    private readonly store: Store,
    private readonly conn: QueueConnection,
    private readonly options: CoordinatorOptions = {},
  ) {
    this.ownerPid = options.ownerPid ?? process.pid;
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.key = storeKey(store.file);
  }

  subscribe(listener: (e: CoordinatorEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  trialId(runId: number): string {
    return `${this.key}-${runId}`;
  }

  /** Ids of the runs followed here (for their heartbeat). */
  runIds(): number[] {
    return [...this.followed.keys()];
  }

  /**
   * Puts a run this process has claimed (queued, owned here) on the queue, or re-attaches to its trial
   * when it is there already; resolves once it is followed. `dataFingerprint`: the data as checked here.
   */
  async submit(run: RunRecord, dataFingerprint: string): Promise<void> {
    const trialId = this.trialId(run.id);
    const existing = await this.conn.pool.query<{ status: string; job_id: string | null }>(
      `SELECT status, job_id FROM ${T}.trials WHERE trial_id = $1`,
      [trialId],
    );
    const row = existing.rows[0];
    if (!row) await this.enqueueNew(run, trialId, dataFingerprint);
    else if (!FINAL_TRIAL_STATUSES.includes(row.status as never) && !(await this.jobAlive(row.job_id))) {
      // The trial's job ended without the trial (given up after its retries, or deleted): a new job
      // continues it from its newest checkpoint in the queue.
      await this.conn.pool.query(`UPDATE ${T}.trials SET status = 'queued' WHERE trial_id = $1`, [trialId]);
      await this.send(trialId, { trialId, runId: run.id, config: run.config, dataFingerprint, resumeStep: null });
    }
    this.follow(run.id, trialId);
  }

  /** Resolves with the run's record once its trial has ended and been ingested. */
  waitFor(runId: number): Promise<RunRecord> {
    return this.followed.get(runId)?.done ?? Promise.resolve(this.store.runs.get(runId)!);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.tick()).catch((e: unknown) => this.log(`queue: ${toAppError(e).message}`));
    }, this.options.pollMs ?? 500);
  }

  /** Stops following (the trials go on training; a later coordinator re-attaches). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** One look at every followed trial; public for tests, which step it by hand. */
  async tick(): Promise<void> {
    if (Date.now() - this.lastReap > this.conn.timing.heartbeatSeconds * 1000) {
      this.lastReap = Date.now();
      await reapAndRetry(this.conn, this.log);
    }
    for (const f of [...this.followed.values()]) {
      try {
        await this.look(f);
      } catch (e) {
        this.end(f, 'failed', `Its results could not be taken in: ${toAppError(e).message}`);
      }
    }
  }

  private async enqueueNew(run: RunRecord, trialId: string, dataFingerprint: string): Promise<void> {
    await this.conn.pool.query(`INSERT INTO ${T}.trials (trial_id, run_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
      trialId,
      run.id,
    ]);
    // A run that trained here before goes on from its newest checkpoint, which the worker needs.
    const checkpoint = this.store.checkpoints.latest(run.id);
    if (checkpoint) {
      const bytes = (u: Uint8Array | null) => Buffer.from(u ?? new Uint8Array(0));
      await this.conn.pool.query(
        `INSERT INTO ${T}.checkpoints (trial_id, step, epoch, encoder, decoder, optimizer, state) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING`,
        [
          trialId,
          checkpoint.step,
          checkpoint.epoch,
          bytes(checkpoint.encoder),
          bytes(checkpoint.decoder),
          bytes(checkpoint.optimizer),
          JSON.stringify(checkpoint.state),
        ],
      );
    }
    await this.send(trialId, {
      trialId,
      runId: run.id,
      config: run.config,
      dataFingerprint,
      resumeStep: checkpoint?.step ?? null,
    });
  }

  private async send(trialId: string, job: TrialJob): Promise<void> {
    const jobId = await this.conn.boss.send(TRIAL_QUEUE, job as unknown as object);
    await this.conn.pool.query(`UPDATE ${T}.trials SET job_id = $2 WHERE trial_id = $1`, [trialId, jobId]);
  }

  private async jobAlive(jobId: string | null): Promise<boolean> {
    if (!jobId) return false;
    const job = await this.conn.boss.getJobById(TRIAL_QUEUE, jobId);
    return !!job && ['created', 'retry', 'active'].includes(job.state);
  }

  private follow(runId: number, trialId: string): void {
    if (this.followed.has(runId)) return;
    let resolve!: (run: RunRecord) => void;
    const done = new Promise<RunRecord>((r) => (resolve = r));
    const cursor: IngestCursor = { attempt: -1, step: 0, epoch: 0, imageKey: -1, checkpointStep: 0, started: false };
    this.followed.set(runId, { runId, trialId, cursor, worker: '', done, resolve });
  }

  private async look(f: Followed): Promise<void> {
    const snap = await readSnapshot(this.conn.pool, f.trialId, f.cursor);
    if (!snap) return this.end(f, 'failed', 'Its trial disappeared from the queue.');
    const wasStarted = f.cursor.started;
    // A new attempt replays what came after its checkpoint: the store drops the same, then reads again.
    const result = ingest(this.store, f.runId, this.ownerPid, f.cursor, snap);
    f.cursor = result.cursor;
    if (result.kind === 'rewound') return;
    const worker = trialWorker(snap.trial);
    const workerKey = worker ? `${worker.name}\0${worker.host}` : '';
    if (!wasStarted && result.cursor.started) {
      f.worker = workerKey;
      const label = worker ? workerLabel(worker) : '?';
      this.store.runs.setStatus(f.runId, 'running', `Training on worker ${label}.`);
      this.emit({ kind: 'started', runId: f.runId, fromStep: snap.trial.resumedFrom, worker: label });
    } else if (result.cursor.started && worker && workerKey !== f.worker) {
      // A retry on another worker (the first one was killed): the run names the one training it now.
      f.worker = workerKey;
      this.store.runs.setWorker(f.runId, worker);
      if (snap.trial.status === 'running')
        this.store.runs.setStatus(
          f.runId,
          'running',
          `Training on worker ${workerLabel(worker)} (retried from step ${snap.trial.resumedFrom}).`,
        );
    }
    if (result.events.length > 0) this.emit({ kind: 'progress', runId: f.runId, events: result.events });
    if (result.kind === 'ended') {
      applyFinal(this.store, f.runId, snap.trial);
      return this.end(f, result.status, result.message);
    }
    if (snap.trial.status === 'lost' && !(await this.jobAlive(await this.jobOf(f.trialId))))
      this.end(f, 'failed', `${snap.trial.message}; the queue gave up after ${snap.trial.attempt} attempts.`);
  }

  private async jobOf(trialId: string): Promise<string | null> {
    const r = await this.conn.pool.query<{ job_id: string | null }>(`SELECT job_id FROM ${T}.trials WHERE trial_id = $1`, [
      trialId,
    ]);
    return r.rows[0]?.job_id ?? null;
  }

  private end(f: Followed, status: 'completed' | 'failed' | 'interrupted', message: string): void {
    this.followed.delete(f.runId);
    try {
      this.store.runs.finishOwned(f.runId, this.ownerPid, status, message);
    } catch (e) {
      this.log(`run ${f.runId} could not be marked ${status}: ${toAppError(e).message}`);
    }
    this.emit({ kind: 'ended', runId: f.runId, status, message });
    f.resolve(this.store.runs.get(f.runId)!);
  }

  private emit(e: CoordinatorEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log(`a listener failed: ${(err as Error).message}`);
      }
    }
  }
}
