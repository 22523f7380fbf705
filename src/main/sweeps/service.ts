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
//   closed) is taken over by adoptOrphans, which the app calls when it opens and, with
//   `adoptOrphans: true`, at every heartbeat while it stays open: a driver whose pid is gone is
//   noticed within one heartbeat, one that is alive but silent within `staleAfterMs`. Of two processes
//   that see the same orphan, the claim (one IMMEDIATE transaction) lets exactly one adopt it.
// - pause / cancel stop the sweep's live runs (each checkpoints and becomes interrupted) and release
//   the sweep; resume claims it again and continues. Each is idempotent, and calls on one sweep are
//   handled one after another. Pausing or cancelling a sweep that another live process drives writes
//   the status; that process sees it at its next heartbeat and stops its runs.
// - Each run is started (or resumed) at most once per driving session: a run that ends interrupted
//   (stopped by hand, a resume that failed) is left for the next resume, and the sweep ends `paused`
//   saying so, rather than looping on it.

import { AppFailure } from '../../shared/result.ts';
import { expandSweep, QUEUE_TAG, sweepTitle, type SweepRecord } from '../../shared/sweep.ts';
import type { TrainingEvent } from '../../shared/training.ts';
import { stderrLogger, type Logger } from '../log/logger.ts';
import { HEARTBEAT_INTERVAL_MS } from '../runs/heartbeat.ts';
import { QueueDataCheck } from '../runs/queue-check.ts';
import type { RunService } from '../runs/service.ts';
import type { Store } from '../store/index.ts';
import { DEFAULT_STALE_AFTER_MS, staleCutoff } from '../store/liveness.ts';
import { PerKey } from './serial.ts';
import { SweepDriver, type DriverContext, type DrivenSweep } from './driver.ts';

export interface SweepServiceOptions {
  /** Identifies this process as the sweeps' driver; must be the RunService's ownerPid. */
  ownerPid?: number;
  log?: Logger;
  /** How often driven sweeps are heartbeat (and re-checked). */
  heartbeatMs?: number;
  /** A driver not heard from for this long is taken for dead, whatever its pid says. */
  staleAfterMs?: number;
  /**
   * Takes over, at every heartbeat, the sweeps whose driver dies while this process runs: the app's
   * choice (a killed `npm run sweep` beside it). Off by default: the CLI drives the sweep it was given.
   */
  adoptOrphans?: boolean;
}

type SweepListener = (sweep: SweepRecord) => void;

export class SweepService {
  private readonly drivers = new Map<number, SweepDriver>();
  private readonly listeners = new Set<SweepListener>();
  /** Calls on one sweep run one after another, so a pause and a resume cannot interleave. */
  private readonly serial = new PerKey();
  private readonly dataCheck = new QueueDataCheck();
  private readonly ownerPid: number;
  private readonly log: Logger;
  private readonly staleAfterMs: number;
  private readonly context: DriverContext;
  private readonly timer: NodeJS.Timeout;
  /** When this process adopts orphans at each tick: the heartbeat age that means a driver is gone. */
  private readonly adoptCutoff: (() => number | undefined) | null;
  private readonly unsubscribe: () => void;
  private closing = false;

  constructor(
    private readonly store: Store,
    runs: RunService,
    options: SweepServiceOptions = {},
  ) {
    this.ownerPid = options.ownerPid ?? process.pid;
    this.log = options.log ?? stderrLogger;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.adoptCutoff = options.adoptOrphans ? staleCutoff(this.staleAfterMs) : null;
    this.context = {
      store,
      runs,
      ownerPid: this.ownerPid,
      log: this.log,
      changed: (id) => this.notifyQuietly(id),
      ended: (driver) => this.endDriver(driver),
    };
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

  /** Stops the sweep's live runs (each checkpoints, resumable) and starts no more until resumed. */
  pause(id: number): Promise<SweepRecord> {
    return this.serial.run(id, () => this.halt(id, 'paused'));
  }

  /** Like pause, as the user's "stop this sweep": its queued runs stay queued, and resume still continues it. */
  cancel(id: number): Promise<SweepRecord> {
    return this.serial.run(id, () => this.halt(id, 'cancelled'));
  }

  /** Continues a paused, cancelled or orphaned sweep: interrupted runs resume from their checkpoints, queued ones start. */
  resume(id: number): Promise<SweepRecord> {
    return this.serial.run(id, async () => {
      const driver = this.drivers.get(id);
      if (driver && !driver.stopping) return this.get(id);
      if (driver) await driver.done;
      this.refuseWhileClosing();
      const sweep = this.get(id);
      if (sweep.status === 'completed') return sweep;
      if (this.onQueue(id))
        throw new AppFailure({
          code: 'conflict',
          message: `Sweep ${id} trains on a queue; follow it with npm run sweep -- --resume ${id} --queue URL.`,
        });
      // Runs whose process died become interrupted, so this session resumes them.
      this.store.runs.interruptOrphans();
      const claimed = this.store.sweeps.claim(id, this.ownerPid, Date.now() - this.staleAfterMs);
      this.startDriving(claimed);
      return this.notify(id);
    });
  }

  /** Takes over running sweeps whose driver is gone (killed, or closed without finishing) and continues them; returns their ids. */
  adoptOrphans(): number[] {
    return this.adopt(Date.now() - this.staleAfterMs);
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
        await driver.stopRuns();
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

  private async halt(id: number, status: 'paused' | 'cancelled'): Promise<SweepRecord> {
    if (this.onQueue(id))
      throw new AppFailure({
        code: 'conflict',
        message: `Sweep ${id} trains on queue workers, which take its trials to their end; stop the workers (Ctrl-C or scancel: their trials checkpoint and wait in the queue) to stop it.`,
      });
    const message = status === 'paused' ? 'Paused.' : 'Cancelled.';
    const driver = this.drivers.get(id);
    if (driver) {
      driver.stopping = true;
      // The status first: from here on no process starts another run of it.
      this.store.sweeps.finishOwned(id, this.ownerPid, status, message);
      await driver.stopRuns();
      this.endDriver(driver);
      return this.get(id);
    }
    const sweep = this.get(id);
    if (sweep.status === status) return sweep;
    if (sweep.status === 'completed') {
      const verb = status === 'paused' ? 'pause' : 'cancel';
      throw new AppFailure({ code: 'conflict', message: `Sweep ${id} is completed; there is nothing to ${verb}.` });
    }
    // Driven by another live process, which stops its runs at its next heartbeat; or orphaned; or paused, now cancelled.
    const by = sweep.owner ? ` from pid ${this.ownerPid}; pid ${sweep.owner.pid} stops its runs` : '';
    this.store.sweeps.setStatus(id, status, `${message.slice(0, -1)}${by}.`);
    return this.notify(id);
  }

  /** adoptOrphans, with drivers not heard from since `staleBefore` taken for dead (undefined: only dead pids). */
  private adopt(staleBefore: number | undefined): number[] {
    if (this.closing) return [];
    const orphans = this.store.sweeps.orphans(staleBefore).filter((id) => !this.drivers.has(id) && !this.onQueue(id));
    if (orphans.length === 0) return [];
    // Runs whose process died become interrupted, so the adopted sweeps resume them.
    this.store.runs.interruptOrphans();
    const adopted: number[] = [];
    for (const id of orphans) {
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

  private startDriving(record: SweepRecord): void {
    const driver = new SweepDriver(this.context, record);
    this.drivers.set(record.id, driver);
    driver.drive();
  }

  private endDriver(driver: SweepDriver): void {
    if (this.drivers.get(driver.sweep.id) === driver) this.drivers.delete(driver.sweep.id);
    driver.finish(this.notifyQuietly(driver.sweep.id));
  }

  /** Heartbeats driven sweeps (one paused or cancelled elsewhere, or taken over, stops here), then adopts orphans. */
  private tick(): void {
    for (const driver of [...this.drivers.values()]) {
      if (driver.stopping) continue;
      try {
        if (!this.store.sweeps.heartbeat(driver.sweep.id, this.ownerPid)) {
          void driver.stopRuns().then(() => this.endDriver(driver));
          continue;
        }
        if (driver.live.size === 0) {
          // Waiting on runs live in other processes: one that died is interrupted, then resumed here.
          this.store.runs.interruptOrphans();
          driver.drive();
        }
      } catch (e) {
        this.log.warn(`Sweep ${driver.sweep.id}'s heartbeat failed; trying again`, e);
      }
    }
    if (!this.adoptCutoff) return;
    try {
      this.adopt(this.adoptCutoff());
    } catch (e) {
      this.log.warn('Sweeps whose driver is gone could not be taken over; trying again', e);
    }
  }

  /** Whether the sweep's runs train on queue workers, followed by a coordinator rather than driven here. */
  private onQueue(id: number): boolean {
    return this.store.runs.list().some((r) => r.sweepId === id && r.tags.includes(QUEUE_TAG));
  }

  /** The driven sweep a live run of this process belongs to, if any. */
  private sweepOf(runId: number): DrivenSweep | null {
    for (const driver of this.drivers.values()) if (driver.live.has(runId)) return driver.sweep;
    return null;
  }

  /** A run starting changes its sweep's counts; its end is reported by the driver. */
  private onRunEvent(event: TrainingEvent): void {
    if (event.type !== 'started') return;
    const sweep = this.sweepOf(event.runId);
    if (sweep) this.notifyQuietly(sweep.id);
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
