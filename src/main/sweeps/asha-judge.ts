// Successive halving for the runs of sweeps that ask for it: the rung judge the run service consults
// (see runs/rung-gate.ts). It reads everything from the store, the runs' rung values included, so it
// holds no state to lose: a run killed while waiting at a rung is judged again when it resumes, against
// the runs that have reached that rung by then (as Optuna's pruner, which also reads its storage).

import { evaluatesNothing } from '../../shared/data-split.ts';
import { ashaDecide } from '../../shared/asha.ts';
import { ashaRungs, type SweepPruning } from '../../shared/sweep.ts';
import type { RungJudge } from '../runs/rung-gate.ts';
import type { Store } from '../store/index.ts';

export function ashaJudge(store: Store): RungJudge {
  // A sweep's definition never changes once stored, so it is read once per sweep.
  const pruning = new Map<number, SweepPruning | null>();
  const reductionFor = (sweepId: number | null): number | null => {
    if (sweepId === null) return null;
    if (!pruning.has(sweepId)) pruning.set(sweepId, store.sweeps.get(sweepId)?.definition.pruning ?? null);
    const p = pruning.get(sweepId);
    return p?.kind === 'asha' ? p.reduction : null;
  };
  return {
    rungs(run) {
      const reduction = reductionFor(run.sweepId);
      // Without a held-out set there is nothing fair to rank by, so such a run is never pruned.
      if (reduction === null || evaluatesNothing(run.config.data)) return [];
      return ashaRungs(run.config.optim.epochs, reduction);
    },
    decide(run, epoch) {
      const reduction = reductionFor(run.sweepId);
      if (reduction === null || run.sweepId === null) return { prune: false };
      const reached = store.metrics.sweepHeldOutAt(run.sweepId, epoch);
      const mine = reached.find((r) => r.runId === run.id);
      if (!mine) return { prune: false };
      const decision = ashaDecide({
        epochs: run.config.optim.epochs,
        reduction,
        epoch,
        value: mine.total,
        others: reached.filter((r) => r.runId !== run.id).map((r) => r.total),
      });
      return decision?.prune ? { prune: true, message: decision.message } : { prune: false };
    },
  };
}
