// The loss chart's point arrays, built from a run aggregate. Kept incremental: a live run sends up to
// 20 batches a second, and with 100,000 logged steps rebuilding every array on each batch would
// allocate millions of points a second. Only a changed option or a rewritten history starts over.

import { Ema } from './ema.ts';
import type { RunAggregate } from './run-aggregate.ts';

export type LossPart = 'total' | 'recon' | 'kl';
export const LOSS_PARTS: readonly LossPart[] = ['total', 'recon', 'kl'];

export interface XY {
  x: number;
  y: number;
}

export interface SeriesOptions {
  /** EMA weight in [0, 1); 0 shows the raw losses. */
  smoothing: number;
  /** A log axis cannot show zero or negative values: such points are left out. */
  logScale: boolean;
}

type PerPart<T> = Record<LossPart, T>;
const perPart = <T>(make: () => T): PerPart<T> => ({ total: make(), recon: make(), kl: make() });

function plottable(y: number, logScale: boolean): boolean {
  return Number.isFinite(y) && (!logScale || y > 0);
}

export class LossSeries {
  /** Per-step training losses as logged. */
  raw: PerPart<XY[]> = perPart(() => []);
  /** The same after EMA smoothing (empty when smoothing is 0). */
  smoothed: PerPart<XY[]> = perPart(() => []);
  /** Held-out losses, one point per epoch. */
  heldOut: PerPart<XY[]> = perPart(() => []);

  private consumed = 0;
  private generation = -1;
  private runId = -1;
  private options: SeriesOptions | null = null;
  private emas: PerPart<Ema> = perPart(() => new Ema(0));

  /** Brings the arrays up to date; returns whether anything changed. */
  update(agg: RunAggregate, options: SeriesOptions): boolean {
    const restart =
      agg.runId !== this.runId ||
      agg.generation !== this.generation ||
      this.options === null ||
      this.options.smoothing !== options.smoothing ||
      this.options.logScale !== options.logScale ||
      agg.steps.length < this.consumed;
    if (restart) {
      this.runId = agg.runId;
      this.generation = agg.generation;
      this.options = { ...options };
      this.consumed = 0;
      this.raw = perPart(() => []);
      this.smoothed = perPart(() => []);
      this.emas = perPart(() => new Ema(options.smoothing));
    }
    const grew = agg.steps.length > this.consumed;
    for (let i = this.consumed; i < agg.steps.length; i++) {
      const p = agg.steps[i]!;
      for (const part of LOSS_PARTS) {
        const y = p[part];
        // The average runs over every value, so hiding points on a log axis does not shift the curve.
        const s = this.emas[part].next(y);
        if (plottable(y, options.logScale)) this.raw[part].push({ x: p.step, y });
        if (options.smoothing > 0 && plottable(s, options.logScale)) this.smoothed[part].push({ x: p.step, y: s });
      }
    }
    this.consumed = agg.steps.length;

    const heldOut = perPart<XY[]>(() => []);
    for (const e of agg.epochs) {
      if (!e.heldOut) continue;
      for (const part of LOSS_PARTS) {
        const y = e.heldOut[part];
        if (plottable(y, options.logScale)) heldOut[part].push({ x: e.step, y });
      }
    }
    const heldOutChanged = LOSS_PARTS.some((part) => heldOut[part].length !== this.heldOut[part].length);
    this.heldOut = heldOut;
    return restart || grew || heldOutChanged;
  }

  get pointCount(): number {
    return this.raw.total.length;
  }
}
