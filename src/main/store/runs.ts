// The runs table: one row per experiment, from creation through training to its final losses.

import type { ExperimentConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import {
  LIVE_STATUSES,
  RUN_STATUSES,
  type LossParts,
  type RunRecord,
  type RunStatus,
  type RunWorker,
} from '../../shared/training.ts';
import { invalidArgument, notFound } from './errors.ts';
import type { Db } from './migrate.ts';
import { createConfigCache } from './config-cache.ts';
import { createEvaluationsRepo } from './evaluations.ts';
import { createRunListCache } from './run-list-cache.ts';
import { NOT_ON_A_QUEUE } from './queue-runs.ts';
import { lossToColumns, normaliseTags, RUN_COLUMNS_BUT_CONFIG, toRunRecord, toRunRecordWith, type RunRow } from './run-row.ts';

export type FinishedStatus = 'completed' | 'failed' | 'interrupted' | 'pruned';
const FINISHED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'interrupted', 'pruned'];
const MAX_NAME_LENGTH = 200;

export interface NewRun {
  config: ExperimentConfig;
  /** Defaults to `config.run.name`, or the preset and creation time when that is empty. */
  name?: string;
  /** Defaults to `config.preset`. */
  preset?: string;
  datasetName?: string;
  datasetFingerprint?: string;
  notes?: string;
  tags?: string[];
  status?: RunStatus;
  /** The process that will train it, when it claims the run at creation (e.g. the CLI). */
  ownerPid?: number | null;
  createdAt?: number;
  /** The sweep the run belongs to and its position there; (sweepId, sweepIndex) is unique. */
  sweepId?: number | null;
  sweepIndex?: number | null;
}

export interface RunStart {
  backend: string;
  ownerPid: number;
  totalSteps: number;
  /** What the worker loaded; a run queued without loading its data learns them only now. */
  datasetName?: string;
  datasetFingerprint?: string;
  /** The queue worker that trains it; absent or null: this machine. */
  worker?: RunWorker | null;
}

export interface RunEdit {
  name?: string;
  notes?: string;
  tags?: string[];
}

export interface RunFinal {
  train: LossParts;
  heldOut: LossParts | null;
  imagesPerSec: number;
}

/** What a run was before a process claimed it for resuming, so a failed launch can put it back. */
export interface ResumeClaim {
  status: FinishedStatus;
  message: string;
}

/** Who is training a run; not part of RunRecord because only the run service and recovery care. */
export interface RunOwner {
  status: RunStatus;
  ownerPid: number | null;
  heartbeatAt: number | null;
}

export interface RunsRepo {
  create(input: NewRun): RunRecord;
  get(id: number): RunRecord | null;
  /** Newest first; frozen (see run-list-cache.ts). */
  list(): readonly RunRecord[];
  /** Finished statuses go through markFinished, so the owner is released and finishedAt is set. */
  setStatus(id: number, status: RunStatus, message?: string): RunRecord;
  /** Claims the run for `ownerPid`; refuses ('conflict') while another live process holds it. */
  markStarted(id: number, start: RunStart): RunRecord;
  markFinished(id: number, status: FinishedStatus, message: string): RunRecord;
  /**
   * markFinished, but only while `ownerPid` still owns the run: a process must never finish (or put
   * back) a run that another process has claimed since. Returns false when it wrote nothing.
   */
  finishOwned(id: number, ownerPid: number, status: FinishedStatus, message: string): boolean;
  /**
   * Claims an interrupted or failed run (or a live one whose process is gone) for `ownerPid` to resume:
   * queued, owned, its message cleared, all in one IMMEDIATE transaction, so of two processes (or two
   * calls) resuming one run exactly one gets it; the other gets 'conflict'. Nothing about the run's
   * output may be changed before this succeeds.
   */
  claimForResume(id: number, ownerPid: number): ResumeClaim;
  update(id: number, edit: RunEdit): RunRecord;
  /** Deletes the run with its metrics, checkpoints and images. */
  remove(id: number): void;
  setProgress(id: number, progress: { step: number; epoch: number }): void;
  /** The queue worker now training the run (a retried trial moves to another). */
  setWorker(id: number, worker: RunWorker | null): void;
  setFinal(id: number, final: RunFinal): void;
  heartbeat(id: number): void;
  owner(id: number): RunOwner | null;
  /**
   * Marks as interrupted every live run whose process is gone, or that claims to be running or paused
   * with no owner at all; returns their ids. Queued runs without an owner are left alone: they wait for
   * whichever process picks them up; so are runs of a sweep on a queue (queue-runs.ts). See recovery.ts.
   */
  interruptOrphans(): number[];
  /**
   * Marks as interrupted every live run owned by a process other than `exceptPid` whose heartbeat is
   * older than `heartbeatBefore` (a process that hangs, or whose pid now belongs to someone else);
   * returns their ids. Runs with no heartbeat at all are left to interruptOrphans.
   */
  interruptStale(heartbeatBefore: number, exceptPid: number): number[];
}

export interface RunsDeps {
  now: () => number;
  isProcessAlive: (pid: number) => boolean;
}

function checkStatus(status: RunStatus): void {
  if (!RUN_STATUSES.includes(status)) {
    throw invalidArgument(`Unknown run status "${String(status)}"; expected one of ${RUN_STATUSES.join(', ')}.`, 'status');
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw invalidArgument('A run name cannot be empty.', 'name');
  if (trimmed.length > MAX_NAME_LENGTH) throw invalidArgument(`A run name has at most ${MAX_NAME_LENGTH} characters.`, 'name');
  return trimmed;
}

function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) {
    throw invalidArgument('Tags must be a list of strings.', 'tags');
  }
  return normaliseTags(tags as string[]);
}

function defaultName(preset: string, createdAt: number): string {
  return `${preset} ${new Date(createdAt).toISOString().slice(0, 16).replace('T', ' ')}`;
}

export function createRunsRepo(db: Db, deps: RunsDeps): RunsRepo {
  const configs = createConfigCache(db);
  const evaluations = createEvaluationsRepo(db, deps.now);
  const withEvaluation = (run: RunRecord): RunRecord => ({
    ...run,
    evaluation: evaluations.headlines([run.id]).get(run.id) ?? null,
  });
  const s = {
    insert: db.prepare(`
      INSERT INTO runs (name, preset, config, status, created_at, dataset_name, dataset_fingerprint, notes, tags,
                        owner_pid, heartbeat_at, sweep_id, sweep_index)
      VALUES (@name, @preset, @config, @status, @createdAt, @datasetName, @datasetFingerprint, @notes, @tags,
              @ownerPid, @heartbeatAt, @sweepId, @sweepIndex)`),
    get: db.prepare<[number], RunRow>('SELECT * FROM runs WHERE id = ?'),
    // Every column but config, which configs.configsOf reads only for runs it has not seen.
    list: db.prepare<[], Omit<RunRow, 'config'>>(
      `SELECT ${RUN_COLUMNS_BUT_CONFIG.join(', ')} FROM runs ORDER BY created_at DESC, id DESC`,
    ),
    owner: db.prepare<[number], { status: RunStatus; owner_pid: number | null; heartbeat_at: number | null }>(
      'SELECT status, owner_pid, heartbeat_at FROM runs WHERE id = ?',
    ),
    setLiveStatus: db.prepare('UPDATE runs SET status = ?, status_message = ? WHERE id = ?'),
    start: db.prepare(`
      UPDATE runs SET status = 'running', status_message = '', backend = @backend, owner_pid = @ownerPid,
        total_steps = @totalSteps, started_at = COALESCE(started_at, @now), finished_at = NULL, heartbeat_at = @now,
        dataset_name = COALESCE(@datasetName, dataset_name),
        dataset_fingerprint = COALESCE(@datasetFingerprint, dataset_fingerprint),
        worker_name = @workerName, worker_host = @workerHost
      WHERE id = @id`),
    worker: db.prepare('UPDATE runs SET worker_name = ?, worker_host = ? WHERE id = ?'),
    finish: db.prepare(`
      UPDATE runs SET status = ?, status_message = ?, finished_at = ?, owner_pid = NULL WHERE id = ?`),
    finishOwned: db.prepare(`
      UPDATE runs SET status = ?, status_message = ?, finished_at = ?, owner_pid = NULL WHERE id = ? AND owner_pid = ?`),
    claim: db.prepare(`
      UPDATE runs SET status = 'queued', status_message = '', owner_pid = @ownerPid, heartbeat_at = @now, finished_at = NULL
      WHERE id = @id`),
    message: db.prepare<[number], string>('SELECT status_message FROM runs WHERE id = ?').pluck(),
    // NULL leaves a column as it is, so one statement serves every combination of edited fields.
    edit: db.prepare(`
      UPDATE runs SET name = COALESCE(?, name), notes = COALESCE(?, notes), tags = COALESCE(?, tags) WHERE id = ?`),
    remove: db.prepare('DELETE FROM runs WHERE id = ?'),
    progress: db.prepare('UPDATE runs SET step = ?, epoch = ?, heartbeat_at = ? WHERE id = ?'),
    final: db.prepare(`
      UPDATE runs SET train_recon = ?, train_kl = ?, train_total = ?,
        held_out_recon = ?, held_out_kl = ?, held_out_total = ?, images_per_sec = ?
      WHERE id = ?`),
    heartbeat: db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?'),
    // The IN list matches runs_live's WHERE clause term for term, which is what lets SQLite use that
    // partial index.
    live: db.prepare<[], { id: number; status: RunStatus; owner_pid: number | null }>(
      `SELECT id, status, owner_pid FROM runs WHERE status IN ('queued', 'running', 'paused') AND ${NOT_ON_A_QUEUE}`,
    ),
    // The last heartbeat is the best estimate of when the process died.
    interrupt: db.prepare(`
      UPDATE runs SET status = 'interrupted', status_message = ?, owner_pid = NULL,
        finished_at = COALESCE(heartbeat_at, ?)
      WHERE id = ?`),
  };
  const listCache = createRunListCache(db, {
    all() {
      const rows = s.list.all();
      const parsed = configs.configsOf(rows.map((r) => r.id));
      const headlines = evaluations.allHeadlines();
      return rows
        .map((row) => {
          const config = parsed.get(row.id);
          // Only a run deleted between the two reads has none; it is gone, so it is not listed.
          return config === undefined ? null : { ...toRunRecordWith(row, config), evaluation: headlines.get(row.id) ?? null };
        })
        .filter((r) => r !== null);
    },
    one: (id) => {
      const row = s.get.get(id);
      return row === undefined ? null : withEvaluation(toRunRecordWith(row, configs.configOf(id, row.config)));
    },
  });

  const mustChange = (changes: number, id: number): void => {
    if (changes === 0) throw notFound(`Run ${id}`);
  };
  const fetch = (id: number): RunRecord => {
    const row = s.get.get(id);
    if (row === undefined) throw notFound(`Run ${id}`);
    return withEvaluation(toRunRecord(row));
  };

  const markFinished = (id: number, status: FinishedStatus, message: string): RunRecord => {
    if (!FINISHED_STATUSES.includes(status)) {
      throw invalidArgument(`"${status}" is not a finished status; expected ${FINISHED_STATUSES.join(', ')}.`, 'status');
    }
    mustChange(s.finish.run(status, message, deps.now(), id).changes, id);
    return fetch(id);
  };

  // IMMEDIATE: the check and the claim must hold the write lock together, or the app and the CLI could
  // both see the run free and both start training it.
  const markStarted = db.transaction((id: number, start: RunStart): RunRecord => {
    const current = s.owner.get(id);
    if (current === undefined) throw notFound(`Run ${id}`);
    const holder = current.owner_pid;
    if (holder !== null && holder !== start.ownerPid && LIVE_STATUSES.includes(current.status) && deps.isProcessAlive(holder)) {
      throw new AppFailure({
        code: 'conflict',
        message: `Run ${id} is already being trained by another process (pid ${holder}).`,
      });
    }
    s.start.run({
      id,
      backend: start.backend,
      ownerPid: start.ownerPid,
      totalSteps: start.totalSteps,
      datasetName: start.datasetName ?? null,
      datasetFingerprint: start.datasetFingerprint ?? null,
      workerName: start.worker?.name ?? null,
      workerHost: start.worker?.host ?? null,
      now: deps.now(),
    });
    return fetch(id);
  });

  const claimForResume = db.transaction((id: number, ownerPid: number): ResumeClaim => {
    const current = s.owner.get(id);
    if (current === undefined) throw notFound(`Run ${id}`);
    const holder = current.owner_pid;
    if (LIVE_STATUSES.includes(current.status)) {
      if (holder === ownerPid) {
        throw new AppFailure({ code: 'conflict', message: `Run ${id} is already ${current.status} in this process.` });
      }
      if (holder === null ? current.status === 'queued' : deps.isProcessAlive(holder)) {
        const by = holder === null ? 'waiting for a process to pick it up' : `owned by another process (pid ${holder})`;
        throw new AppFailure({ code: 'conflict', message: `Run ${id} is already ${current.status}, ${by}.` });
      }
    } else if (current.status === 'completed') {
      throw new AppFailure({
        code: 'conflict',
        message: `Run ${id} is completed; only interrupted, failed or pruned runs can be resumed.`,
      });
    }
    // A live status whose owner is gone is an orphan recovery has not marked yet: it resumes as interrupted.
    const previous: ResumeClaim = {
      status: current.status === 'failed' || current.status === 'pruned' ? current.status : 'interrupted',
      message: s.message.get(id) ?? '',
    };
    s.claim.run({ id, ownerPid, now: deps.now() });
    return previous;
  });

  // IMMEDIATE, for the same reason as markStarted: a process must not claim a run between our check of
  // its owner and our write.
  const interruptOrphans = db.transaction((): number[] => {
    const interrupted: number[] = [];
    for (const run of s.live.all()) {
      const pid = run.owner_pid;
      let message: string;
      if (pid === null) {
        if (run.status === 'queued') continue;
        message = `The process training this run stopped unexpectedly (no owner was recorded while it was ${run.status}). Resume it from its latest checkpoint.`;
      } else if (pid === process.pid || deps.isProcessAlive(pid)) {
        continue;
      } else {
        message = `The process training this run (pid ${pid}) stopped unexpectedly. Resume it from its latest checkpoint.`;
      }
      s.interrupt.run(message, deps.now(), run.id);
      interrupted.push(run.id);
    }
    return interrupted;
  });

  const stale = db.prepare<[number, number], { id: number; owner_pid: number; heartbeat_at: number }>(`
    SELECT id, owner_pid, heartbeat_at FROM runs
    WHERE status IN ('queued', 'running', 'paused') AND owner_pid IS NOT NULL AND owner_pid <> ? AND heartbeat_at < ?
      AND ${NOT_ON_A_QUEUE}`);
  // IMMEDIATE: the owner's next heartbeat must not land between the check and the write.
  const interruptStale = db.transaction((heartbeatBefore: number, exceptPid: number): number[] =>
    stale.all(exceptPid, heartbeatBefore).map((run) => {
      const since = new Date(run.heartbeat_at).toISOString().slice(11, 19);
      s.interrupt.run(
        `The process training this run (pid ${run.owner_pid}) has not been heard from since ${since} UTC. Resume it from its latest checkpoint.`,
        deps.now(),
        run.id,
      );
      return run.id;
    }),
  );

  return {
    create(input) {
      const createdAt = input.createdAt ?? deps.now();
      const status = input.status ?? 'queued';
      checkStatus(status);
      const preset = input.preset ?? input.config.preset;
      const requested = input.name ?? input.config.run?.name ?? '';
      const name = requested.trim() === '' ? defaultName(preset, createdAt) : checkName(requested);
      const ownerPid = input.ownerPid ?? null;
      const { lastInsertRowid } = s.insert.run({
        name,
        preset,
        config: JSON.stringify(input.config),
        status,
        createdAt,
        datasetName: input.datasetName ?? '',
        datasetFingerprint: input.datasetFingerprint ?? '',
        notes: input.notes ?? '',
        tags: JSON.stringify(checkTags(input.tags ?? [])),
        ownerPid,
        heartbeatAt: ownerPid === null ? null : createdAt,
        sweepId: input.sweepId ?? null,
        sweepIndex: input.sweepId == null ? null : (input.sweepIndex ?? null),
      });
      return fetch(Number(lastInsertRowid));
    },

    get(id) {
      const row = s.get.get(id);
      return row === undefined ? null : withEvaluation(toRunRecord(row));
    },

    list() {
      return listCache.list();
    },

    setStatus(id, status, message = '') {
      checkStatus(status);
      if (FINISHED_STATUSES.includes(status)) return markFinished(id, status as FinishedStatus, message);
      mustChange(s.setLiveStatus.run(status, message, id).changes, id);
      return fetch(id);
    },

    markStarted(id, start) {
      return markStarted.immediate(id, start);
    },

    markFinished,

    finishOwned(id, ownerPid, status, message) {
      if (!FINISHED_STATUSES.includes(status)) {
        throw invalidArgument(`"${status}" is not a finished status; expected ${FINISHED_STATUSES.join(', ')}.`, 'status');
      }
      return s.finishOwned.run(status, message, deps.now(), id, ownerPid).changes > 0;
    },

    claimForResume(id, ownerPid) {
      return claimForResume.immediate(id, ownerPid);
    },

    update(id, edit) {
      const name = edit.name === undefined ? null : checkName(edit.name);
      const notes = edit.notes === undefined ? null : String(edit.notes);
      const tags = edit.tags === undefined ? null : JSON.stringify(checkTags(edit.tags));
      mustChange(s.edit.run(name, notes, tags, id).changes, id);
      return fetch(id);
    },

    remove(id) {
      mustChange(s.remove.run(id).changes, id);
    },

    setProgress(id, { step, epoch }) {
      mustChange(s.progress.run(step, epoch, deps.now(), id).changes, id);
    },

    setWorker(id, worker) {
      mustChange(s.worker.run(worker?.name ?? null, worker?.host ?? null, id).changes, id);
    },

    setFinal(id, final) {
      mustChange(s.final.run(...lossToColumns(final.train), ...lossToColumns(final.heldOut), final.imagesPerSec, id).changes, id);
    },

    heartbeat(id) {
      mustChange(s.heartbeat.run(deps.now(), id).changes, id);
    },

    owner(id) {
      const row = s.owner.get(id);
      return row === undefined ? null : { status: row.status, ownerPid: row.owner_pid, heartbeatAt: row.heartbeat_at };
    },

    interruptOrphans() {
      return interruptOrphans.immediate();
    },

    interruptStale(heartbeatBefore, exceptPid) {
      return interruptStale.immediate(heartbeatBefore, exceptPid);
    },
  };
}
