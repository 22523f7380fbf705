// The sweeps table (migration 004): a sweep's definition, its status, and the process that drives it,
// with the counts of its runs read by SQL aggregates (a sweep may hold 1,000 runs; the UNIQUE
// (sweep_id, sweep_index) index serves every per-sweep query here).
//
// Ownership works as for runs: a process claims a sweep in an IMMEDIATE transaction, refused while
// another live process holds it, and beats on a timer. A sweep's runs are claimed one at a time with
// claimNextQueued, a single UPDATE ... RETURNING, so two processes can never take the same run.

import { AppFailure } from '../../shared/result.ts';
import type { SweepDefinition, SweepPoint, SweepRecord, SweepStatus } from '../../shared/sweep.ts';
import { SWEEP_STATUSES } from '../../shared/sweep.ts';
import { RUN_STATUSES, type ProcessKind, type RunRecord, type RunStatus } from '../../shared/training.ts';
import { invalidArgument, notFound } from './errors.ts';
import type { Db } from './migrate.ts';
import type { RunsRepo } from './runs.ts';

export interface SweepOwner {
  status: SweepStatus;
  ownerPid: number | null;
  heartbeatAt: number | null;
}

export interface SweepsRepo {
  /** The sweep (status running, owned by `ownerPid` when given) and one queued, unowned run per point, in one transaction. */
  create(definition: SweepDefinition, name: string, points: readonly SweepPoint[], ownerPid?: number | null): SweepRecord;
  get(id: number): SweepRecord | null;
  /** Newest first. */
  list(): SweepRecord[];
  owner(id: number): SweepOwner | null;
  /**
   * Makes `ownerPid` the sweep's driver and its status running, in one IMMEDIATE transaction. Refused
   * ('conflict') while another process that is alive (and, given `staleBefore`, heard from since then)
   * drives it. Claiming a sweep this process already drives is allowed.
   */
  claim(id: number, ownerPid: number, staleBefore?: number): SweepRecord;
  /** Sets a status that ends driving (paused, cancelled, completed) and releases the owner. */
  setStatus(id: number, status: SweepStatus, message?: string): SweepRecord;
  /** setStatus, but only while `ownerPid` drives it; false when it wrote nothing. */
  finishOwned(id: number, ownerPid: number, status: SweepStatus, message: string): boolean;
  /** Records the queue the sweep's runs train on; `where` must already be redacted (redactQueueUrl). */
  setQueue(id: number, where: string): void;
  /** Gives up driving the sweep, leaving its status: a running sweep without an owner is adopted by the next process. */
  release(id: number, ownerPid: number): void;
  /** Refreshes the heartbeat while `ownerPid` drives the sweep and it is running; false when it no longer does. */
  heartbeat(id: number, ownerPid: number): boolean;
  /** Running sweeps whose driver is gone (no owner, a dead pid, or a heartbeat older than `staleBefore`). */
  orphans(staleBefore?: number): number[];
  /** Claims the lowest-index queued, unowned run of the sweep for `ownerPid` (status stays queued); null when none is left. */
  claimNextQueued(sweepId: number, ownerPid: number): RunRecord | null;
  /** Gives back a run claimed by claimNextQueued that could not start: queued and unowned again. */
  unclaimQueued(runId: number, ownerPid: number): void;
  /** Ids of the sweep's runs in `status`, by position. */
  runIds(sweepId: number, status: RunStatus): number[];
}

export interface SweepsDeps {
  now: () => number;
  isProcessAlive: (pid: number) => boolean;
  runs: RunsRepo;
}

interface SweepRow {
  id: number;
  name: string;
  definition: string;
  status: SweepStatus;
  status_message: string;
  created_at: number;
  finished_at: number | null;
  owner_pid: number | null;
  owner_kind: ProcessKind | null;
  heartbeat_at: number | null;
  /** Migration 009: the queue's URL, redacted; NULL for a sweep trained by this machine's processes. */
  queue_url: string | null;
}

interface CountRow {
  sweep_id: number;
  status: RunStatus;
  n: number;
}

interface BestRow {
  sweep_id: number;
  id: number;
  best: number;
}

const ENDING: readonly SweepStatus[] = ['paused', 'cancelled', 'completed'];
const zeroCounts = (): Record<RunStatus, number> =>
  Object.fromEntries(RUN_STATUSES.map((s) => [s, 0])) as Record<RunStatus, number>;

export function createSweepsRepo(db: Db, deps: SweepsDeps): SweepsRepo {
  const SELECT = `SELECT s.*, p.kind AS owner_kind FROM sweeps s LEFT JOIN processes p ON p.pid = s.owner_pid`;
  const s = {
    insert: db.prepare(`
      INSERT INTO sweeps (name, definition, status, created_at, owner_pid, heartbeat_at)
      VALUES (?, ?, 'running', ?, ?, ?)`),
    get: db.prepare<[number], SweepRow>(`${SELECT} WHERE s.id = ?`),
    list: db.prepare<[], SweepRow>(`${SELECT} ORDER BY s.created_at DESC, s.id DESC`),
    owner: db.prepare<[number], { status: SweepStatus; owner_pid: number | null; heartbeat_at: number | null }>(
      'SELECT status, owner_pid, heartbeat_at FROM sweeps WHERE id = ?',
    ),
    counts: db.prepare<[number], CountRow>('SELECT sweep_id, status, count(*) AS n FROM runs WHERE sweep_id = ? GROUP BY status'),
    allCounts: db.prepare<[], CountRow>(
      'SELECT sweep_id, status, count(*) AS n FROM runs WHERE sweep_id IS NOT NULL GROUP BY sweep_id, status',
    ),
    // SQLite gives the bare column `id` from the row that holds the min().
    best: db.prepare<[number], BestRow>(`
      SELECT sweep_id, id, min(held_out_total) AS best FROM runs
      WHERE sweep_id = ? AND status = 'completed' AND held_out_total IS NOT NULL`),
    allBest: db.prepare<[], BestRow>(`
      SELECT sweep_id, id, min(held_out_total) AS best FROM runs
      WHERE sweep_id IS NOT NULL AND status = 'completed' AND held_out_total IS NOT NULL GROUP BY sweep_id`),
    claim: db.prepare(`
      UPDATE sweeps SET status = 'running', status_message = '', owner_pid = ?, heartbeat_at = ?, finished_at = NULL
      WHERE id = ?`),
    end: db.prepare(`
      UPDATE sweeps SET status = ?, status_message = ?, owner_pid = NULL,
        finished_at = CASE WHEN ? THEN ? ELSE NULL END
      WHERE id = ?`),
    endOwned: db.prepare(`
      UPDATE sweeps SET status = ?, status_message = ?, owner_pid = NULL,
        finished_at = CASE WHEN ? THEN ? ELSE NULL END
      WHERE id = ? AND owner_pid = ?`),
    release: db.prepare('UPDATE sweeps SET owner_pid = NULL WHERE id = ? AND owner_pid = ?'),
    setQueue: db.prepare('UPDATE sweeps SET queue_url = ? WHERE id = ?'),
    heartbeat: db.prepare(`UPDATE sweeps SET heartbeat_at = ? WHERE id = ? AND owner_pid = ? AND status = 'running'`),
    running: db.prepare<[], { id: number; owner_pid: number | null; heartbeat_at: number | null }>(
      "SELECT id, owner_pid, heartbeat_at FROM sweeps WHERE status = 'running'",
    ),
    nextQueued: db.prepare<[number, number, number], { id: number }>(`
      UPDATE runs SET owner_pid = ?, heartbeat_at = ?
      WHERE id = (SELECT id FROM runs WHERE sweep_id = ? AND status = 'queued' AND owner_pid IS NULL
                  ORDER BY sweep_index LIMIT 1)
      RETURNING id`),
    unclaim: db.prepare(`UPDATE runs SET owner_pid = NULL WHERE id = ? AND owner_pid = ? AND status = 'queued'`),
    runIds: db
      .prepare<[number, RunStatus], number>('SELECT id FROM runs WHERE sweep_id = ? AND status = ? ORDER BY sweep_index')
      .pluck(),
  };

  const toRecord = (row: SweepRow, counts: Record<RunStatus, number>, best: BestRow | undefined): SweepRecord => ({
    id: row.id,
    name: row.name,
    definition: JSON.parse(row.definition) as SweepDefinition,
    status: row.status,
    statusMessage: row.status_message,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    // A driver that died is no driver: the sweep reads as orphaned (running, no owner) until adopted.
    owner:
      row.owner_pid === null || !deps.isProcessAlive(row.owner_pid) ? null : { pid: row.owner_pid, kind: row.owner_kind ?? null },
    total: Object.values(counts).reduce((a, b) => a + b, 0),
    counts,
    bestRunId: best?.id ?? null,
    bestHeldOut: best?.best ?? null,
    queue: row.queue_url,
  });

  const read = (id: number): SweepRecord | null => {
    const row = s.get.get(id);
    if (row === undefined) return null;
    const counts = zeroCounts();
    for (const c of s.counts.all(id)) counts[c.status] = c.n;
    const best = s.best.get(id);
    return toRecord(row, counts, best?.id == null ? undefined : best);
  };
  const fetch = (id: number): SweepRecord => {
    const record = read(id);
    if (!record) throw notFound(`Sweep ${id}`);
    return record;
  };
  const checkStatus = (status: SweepStatus): void => {
    if (!SWEEP_STATUSES.includes(status))
      throw invalidArgument(`Unknown sweep status "${String(status)}"; expected one of ${SWEEP_STATUSES.join(', ')}.`, 'status');
  };
  const endArgs = (status: SweepStatus) => [status !== 'paused' && status !== 'running' ? 1 : 0, deps.now()] as const;

  const create = db.transaction(
    (definition: SweepDefinition, name: string, points: readonly SweepPoint[], ownerPid: number | null): number => {
      const now = deps.now();
      const { lastInsertRowid } = s.insert.run(name, JSON.stringify(definition), now, ownerPid, ownerPid === null ? null : now);
      const sweepId = Number(lastInsertRowid);
      for (const point of points) {
        deps.runs.create({
          config: point.config,
          name: point.name,
          status: 'queued',
          ownerPid: null,
          createdAt: now,
          tags: [`sweep-${sweepId}`],
          sweepId,
          sweepIndex: point.index,
        });
      }
      return sweepId;
    },
  );

  // IMMEDIATE: the check of the owner and the claim hold the write lock together, or two processes
  // resuming one sweep could both see it free and both drive it.
  const claim = db.transaction((id: number, ownerPid: number, staleBefore: number | undefined): SweepRecord => {
    const current = s.owner.get(id);
    if (current === undefined) throw notFound(`Sweep ${id}`);
    const holder = current.owner_pid;
    const heardFrom = staleBefore === undefined || current.heartbeat_at === null || current.heartbeat_at >= staleBefore;
    if (current.status === 'running' && holder !== null && holder !== ownerPid && deps.isProcessAlive(holder) && heardFrom) {
      throw new AppFailure({
        code: 'conflict',
        message: `Sweep ${id} is already being driven by another process (pid ${holder}); control it there.`,
      });
    }
    s.claim.run(ownerPid, deps.now(), id);
    return fetch(id);
  });

  return {
    create(definition, name, points, ownerPid = null) {
      return fetch(create.immediate(definition, name, points, ownerPid));
    },

    get: read,

    list() {
      const counts = new Map<number, Record<RunStatus, number>>();
      for (const c of s.allCounts.all()) {
        let k = counts.get(c.sweep_id);
        if (!k) counts.set(c.sweep_id, (k = zeroCounts()));
        k[c.status] = c.n;
      }
      const best = new Map(s.allBest.all().map((b) => [b.sweep_id, b]));
      return s.list.all().map((row) => toRecord(row, counts.get(row.id) ?? zeroCounts(), best.get(row.id)));
    },

    owner(id) {
      const row = s.owner.get(id);
      return row === undefined ? null : { status: row.status, ownerPid: row.owner_pid, heartbeatAt: row.heartbeat_at };
    },

    claim(id, ownerPid, staleBefore) {
      return claim.immediate(id, ownerPid, staleBefore);
    },

    setStatus(id, status, message = '') {
      checkStatus(status);
      if (status === 'running') throw invalidArgument('A sweep becomes running by being claimed by a process.', 'status');
      if (s.end.run(status, message, ...endArgs(status), id).changes === 0) throw notFound(`Sweep ${id}`);
      return fetch(id);
    },

    finishOwned(id, ownerPid, status, message) {
      checkStatus(status);
      if (!ENDING.includes(status)) throw invalidArgument(`"${status}" does not end driving a sweep.`, 'status');
      return s.endOwned.run(status, message, ...endArgs(status), id, ownerPid).changes > 0;
    },

    release(id, ownerPid) {
      s.release.run(id, ownerPid);
    },

    setQueue(id, where) {
      if (s.setQueue.run(where, id).changes === 0) throw notFound(`Sweep ${id}`);
    },

    heartbeat(id, ownerPid) {
      return s.heartbeat.run(deps.now(), id, ownerPid).changes > 0;
    },

    orphans(staleBefore) {
      return s.running
        .all()
        .filter(
          (row) =>
            row.owner_pid === null ||
            !deps.isProcessAlive(row.owner_pid) ||
            (staleBefore !== undefined && row.heartbeat_at !== null && row.heartbeat_at < staleBefore),
        )
        .map((row) => row.id);
    },

    claimNextQueued(sweepId, ownerPid) {
      const row = s.nextQueued.get(ownerPid, deps.now(), sweepId);
      return row === undefined ? null : deps.runs.get(row.id);
    },

    unclaimQueued(runId, ownerPid) {
      s.unclaim.run(runId, ownerPid);
    },

    runIds(sweepId, status) {
      return s.runIds.all(sweepId, status);
    },
  };
}
