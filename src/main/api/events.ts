// Coalesces training events for clients: however fast training runs, a client gets at most one
// batch per interval (20 a second by default). Step events are all kept (the loss chart plots
// every logged step); of image events only the newest per run and kind survives a batch, since a
// screen shows one frame.

import type { WorkbenchEvent } from '../../shared/contract.ts';
import type { TrainingEvent } from '../../shared/training.ts';

export class EventCoalescer {
  private pending: TrainingEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private runsChanged = false;

  constructor(
    private readonly send: (event: WorkbenchEvent) => void,
    private readonly intervalMs = 50,
  ) {}

  push(event: TrainingEvent): void {
    if (event.type === 'image') {
      const i = this.pending.findIndex((e) => e.type === 'image' && e.runId === event.runId && e.kind === event.kind);
      if (i >= 0) this.pending.splice(i, 1);
    }
    // Status changes and epochs change what a runs list shows.
    if (event.type === 'status' || event.type === 'epoch' || event.type === 'started') this.runsChanged = true;
    this.pending.push(event);
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
    if (this.pending.length > 0) {
      const events = this.pending;
      this.pending = [];
      this.send({ type: 'training', events });
    }
    if (this.runsChanged) {
      this.runsChanged = false;
      this.send({ type: 'runs-changed' });
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}
