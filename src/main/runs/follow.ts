// Following runs that other processes write to the shared database (the CLI beside the app, a second
// window): which runs were created, changed or deleted, and, for a run trained elsewhere, its
// progress read back from the store as the same TrainingEvents this process's own runs produce, so
// every view shows both kinds alike.
//
// Cost: a tick asks SQLite's data_version (store/change-log.ts) and reads nothing more when no other
// process committed; otherwise only the changed runs' rows and, for runs trained elsewhere, the
// metrics and images logged after what was last sent. Runs this process trains are left to its run
// service's own events. Every few seconds the live runs of other processes are checked for a dead
// owner (store/liveness.ts) and marked interrupted.

import type { ImageKind, RunRecord, RunStatus, TrainingEvent } from '../../shared/training.ts';
import { LIVE_STATUSES } from '../../shared/training.ts';
import { createChangeWatcher, type ChangeKind, type ChangeWatcher } from '../store/change-log.ts';
import { createOwnerSweeper, type OwnerSweepOptions, type OwnerSweeper } from '../store/liveness.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/index.ts';

export interface FollowUpdate {
  /** Changed runs as they are now. */
  runs: RunRecord[];
  /** Runs that no longer exist. */
  deleted: number[];
  /** Progress of runs trained by other processes, read from the store, oldest first. */
  events: TrainingEvent[];
  /** Changes were missed (the follower fell too far behind): views should re-read everything. */
  reset: boolean;
}

export interface RunFollowerOptions extends OwnerSweepOptions {
  /** Whether this process's run service trains (or has queued) the run. */
  isOwn: (runId: number) => boolean;
  /** How often to ask whether another process committed. */
  pollMs?: number;
  /** How often to look for live runs whose owner died. */
  sweepMs?: number;
  /** At most this many steps per run are read in one tick; the rest follow in the next ones. */
  maxStepsPerTick?: number;
  /** Where a failed read goes (default: stderr). */
  log?: Logger;
}

type Listener = (update: FollowUpdate) => void;

/** How far the clients were told about a run trained elsewhere. */
interface Cursor {
  step: number;
  epoch: number;
  imageIds: Partial<Record<ImageKind, number>>;
  status: RunStatus | null;
}

const KINDS: readonly ImageKind[] = ['reconstruction', 'samples'];
const isLive = (run: RunRecord) => LIVE_STATUSES.includes(run.status);

export class RunFollower {
  private readonly watcher: ChangeWatcher;
  private readonly sweeper: OwnerSweeper;
  private readonly cursors = new Map<number, Cursor>();
  /** Runs with more logged steps than one tick reads. */
  private readonly behind = new Set<number>();
  private readonly listeners = new Set<Listener>();
  private timers: NodeJS.Timeout[] = [];
  private failing = false;

  constructor(
    private readonly store: Store,
    private readonly options: RunFollowerOptions,
  ) {
    this.watcher = createChangeWatcher(store.db);
    this.sweeper = createOwnerSweeper(store, options);
    // Runs already training elsewhere: clients load their history up to now, so stream from here on.
    for (const run of store.runs.list()) {
      if (isLive(run) && !options.isOwn(run.id)) this.cursors.set(run.id, this.cursorAtEnd(run));
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Polls and sweeps on timers that never keep the process alive. */
  start(): void {
    if (this.timers.length > 0) return;
    const poll = setInterval(() => this.guard(() => this.tick()), this.options.pollMs ?? 250);
    const sweep = setInterval(() => this.guard(() => this.sweep()), this.options.sweepMs ?? 5000);
    poll.unref();
    sweep.unref();
    this.timers = [poll, sweep];
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.listeners.clear();
  }

  /**
   * Makes the next tick read the change log although no other connection committed: for writers on
   * this connection that are not the run service (a queue coordinator taking in a worker's rows).
   */
  nudge(): void {
    this.watcher.invalidate();
  }

  /** Reads what other processes changed since the last tick and tells the listeners; returns what it sent. */
  tick(): FollowUpdate | null {
    const batch = this.watcher.poll();
    const changed = new Map<number, Set<ChangeKind>>(batch?.runs ?? []);
    for (const id of this.behind) if (!changed.has(id)) changed.set(id, new Set());
    this.behind.clear();
    // Changes were pruned unread: the clients re-list every run, and the followed ones are read anew.
    if (batch?.reset) for (const id of this.cursors.keys()) changed.set(id, new Set(['update', 'image', 'checkpoint']));
    if (changed.size === 0 && !batch?.reset) return null;

    const update: FollowUpdate = { runs: [], deleted: [], events: [], reset: batch?.reset ?? false };
    for (const [runId, kinds] of changed) {
      const run = this.store.runs.get(runId);
      if (!run) {
        this.cursors.delete(runId);
        update.deleted.push(runId);
        continue;
      }
      if (kinds.has('insert') || kinds.has('update')) update.runs.push(run);
      if (this.options.isOwn(runId)) {
        this.cursors.delete(runId);
        continue;
      }
      this.follow(run, kinds, update.events);
    }
    if (update.runs.length + update.deleted.length + update.events.length === 0 && !update.reset) return null;
    for (const listener of this.listeners) listener(update);
    return update;
  }

  /** Marks the runs of dead owners interrupted and reports them at once; returns their ids. */
  sweep(): number[] {
    const ids = this.sweeper.sweep();
    if (ids.length > 0) {
      // Written on this connection, so data_version does not move for them.
      this.watcher.invalidate();
      this.tick();
    }
    return ids;
  }

  private guard(fn: () => unknown): void {
    try {
      fn();
      this.failing = false;
    } catch (e) {
      // A failed read (a locked or damaged file) must not take the process down from a timer; it is
      // tried again on the next tick, and said once rather than four times a second.
      if (!this.failing) {
        const message = `Following ${this.store.file} failed`;
        if (this.options.log) this.options.log.warn(message, e);
        else console.error(`${message}: ${e instanceof Error ? e.message : String(e)}`);
      }
      this.failing = true;
    }
  }

  private cursorAtEnd(run: RunRecord): Cursor {
    const last = this.store.metrics.lastLogged(run.id);
    const imageIds: Cursor['imageIds'] = {};
    for (const kind of KINDS) {
      const id = this.store.images.latestId(run.id, kind);
      if (id !== null) imageIds[kind] = id;
    }
    return { step: last.step, epoch: last.epoch, imageIds, status: run.status };
  }

  private follow(run: RunRecord, kinds: ReadonlySet<ChangeKind>, events: TrainingEvent[]): void {
    let cursor = this.cursors.get(run.id);
    if (!cursor) {
      // A finished run (edited, or imported, elsewhere): its row says everything, and a view that
      // opens it reads its history.
      if (!isLive(run)) return;
      if (kinds.has('insert')) cursor = { step: 0, epoch: 0, imageIds: {}, status: null };
      else {
        // Resumed elsewhere: it replays from its latest checkpoint, and views that loaded it before
        // hold everything up to there.
        const checkpoint = this.store.checkpoints.list(run.id).at(-1);
        cursor = { ...this.cursorAtEnd(run), step: checkpoint?.step ?? 0, epoch: checkpoint?.epoch ?? 0, status: null };
      }
      this.cursors.set(run.id, cursor);
    }

    const last = this.store.metrics.lastLogged(run.id);
    // Fewer rows than were sent: a resume dropped the steps after its checkpoint and replays them.
    cursor.step = Math.min(cursor.step, last.step);
    cursor.epoch = Math.min(cursor.epoch, last.epoch);
    if (last.step > cursor.step) this.readSteps(run, cursor, events);
    const caughtUp = cursor.step >= last.step;
    if (!caughtUp) this.behind.add(run.id);
    if (last.epoch > cursor.epoch) {
      for (const metric of this.store.metrics.listEpochsAfter(run.id, cursor.epoch)) {
        // An epoch goes out after its last step, as it does from a run trained here.
        if (metric.step > cursor.step) break;
        events.push({ type: 'epoch', runId: run.id, metric });
        cursor.epoch = metric.epoch;
      }
    }
    if (kinds.has('image')) {
      for (const kind of KINDS) {
        const image = this.store.images.latest(run.id, kind);
        if (!image || image.id === cursor.imageIds[kind]) continue;
        cursor.imageIds[kind] = image.id;
        events.push({ type: 'image', runId: run.id, epoch: image.epoch, step: image.step, kind, grid: image.grid });
      }
    }
    if (kinds.has('checkpoint')) {
      const checkpoint = this.store.checkpoints.list(run.id).at(-1);
      if (checkpoint) events.push({ type: 'checkpoint', runId: run.id, epoch: checkpoint.epoch, step: checkpoint.step });
    }
    if (!caughtUp) return; // The status (finished, say) waits for the steps before it.
    if (run.status !== cursor.status) {
      events.push({ type: 'status', runId: run.id, status: run.status, message: run.statusMessage });
      cursor.status = run.status;
    }
    if (!isLive(run)) this.cursors.delete(run.id);
  }

  /** Sends the steps after the cursor, at most maxStepsPerTick of them. */
  private readSteps(run: RunRecord, cursor: Cursor, events: TrainingEvent[]): void {
    const steps = this.store.metrics.listStepsAfter(run.id, cursor.step, this.options.maxStepsPerTick ?? 10_000);
    const batchSize = run.config.optim.batchSize;
    for (const m of steps) {
      const remaining = Math.max(0, run.totalSteps - m.step);
      events.push({
        type: 'step',
        runId: run.id,
        epoch: m.epoch,
        step: m.step,
        totalSteps: run.totalSteps,
        loss: m.loss,
        imagesPerSec: m.imagesPerSec,
        etaSeconds: m.imagesPerSec > 0 ? (remaining * batchSize) / m.imagesPerSec : 0,
        wallMs: m.wallMs,
      });
    }
    const lastSent = steps.at(-1);
    if (lastSent) cursor.step = lastSent.step;
  }
}
