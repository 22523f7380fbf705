// Coalesces training events for clients: however fast training runs, a client gets at most one
// batch per interval (20 a second by default). Step events are all kept (the loss chart plots
// every logged step). Image grids are the bulk of the bytes and a screen shows one frame of each,
// so per run and kind only the newest is kept, and it is sent at most twice a second; the last one
// always arrives, a little later if need be. Runs another process changed travel as rows
// ('runs-updated', the newest read of each) rather than as 'runs-changed', which makes every client
// list every run again.

import type { DataLoadProgress, WorkbenchEvent } from '../../shared/contract.ts';
import type { SweepRecord } from '../../shared/sweep.ts';
import type { RunRecord, TrainingEvent } from '../../shared/training.ts';

type ImageEvent = Extract<TrainingEvent, { type: 'image' }>;

export class EventCoalescer {
  private pending: TrainingEvent[] = [];
  private readonly images = new Map<string, ImageEvent>();
  private readonly imageSentAt = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private runsChanged = false;
  private readonly updatedRuns = new Map<number, RunRecord>();
  private readonly deletedRuns = new Set<number>();
  private readonly sweeps = new Map<number, SweepRecord>();
  /** The newest progress of each image folder loading. */
  private readonly progress = new Map<string, DataLoadProgress>();

  constructor(
    private readonly send: (event: WorkbenchEvent) => void,
    private readonly intervalMs = 50,
    private readonly imageIntervalMs = 500,
  ) {}

  push(event: TrainingEvent): void {
    // Status changes and epochs change what a runs list shows.
    if (event.type === 'status' || event.type === 'epoch' || event.type === 'started') this.runsChanged = true;
    if (event.type === 'evaluation' && event.state === 'done') this.runsChanged = true;
    this.pushFollowed(event);
  }

  /**
   * An event of a run trained by another process, read back from the store. The rows it changed
   * travel with it in `pushRuns`, so it does not make every client re-read the whole list.
   */
  pushFollowed(event: TrainingEvent): void {
    if (event.type === 'image') this.images.set(`${event.runId}/${event.kind}`, event);
    else this.pending.push(event);
    this.schedule();
  }

  /** Runs another process changed or deleted, sent as rows (the newest read of each wins). */
  pushRuns(runs: readonly RunRecord[], deleted: readonly number[]): void {
    if (runs.length + deleted.length === 0) return;
    for (const run of runs) this.updatedRuns.set(run.id, run);
    for (const id of deleted) {
      this.updatedRuns.delete(id);
      this.deletedRuns.add(id);
    }
    this.schedule();
  }

  /** Sweeps as they are now (the newest read of each wins), sent after the run events of the same batch. */
  pushSweeps(sweeps: readonly SweepRecord[]): void {
    if (sweeps.length === 0) return;
    for (const sweep of sweeps) this.sweeps.set(sweep.id, sweep);
    this.schedule();
  }

  pushDataProgress(progress: DataLoadProgress): void {
    this.progress.set(progress.path, progress);
    this.schedule();
  }

  markRunsChanged(): void {
    this.runsChanged = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const events = this.pending;
    this.pending = [];
    const now = Date.now();
    for (const [key, image] of this.images) {
      if (now - (this.imageSentAt.get(key) ?? -Infinity) < this.imageIntervalMs) continue;
      events.push(image);
      this.images.delete(key);
      this.imageSentAt.set(key, now);
    }
    if (events.length > 0) this.send({ type: 'training', events });
    // After the events: the rows were read no earlier than the events they sum up.
    if (this.updatedRuns.size + this.deletedRuns.size > 0) {
      this.send({ type: 'runs-updated', runs: [...this.updatedRuns.values()], deleted: [...this.deletedRuns] });
      this.updatedRuns.clear();
      this.deletedRuns.clear();
    }
    if (this.runsChanged) {
      this.runsChanged = false;
      this.send({ type: 'runs-changed' });
    }
    if (this.sweeps.size > 0) {
      this.send({ type: 'sweeps-changed', sweeps: [...this.sweeps.values()] });
      this.sweeps.clear();
    }
    for (const progress of this.progress.values()) this.send({ type: 'data-progress', progress });
    this.progress.clear();
    // Images held back for their interval go out with a later batch.
    if (this.images.size > 0) this.schedule();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    this.images.clear();
    this.updatedRuns.clear();
    this.deletedRuns.clear();
    this.sweeps.clear();
    this.progress.clear();
  }
}
