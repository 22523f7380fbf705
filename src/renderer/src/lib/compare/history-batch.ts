// Compare's run histories, asked for many runs per call. One getRun per run made 400 round trips for
// 400 runs, and each answer that arrived made every panel work on all the runs again: the chart had
// every curve only after 85 s (bench/compare-many.ts). Requests made in the same tick are sent
// together (getRunHistories, a chunk of runs a call, a few calls in flight), so 400 runs are a
// handful of calls and a handful of redraws. Written by hand (the DataLoader pattern) rather than
// with a library: the project has none, and this is the few lines of it Compare needs.

import type { RunHistory } from '../../../../shared/contract.ts';
import { err, ok, type Result } from '../../../../shared/result.ts';

export type HistoryCall = (runIds: number[], maxPoints: number) => Promise<Result<RunHistory[]>>;

interface Pending {
  runId: number;
  maxPoints: number;
  resolve: (r: Result<RunHistory>) => void;
}

export class HistoryBatcher {
  private pending: Pending[] = [];
  private scheduled = false;
  private active = 0;
  private readonly chunks: Pending[][] = [];

  /**
   * `chunk`: runs per call; the first answers show while the rest are on the way. `concurrency`:
   * calls in flight, so the backend is never asked for every run at once.
   */
  constructor(
    private readonly call: HistoryCall,
    private readonly chunk = 200,
    private readonly concurrency = 2,
  ) {}

  get(runId: number, maxPoints: number): Promise<Result<RunHistory>> {
    return new Promise((resolve) => {
      this.pending.push({ runId, maxPoints, resolve });
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const byPoints = new Map<number, Pending[]>();
    for (const p of this.pending) byPoints.set(p.maxPoints, [...(byPoints.get(p.maxPoints) ?? []), p]);
    this.pending = [];
    for (const group of byPoints.values())
      for (let i = 0; i < group.length; i += this.chunk) this.chunks.push(group.slice(i, i + this.chunk));
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.chunks.length > 0) {
      const chunk = this.chunks.shift()!;
      this.active++;
      void this.send(chunk).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async send(chunk: Pending[]): Promise<void> {
    const ids = [...new Set(chunk.map((p) => p.runId))];
    let result: Result<RunHistory[]>;
    try {
      result = await this.call(ids, chunk[0]!.maxPoints);
    } catch (e) {
      result = err('internal', e instanceof Error ? e.message : String(e));
    }
    if (!result.ok) {
      for (const p of chunk) p.resolve(result);
      return;
    }
    const found = new Map(result.value.map((h) => [h.run.id, h]));
    for (const p of chunk) {
      const history = found.get(p.runId);
      p.resolve(history ? ok(history) : err('not-found', `Run ${p.runId} does not exist.`));
    }
  }
}
