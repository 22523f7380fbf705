// Driving one sweep in this process: keep up to `parallel` of its runs live through the RunService,
// interrupted runs first (they resume from their checkpoints), then queued ones by position, and once
// nothing is live or left to start, record how the sweep ended. Each run is started or resumed at
// most once per driving session (one SweepDriver): a run that ends interrupted again (stopped by
// hand, a resume that failed) waits for the next resume instead of being retried in a loop.

import type { SweepDefinition, SweepRecord } from '../../shared/sweep.ts';
import type { Logger } from '../log/logger.ts';
import type { RunService } from '../runs/service.ts';
import type { Store } from '../store/index.ts';

/** The sweep a driver drives: its id and its definition, which never changes once stored. */
export interface DrivenSweep {
  id: number;
  definition: SweepDefinition;
}

export interface DriverContext {
  store: Store;
  runs: RunService;
  ownerPid: number;
  log: Logger;
  /** The sweep's counts changed. */
  changed(sweepId: number): void;
  /** The driver stopped driving (its sweep settled, or stopRuns finished for a halt). */
  ended(driver: SweepDriver): void;
}

export class SweepDriver {
  readonly sweep: DrivenSweep;
  /** Runs this driver started or resumed that have not ended. */
  readonly live = new Set<number>();
  private readonly attempted = new Set<number>();
  stopping = false;
  /** The newest read of the sweep, for answering when the store cannot be read. */
  last: SweepRecord;
  readonly done: Promise<SweepRecord>;
  private resolveDone!: (sweep: SweepRecord) => void;

  constructor(
    private readonly ctx: DriverContext,
    record: SweepRecord,
  ) {
    this.sweep = { id: record.id, definition: record.definition };
    this.last = record;
    this.done = new Promise<SweepRecord>((r) => (this.resolveDone = r));
  }

  /** Fills the sweep's free slots; once nothing is live or left to start, settles its status. */
  drive(): void {
    if (this.stopping) return;
    const { store, ownerPid } = this.ctx;
    const id = this.sweep.id;
    try {
      // Paused or cancelled from another process, or taken over: start nothing more; the heartbeat
      // tick notices too and stops the live runs.
      const owner = store.sweeps.owner(id);
      if (owner?.status !== 'running' || owner.ownerPid !== ownerPid) return;
      while (this.live.size < this.sweep.definition.parallel) {
        const interrupted = store.sweeps.runIds(id, 'interrupted').find((r) => !this.attempted.has(r));
        if (interrupted !== undefined) {
          this.resumeRun(interrupted);
          continue;
        }
        const queued = store.sweeps.claimNextQueued(id, ownerPid);
        if (!queued || !this.startRun(queued.id)) break;
      }
      if (this.live.size === 0) this.settle();
    } catch (e) {
      // A busy or failing store: the next heartbeat tick tries again.
      this.ctx.log.warn(`Sweep ${id} could not start its next run`, e);
    }
  }

  /** Stops every live run (each checkpoints and becomes interrupted) and waits until they have ended. */
  async stopRuns(): Promise<void> {
    this.stopping = true;
    const { runs } = this.ctx;
    const waits = [...this.live].map((runId) => {
      try {
        runs.stop(runId);
      } catch {
        // Not training here (any more): nothing to stop.
      }
      return runs.waitFor(runId).catch(() => null);
    });
    await Promise.all(waits);
  }

  /** Stops driving for good; `record` is the sweep as it stands, when it could be read. */
  finish(record: SweepRecord | null): void {
    this.stopping = true;
    this.resolveDone(record ?? this.last);
  }

  private track(runId: number): void {
    this.attempted.add(runId);
    this.live.add(runId);
  }

  private resumeRun(runId: number): void {
    this.track(runId);
    // A refused resume (another process took the run) ends at once: waitFor answers for a run not owned here.
    this.ctx.runs.resume(runId).then(
      () => this.watch(runId),
      (e: unknown) => {
        this.ctx.log.warn(`Run ${runId} of sweep ${this.sweep.id} could not be resumed`, e);
        this.watch(runId);
      },
    );
  }

  private startRun(runId: number): boolean {
    this.track(runId);
    try {
      this.ctx.runs.startQueued(runId);
    } catch (e) {
      this.live.delete(runId);
      this.ctx.store.sweeps.unclaimQueued(runId, this.ctx.ownerPid);
      this.ctx.log.warn(`Run ${runId} of sweep ${this.sweep.id} could not start`, e);
      return false;
    }
    this.watch(runId);
    return true;
  }

  private watch(runId: number): void {
    void this.ctx.runs.waitFor(runId).then(
      () => this.runEnded(runId),
      (e: unknown) => {
        this.ctx.log.warn(`Run ${runId} of sweep ${this.sweep.id} could not be read`, e);
        this.runEnded(runId);
      },
    );
  }

  private runEnded(runId: number): void {
    this.live.delete(runId);
    this.ctx.changed(this.sweep.id);
    this.drive();
  }

  /** Nothing live here and nothing left to start: the sweep is done, or waits for runs live elsewhere. */
  private settle(): void {
    const { store, ownerPid } = this.ctx;
    const id = this.sweep.id;
    const counts = store.sweeps.get(id)?.counts;
    if (!counts) return this.ctx.ended(this); // deleted meanwhile
    if (counts.queued + counts.running + counts.paused > 0) return; // the heartbeat tick looks again
    const stopped = counts.interrupted;
    const [status, message] =
      stopped > 0
        ? ([
            'paused',
            `${stopped} run${stopped === 1 ? ' was' : 's were'} stopped before finishing; resume the sweep to continue.`,
          ] as const)
        : (['completed', ''] as const);
    store.sweeps.finishOwned(id, ownerPid, status, message);
    this.ctx.ended(this);
  }
}
