// Exponential moving average for noisy per-step losses, debiased like TensorBoard's smoothing so the
// first points are not dragged towards zero. Incremental, so a live chart smooths only new points.

export class Ema {
  private value = 0;
  private weightPower = 1;

  /** `weight` in [0, 1): 0 leaves values as they are, 0.99 smooths heavily. */
  constructor(readonly weight: number) {
    if (!(weight >= 0 && weight < 1)) throw new RangeError(`EMA weight must be in [0, 1), got ${weight}`);
  }

  /** Non-finite values (a diverged loss) pass through without disturbing the average. */
  next(x: number): number {
    if (!Number.isFinite(x)) return x;
    if (this.weight === 0) return x;
    this.value = this.value * this.weight + (1 - this.weight) * x;
    this.weightPower *= this.weight;
    return this.value / (1 - this.weightPower);
  }
}

export function emaSmooth(values: ArrayLike<number>, weight: number): number[] {
  const ema = new Ema(weight);
  return Array.from(values, (v) => ema.next(v));
}
