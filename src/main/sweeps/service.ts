// The sweep service: stores a sweep with all its runs, and drives it, i.e. keeps up to
// `definition.parallel` of its runs training in this process through the RunService, starting the
// next one (lowest index first) whenever one ends, until none is left. Used by the app, the
// browser-mode server and `npm run sweep`.
//
// Its promises:
// - Nothing runs twice: a queued run is taken with store.sweeps.claimNextQueued (one UPDATE), an
//   interrupted one with RunService.resume (claimForResume), so two processes never train one run;
//   an interrupted run continues from its checkpoint.
// - One driver per sweep: a process claims the sweep (store.sweeps.claim) before it drives it, and
//   heartbeats it; a second process's resume gets 'conflict'. A sweep whose driver died (killed,
//   closed) is taken over by adoptOrphans, which the app calls when it opens.
// - pause / cancel stop the sweep's live runs (each checkpoints and becomes interrupted) and release
//   the sweep; resume claims it again and continues. Each is idempotent, and calls on one sweep are
//   handled one after another. Pausing or cancelling a sweep that another live process drives writes
//   the status; that process sees it at its next heartbeat and stops its runs.
// - Each run is started (or resumed) at most once per driving session: a run that ends interrupted
//   (stopped by hand, a resume that failed) is left for the next resume, and the sweep ends `paused`
//   saying so, rather than looping on it.

import { AppFailure } from '../../shared/result.ts';
import { expandSweep, sweepTitle, type SweepDefinition, type SweepRecord } from '../../shared/sweep.ts';
import type { RunRecord, TrainingEvent } from '../../shared/training.ts';
import { stderrLogger, type Logger } from '../log/logger.ts';
import { HEARTBEAT_INTERVAL_MS } from '../runs/heartbeat.ts';
import { QueueDataCheck } from '../runs/queue-check.ts';
import type { RunService } from '../runs/service.ts';
import type { Store } from '../store/index.ts';
import { DEFAULT_STALE_AFTER_MS } from '../store/liveness.ts';

/** What a pruner is told about the sweep a run belongs to. */
export interface DrivenSweep {
  id: number;
  definition: SweepDefinition;
}

export type EpochEvent = Extract<TrainingEvent, { type: 'epoch' }>;

/**
 * Early stopping across a sweep (successive halving lives in its own module). Called for the runs
 * of sweeps this service drives, in this process; it may stop a run through the RunService.
 */
export interface SweepPruner {
  /** Each epoch a run of a driven sweep finished. */
  onEpoch?(sweep: DrivenSweep, event: EpochEvent): void;
  /** A run of a driven sweep ended, however (completed, failed, interrupted, pruned). */
  onRunEnded?(sweep: DrivenSweep, run: RunRecord): void;
}

export interface SweepServiceOptions {
  /** Identifies this process as the sweeps' driver; must be the RunService's ownerPid. */
  ownerPid?: number;
  log?: Logger;
  /** How often driven sweeps are heartbeat (and re-checked). */
  heartbeatMs?: number;
  /** A driver not heard from for this long is taken for dead, whatever its pid says. */
  staleAfterMs?: number;
  pruner?: SweepPruner;
}

type SweepListener = (sweep: SweepRecord) => void;

interface Driver {
  sweep: DrivenSweep;
  /** Runs of the sweep this process has started or resumed and that have not ended. */
  live: Set<number>;
  /** Runs started or resumed in this driving session: none is tried twice. */
  attempted: Set<number>;
  stopping: boolean;
  /** The newest read of the sweep, for answering when the store cannot be read. */
  last: SweepRecord;
  done: Promise<SweepRecord>;
  resolveDone: (sweep: SweepRecord) => void;
}

export class SweepService {
  private readonly drivers = new Map<number, Driver>();
  /** Live runs of driven sweeps, to their sweep. */
  private readonly runSweeps = new Map<number, number>();
  private readonly listeners = new Set<SweepListener>();
  private readonly ops = new Map<number, Promise<unknown>>();
  private readonly dataCheck = new QueueDataCheck();
  private readonly ownerPid: number;
  private readonly log: Logger;
  private readonly staleAfterMs: number;
  private readonly pruner: SweepPruner | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(
    private readonly store: Store,
    private readonly runs: RunService,
    options: SweepServiceOptions = {},
  ) {
    this.ownerPid = options.ownerPid ?? process.pid;
    this.log = options.log ?? stderrLogger;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.pruner = options.pruner;
    this.unsubscribe = runs.subscribe((event) => this.onRunEvent(event));
    this.timer = setInterval(() => this.tick(), options.heartbeatMs ?? HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Checks the definition (every axis, every run's config, the data), stores the sweep with all its runs queued, and starts driving it. */
  async create(input: unknown): Promise<SweepRecord> {
    this.refuseWhileClosing();
    const expanded = expandSweep(input);
    if (!expanded.ok) throw new AppFailure(expanded.error);
    const { definition, points } = expanded.value;
    // Each distinct data setting once: a malformed file is refused before anything is stored.
    const data = new Map(points.map((p) => [JSON.stringify(p.config.data), p.config.data]));
    for (const d of data.values()) await this.dataCheck.check(d);
    this.refuseWhileClosing();
    const record = this.store.sweeps.create(definition, sweepTitle(definition), points, this.ownerPid);
    this.startDriving(record);
    return this.notify(record.id);
  }

  get(id: number): SweepRecord {
    const sweep = this.store.sweeps.get(id);
    if (!sweep) throw new AppFailure({ code: 'not-found', message: `Sweep ${id} does not exist.` });
    return sweep;
  }

  /** Newest first. */
  list(): SweepRecord[] {
    return this.store.sweeps.list();
  }

  /** Ids of the sweeps this process drives. */
  driving(): number[] {
    return [...this.drivers.keys()];
  }

  /** The driven sweep a live run of this process belongs to, if any. */
  sweepOf(runId: number): DrivenSweep | null {
    const id = this.runSweeps.get(runId);
    return id === undefined ? null : (this.drivers.get(id)?.sweep ?? null);
  }

  /** Stops the sweep's live runs (each checkpoints, resumable) and starts no more until resumed. */
  pause(id: number): Promise<SweepRecord> {
    return this.serial(id, () => this.halt(id, 'paused', 'Paused.'));
  }

  /** Like pause, as the user's "stop this sweep": its queued runs stay queued, and resume still continues it. */
  cancel(id: number): Promise<SweepRecord> {
    return this.serial(id, () => this.halt(id, 'cancelled', 'Cancelled.'));
  }

  /** Continues a paused, cancelled or orphaned sweep: interrupted runs resume from their checkpoints, queued ones start. */
  resume(id: number): Promise<SweepRecord> {
    return this.serial(id, async () => {
      const driver = this.drivers.get(id);
      if (driver && !driver.stopping) return this.get(id);
      if (driver) await driver.done;
      this.refuseWhileClosing();
      const sweep = this.get(id);
      if (sweep.status === 'completed') return sweep;
      // Runs whose process died become interrupted, so this session resumes them.
      this.store.runs.interruptOrphans();
      const claimed = this.store.sweeps.claim(id, this.ownerPid, Date.now() - this.staleAfterMs);
      this.startDriving(claimed);
      return this.notify(id);
    });
  }

  /** Takes over running sweeps whose driver is gone (killed, or closed without finishing) and continues them; returns their ids. */
  adoptOrphans(): number[] {
    if (this.closing) return [];
    this.store.runs.interruptOrphans();
    const staleBefore = Date.now() - this.staleAfterMs;
    const adopted: number[] = [];
    for (const id of this.store.sweeps.orphans(staleBefore)) {
      if (this.drivers.has(id)) continue;
      try {
        this.startDriving(this.store.sweeps.claim(id, this.ownerPid, staleBefore));
        adopted.push(id);
        this.notifyQuietly(id);
      } catch (e) {
        // Another process adopted it first.
        if (!(e instanceof AppFailure && e.appError.code === 'conflict')) throw e;
      }
    }
    return adopted;
  }

  /** Resolves once the sweep stops being driven here (completed, paused, cancelled); at once when it is not. */
  waitFor(id: number): Promise<SweepRecord> {
    const driver = this.drivers.get(id);
    return driver ? driver.done : Promise.resolve(this.get(id));
  }

  subscribe(listener: SweepListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stops driving: live runs stop (checkpointed, interrupted) and each sweep is released still
   * `running`, so the next process to open the database adopts and continues it.
   */
  async shutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await Promise.all(
      [...this.drivers.values()].map(async (driver) => {
        await this.stopRuns(driver);
        try {
          this.store.sweeps.release(driver.sweep.id, this.ownerPid);
        } catch (e) {
          this.log.warn(`Sweep ${driver.sweep.id} could not be released; it is adopted once this process is gone`, e);
        }
        this.endDriver(driver);
      }),
    );
    this.unsubscribe();
  }

  private refuseWhileClosing(): void {
    if (this.closing) throw new AppFailure({ code: 'conflict', message: 'The workbench is shutting down; no sweep can start.' });
  }

  /** Calls on one sweep run one after another, so a pause and a resume cannot interleave. */
  private serial<T>(id: number, fn: () => Promise<T>): Promise<T> {
    const turn = (this.ops.get(id) ?? Promise.resolve()).catch(() => {}).then(fn);
    this.ops.set(id, turn);
    void turn.finally(() => {
      if (this.ops.get(id) === turn) this.ops.delete(id);
    });
    return turn;
  }

  private async halt(id: number, status: 'paused' | 'cancelled', message: string): Promise<SweepRecord> {
    const driver = this.drivers.get(id);
    if (driver) {
      driver.stopping = true;
      // The status first: from here on no process starts another run of it.
      this.store.sweeps.finishOwned(id, this.ownerPid, status, message);
      await this.stopRuns(driver);
      this.endDriver(driver);
      return this.get(id);
    }
    const sweep = this.get(id);
    if (sweep.status === status) return sweep;
    if (sweep.status === 'completed')
      throw new AppFailure({
        code: 'conflict',
        message: `Sweep ${id} is completed; there is nothing to ${status === 'paused' ? 'pause' : 'cancel'}.`,
      });
    // Driven elsewhere (its driver stops its runs at its next heartbeat), orphaned, or paused being cancelled.
    const by = sweep.status === 'running' && sweep.owner ? ` (by pid ${this.ownerPid})` : '';
    this.store.sweeps.setStatus(id, status, `${message.slice(0, -1)}${by}.`);
    return this.notify(id);
  }

  private startDriving(record: SweepRecord): void {
    let resolveDone!: (sweep: SweepRecord) => void;
    const done = new Promise<SweepRecord>((r) => (resolveDone = r));
    const driver: Driver = {
      sweep: { id: record.id, definition: record.definition },
      live: new Set(),
      attempted: new Set(),
      stopping: false,
      last: record,
      done,
      resolveDone,
    };
    this.drivers.set(record.id, driver);
    this.drive(driver);
  }

  /** Fills the sweep's free slots; once nothing is live or left to start, settles its status. */
  private drive(driver: Driver): void {
    if (driver.stopping || this.closing) return;
    const id = driver.sweep.id;
    try {
      while (driver.live.size < driver.sweep.definition.parallel) {
        const interrupted = this.store.sweeps.runIds(id, 'interrupted').find((r) => !driver.attempted.has(r));
        if (interrupted !== undefined) {
          this.resumeRun(driver, interrupted);
          continue;
        }
        const queued = this.store.sweeps.claimNextQueued(id, this.ownerPid);
        if (!queued || !this.startRun(driver, queued.id)) break;
      }
      if (driver.live.size === 0) this.settle(driver);
    } catch (e) {
      // A busy or failing store: the next heartbeat tick tries again.
      this.log.warn(`Sweep ${id} could not start its next run`, e);
    }
  }

  private track(driver: Driver, runId: number): void {
    driver.attempted.add(runId);
    driver.live.add(runId);
    this.runSweeps.set(runId, driver.sweep.id);
  }

  private resumeRun(driver: Driver, runId: number): void {
    this.track(driver, runId);
    // A refused resume (another process took the run) ends at once: waitFor answers for a run not owned here.
    this.runs.resume(runId).then(
      () => this.watch(driver, runId),
      (e: unknown) => {
        this.log.warn(`Run ${runId} of sweep ${driver.sweep.id} could not be resumed`, e);
        this.watch(driver, runId);
      },
    );
  }

  private startRun(driver: Driver, runId: number): boolean {
    this.track(driver, runId);
    try {
      this.runs.startQueued(runId);
    } catch (e) {
      driver.live.delete(runId);
      this.runSweeps.delete(runId);
      this.store.sweeps.unclaimQueued(runId, this.ownerPid);
      this.log.warn(`Run ${runId} of sweep ${driver.sweep.id} could not start`, e);
      return false;
    }
    this.watch(driver, runId);
    return true;
  }

  private watch(driver: Driver, runId: number): void {
    void this.runs.waitFor(runId).then(
      (run) => this.ended(driver, run),
      (e: unknown) => {
        this.log.warn(`Run ${runId} of sweep ${driver.sweep.id} could not be read`, e);
        this.ended(driver, null, runId);
      },
    );
  }

  private ended(driver: Driver, run: RunRecord | null, runId = run?.id ?? -1): void {
    driver.live.delete(runId);
    this.runSweeps.delete(runId);
    if (run) this.callPruner(() => this.pruner?.onRunEnded?.(driver.sweep, run));
    this.notifyQuietly(driver.sweep.id);
    this.drive(driver);
  }

  /** Nothing live here and nothing left to start: the sweep is done, or waits for runs live elsewhere. */
  private settle(driver: Driver): void {
    const { id } = driver.sweep;
    const { counts } = this.get(id);
    if (counts.queued + counts.running + counts.paused > 0) return; // the heartbeat tick looks again
    const stopped = counts.interrupted;
    const [status, message] =
      stopped > 0
        ? ([
            'paused',
            `${stopped} run${stopped === 1 ? ' was' : 's were'} stopped before finishing; resume the sweep to continue.`,
          ] as const)
        : (['completed', ''] as const);
    this.store.sweeps.finishOwned(id, this.ownerPid, status, message);
    this.endDriver(driver);
  }

  private async stopRuns(driver: Driver): Promise<void> {
    driver.stopping = true;
    const waits = [...driver.live].map((runId) => {
      try {
        this.runs.stop(runId);
      } catch {
        // Not training here (any more): nothing to stop.
      }
      return this.runs.waitFor(runId).catch(() => null);
    });
    await Promise.all(waits);
  }

  private endDriver(driver: Driver): void {
    if (this.drivers.get(driver.sweep.id) !== driver) return;
    driver.stopping = true;
    this.drivers.delete(driver.sweep.id);
    driver.resolveDone(this.notifyQuietly(driver.sweep.id) ?? driver.last);
  }

  /** Heartbeats driven sweeps; one paused or cancelled elsewhere (or taken over) stops here. */
  private tick(): void {
    for (const driver of [...this.drivers.values()]) {
      if (driver.stopping) continue;
      try {
        if (!this.store.sweeps.heartbeat(driver.sweep.id, this.ownerPid)) {
          void this.stopRuns(driver).then(() => this.endDriver(driver));
          continue;
        }
        if (driver.live.size === 0) {
          // Waiting on runs live in other processes: one that died is interrupted, then resumed here.
          this.store.runs.interruptOrphans();
          this.drive(driver);
        }
      } catch (e) {
        this.log.warn(`Sweep ${driver.sweep.id}'s heartbeat failed; trying again`, e);
      }
    }
  }

  private onRunEvent(event: TrainingEvent): void {
    const sweepId = this.runSweeps.get(event.runId);
    if (sweepId === undefined) return;
    const driver = this.drivers.get(sweepId);
    if (event.type === 'epoch' && driver) this.callPruner(() => this.pruner?.onEpoch?.(driver.sweep, event));
    // A run starting changes the sweep's counts; its end is reported by `ended`.
    if (event.type === 'started') this.notifyQuietly(sweepId);
  }

  private callPruner(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log.error('The sweep pruner failed', e);
    }
  }

  /** notify for background paths (timers, run ends), where a store failure is logged, not thrown. */
  private notifyQuietly(id: number): SweepRecord | null {
    try {
      return this.notify(id);
    } catch (e) {
      this.log.warn(`Sweep ${id} could not be read`, e);
      return null;
    }
  }

  /** Tells the listeners how the sweep stands now, and returns that. */
  private notify(id: number): SweepRecord {
    const sweep = this.get(id);
    const driver = this.drivers.get(id);
    if (driver) driver.last = sweep;
    for (const listener of this.listeners) {
      try {
        listener(sweep);
      } catch (e) {
        this.log.error(`A listener of sweep ${id} failed`, e);
      }
    }
    return sweep;
  }
}
