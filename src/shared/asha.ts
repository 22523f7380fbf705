// Asynchronous successive halving (ASHA), the decision alone: when a run reaches a rung, it is compared
// with the runs of its sweep that reached the same rung before it, and goes on only if it ranks within
// the top 1/r. This is the rule of Optuna's SuccessiveHalvingPruner and Ray Tune's ASHA: decided at
// arrival, never revisited, so the first run at a rung always goes on and nobody waits for stragglers.
// Pure, so the run service, the sweep service and the views can all ask it the same question.

import { ashaRungs } from './sweep.ts';

export interface AshaQuestion {
  /** Epochs the run was trained for (its rungs are 1, r, r², ... below this). */
  epochs: number;
  /** The reduction factor r: the top 1/r of each rung go on. */
  reduction: number;
  /** The epoch just completed. */
  epoch: number;
  /** This run's held-out negative ELBO at that epoch (lower is better). */
  value: number;
  /** The same value of the sweep's other runs that reached this rung. */
  others: readonly number[];
}

export interface AshaDecision {
  prune: boolean;
  /** 1-based place among `n` (ties rank in this run's favour, as in Optuna). */
  rank: number;
  n: number;
  /** How many of the `n` go on: max(1, floor(n / r)). */
  keep: number;
  /** Why, in one sentence a person can check against the numbers. */
  message: string;
}

/** Lower is better; a value that is not a finite number (a diverged run) ranks below every finite one. */
const better = (a: number, b: number) => (Number.isFinite(a) ? !Number.isFinite(b) || a < b : false);

const nats = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : String(v));

/** The decision at the end of `epoch`, or null when that epoch is not one of the run's rungs. */
export function ashaDecide(q: AshaQuestion): AshaDecision | null {
  if (!ashaRungs(q.epochs, q.reduction).includes(q.epoch)) return null;
  const n = q.others.length + 1;
  const rank = 1 + q.others.filter((other) => better(other, q.value)).length;
  const keep = Math.max(1, Math.floor(n / q.reduction));
  const prune = rank > keep;
  const standing = `held-out −ELBO ${nats(q.value)} ranked ${rank} of ${n} (kept: top ${keep})`;
  return {
    prune,
    rank,
    n,
    keep,
    message: prune ? `Pruned at epoch ${q.epoch}: ${standing}` : `Continued at epoch ${q.epoch}: ${standing}`,
  };
}
