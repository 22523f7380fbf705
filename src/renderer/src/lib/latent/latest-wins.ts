// Runs an async job for a stream of inputs (slider positions, grid settings) with at most one job in
// flight. Inputs that arrive meanwhile are not queued: each replaces the one waiting, and when the
// job in flight finishes only the newest waiting input runs. A queue would fall further behind the
// pointer with every input event; this way the picture is never more than one job behind.

export interface LatestWinsHooks<In, Out> {
  run: (input: In) => Promise<Out>;
  /**
   * Called with each finished job's output. `requestedAt` is when its input was requested (a
   * replaced input's time does not count), so `now() - requestedAt` is the end-to-end latency of
   * what is shown.
   */
  done: (output: Out, input: In, requestedAt: number) => void;
  /** A job that threw (the workbench client never does, but a drawing step might). */
  failed?: (error: unknown, input: In) => void;
  now?: () => number;
}

interface Job<In> {
  input: In;
  at: number;
}

export class LatestWins<In, Out> {
  private inFlight: Job<In> | null = null;
  private waiting: Job<In> | null = null;
  private disposed = false;
  /** Inputs dropped because a newer one replaced them before they ran. */
  skipped = 0;
  private readonly now: () => number;

  constructor(private readonly hooks: LatestWinsHooks<In, Out>) {
    this.now = hooks.now ?? (() => performance.now());
  }

  get busy(): boolean {
    return this.inFlight !== null;
  }

  request(input: In): void {
    if (this.disposed) return;
    const job = { input, at: this.now() };
    if (this.inFlight) {
      if (this.waiting) this.skipped++;
      this.waiting = job;
      return;
    }
    void this.start(job);
  }

  /** Stops delivering: a job in flight finishes unseen and nothing waiting runs. */
  dispose(): void {
    this.disposed = true;
    this.waiting = null;
  }

  private async start(job: Job<In>): Promise<void> {
    this.inFlight = job;
    try {
      const output = await this.hooks.run(job.input);
      if (!this.disposed) this.hooks.done(output, job.input, job.at);
    } catch (e) {
      if (!this.disposed) this.hooks.failed?.(e, job.input);
    } finally {
      this.inFlight = null;
      const next = this.waiting;
      this.waiting = null;
      if (next && !this.disposed) void this.start(next);
    }
  }
}
