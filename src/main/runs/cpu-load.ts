// How many cores other programs keep busy, measured rather than read from the load average. The
// 1-minute load average counts this process's own runs too and decays over a minute, so on a
// 2-core machine a run that starts right after another finished (every run of a sweep after the
// first) saw a load near 2 and was granted one thread on an otherwise idle machine. Here: the
// machine's busy CPU time (os.cpus(), all processes) less this process's own (process.cpuUsage(),
// all its threads: the runs' workers included), over the last few seconds.

import { cpus } from 'node:os';

export interface CpuReading {
  /** Busy CPU milliseconds of the whole machine since boot (user + nice + sys + irq, every core). */
  machineBusyMs: number;
  /** CPU milliseconds of this process since it started, every thread. */
  ownMs: number;
  /** Monotonic milliseconds. */
  at: number;
}

export function readCpu(): CpuReading {
  let busy = 0;
  for (const { times } of cpus()) busy += times.user + times.nice + times.sys + times.irq;
  const own = process.cpuUsage();
  return { machineBusyMs: busy, ownMs: (own.user + own.system) / 1000, at: performance.now() };
}

/** Shortest window that says something: os.cpus() counts in 10 ms ticks. */
const MIN_WINDOW_MS = 500;
/** Readings kept, one a second: the figure covers the last few seconds, what the machine does now. */
const SAMPLE_MS = 1_000;
const KEEP = 5;

export class OthersLoad {
  private readonly readings: CpuReading[];
  private readonly timer: ReturnType<typeof setInterval> | null;

  /**
   * `read`: the machine's and this process's CPU time (tests pass their own, and call tick()
   * instead of the timer); `fallback`: the figure until a window of MIN_WINDOW_MS has passed.
   */
  constructor(
    private readonly read: () => CpuReading = readCpu,
    private readonly fallback: () => number = () => 0,
    sampleEveryMs: number | null = SAMPLE_MS,
  ) {
    this.readings = [read()];
    this.timer = sampleEveryMs === null ? null : setInterval(() => this.tick(), sampleEveryMs);
    // It only measures: it must not keep a process alive.
    this.timer?.unref();
  }

  /** Takes a reading; the oldest of KEEP goes. */
  tick(): void {
    this.readings.push(this.read());
    if (this.readings.length > KEEP) this.readings.shift();
  }

  /** Cores other processes kept busy over the last few seconds (0 or more). */
  busyCores(): number {
    const now = this.read();
    const from = this.readings[0]!;
    const ms = now.at - from.at;
    if (ms < MIN_WINDOW_MS) return this.fallback();
    const others = now.machineBusyMs - from.machineBusyMs - (now.ownMs - from.ownMs);
    return Math.max(0, others / ms);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
