// How many compute threads each training run gets. A run's wasm backend fixes its thread count when
// it starts, so the share is decided then: `auto` divides the cores among the runs that train or
// wait to (up to the number that train at once), so that together they do not ask for more threads
// than there are cores; a number set in the config is taken as it is.
//
// Cores that other processes keep busy are not free either: XNNPACK's thread pool spin-waits for
// its threads, so a thread that the OS deschedules stalls the whole step. Measured on the 2-core
// machine at a load average near 25, two threads trained the seed conv model at 0.78x the speed of
// one. So auto leaves out the cores that other processes kept busy over the last few seconds
// (cpu-load.ts: measured, because the load average counts this process's own runs, finished ones too).

import { availableParallelism, loadavg } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { MAX_WASM_THREADS } from '../engine/wasm-threads.ts';
import { OthersLoad } from './cpu-load.ts';

export class CoreShare {
  private readonly held = new Map<object, number>();
  private readonly measured: OthersLoad | null;
  private readonly othersLoad: (granted: number) => number;

  /**
   * `othersLoad`: how many cores other work keeps busy, given the threads this share has granted
   * (default: measured over the last few seconds; until a window has passed, the 1-minute load
   * average less those threads).
   */
  constructor(
    readonly cores: number = availableParallelism(),
    othersLoad?: (granted: number) => number,
  ) {
    if (othersLoad) {
      this.measured = null;
      this.othersLoad = othersLoad;
    } else {
      const measured = new OthersLoad(undefined, () => Math.max(0, (loadavg()[0] ?? 0) - this.inUse()));
      this.measured = measured;
      this.othersLoad = () => measured.busyCores();
    }
  }

  /** Stops measuring the machine's load. */
  close(): void {
    this.measured?.close();
  }

  /**
   * Threads for `holder`, a run whose config asks for `asked` (0 = auto) while `runs` runs, itself
   * included, train or wait to. Held until release(holder).
   */
  grant(holder: object, asked: number, runs: number): number {
    let threads: number;
    if (asked > 0) threads = asked;
    else {
      let inUse = 0;
      for (const [other, n] of this.held) if (other !== holder) inUse += n;
      const fair = Math.floor(this.cores / Math.max(1, runs));
      // Runs that started earlier keep what they got: only the cores they and others leave are free.
      // Rounded, not floored: an idle desktop's background load (a few tenths of a core) must not
      // cost a 2-core machine half its threads.
      const free = this.cores - inUse - Math.round(this.othersLoad(inUse));
      threads = Math.max(1, Math.min(fair, free));
    }
    threads = Math.min(threads, MAX_WASM_THREADS);
    this.held.set(holder, threads);
    return threads;
  }

  /** grant() for a run's worker, released when the worker exits: every way a run ends (it finishes, is stopped or deleted, faults, or the service shuts down) ends its worker. */
  grantUntilExit(worker: Worker, asked: number, runs: number): number {
    const threads = this.grant(worker, asked, runs);
    worker.once('exit', () => this.release(worker));
    return threads;
  }

  release(holder: object): void {
    this.held.delete(holder);
  }

  /** Threads granted and not yet released. */
  inUse(): number {
    let total = 0;
    for (const n of this.held.values()) total += n;
    return total;
  }
}
