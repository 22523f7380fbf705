// The runs this process has taken on, and the slots they use: at most `maxConcurrent` load their data
// or train at once, the rest wait in a bounded queue, first come first served. A new run that has a
// free slot reserves it while its worker loads data, before it has a record (and so an id).

import { AppFailure } from '../../shared/result.ts';
import type { OwnedRun } from './owned-run.ts';

export class RunSlots {
  private readonly owned = new Map<number, OwnedRun>();
  private readonly queue: OwnedRun[] = [];
  private reserved = 0;

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
  ) {}

  get(runId: number): OwnedRun | undefined {
    return this.owned.get(runId);
  }

  ids(): number[] {
    return [...this.owned.keys()];
  }

  all(): OwnedRun[] {
    return [...this.owned.values()];
  }

  add(run: OwnedRun): void {
    this.owned.set(run.runId, run);
  }

  free(): number {
    let busy = this.reserved;
    for (const run of this.owned.values()) if (run.phase !== 'queued') busy++;
    return this.maxConcurrent - busy;
  }

  /** Runs that train, load, or wait to, up to how many train at once: the runs sharing the cores. */
  demand(): number {
    return Math.min(this.maxConcurrent, this.maxConcurrent - this.free() + this.queue.length);
  }

  /** Holds a slot for a run without a record yet; the function returned gives it back (once). */
  reserve(): () => void {
    this.reserved++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.reserved--;
    };
  }

  enqueue(run: OwnedRun): void {
    this.queue.push(run);
  }

  refuseWhenFull(): void {
    if (this.queue.length >= this.maxQueued) {
      throw new AppFailure({
        code: 'conflict',
        message: `${this.queue.length} runs are already waiting for a free slot, the most the queue holds; stop one or wait for a run to finish.`,
      });
    }
  }

  /** The queued run whose turn it is, when a slot is free. */
  next(): OwnedRun | undefined {
    return this.free() > 0 ? this.queue.shift() : undefined;
  }

  /** The run has ended: it leaves the queue (if it waited there) and this process's runs. */
  drop(run: OwnedRun): void {
    const queued = this.queue.indexOf(run);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.owned.delete(run.runId);
  }
}
