// Which checkpoint the explorer shows when the list changes under it: a live run adds a checkpoint
// at every epoch end and replaces its newest mid-epoch one.

import type { CheckpointSummary } from '../../../../shared/contract.ts';

/**
 * The step to show after the checkpoints went from `before` to `after`. Someone watching the newest
 * (or nothing yet) follows the newest; an older choice stays, or moves to the nearest step if it was
 * replaced. Null when there is no checkpoint at all.
 */
export function followCheckpoint(
  before: readonly CheckpointSummary[],
  selected: number | null,
  after: readonly CheckpointSummary[],
): number | null {
  const newest = after[after.length - 1]?.step;
  if (newest === undefined) return null;
  const wasNewest = selected === null || before.length === 0 || before[before.length - 1]?.step === selected;
  if (wasNewest) return newest;
  if (after.some((c) => c.step === selected)) return selected;
  return after.reduce((best, c) => (Math.abs(c.step - selected) < Math.abs(best - selected) ? c.step : best), newest);
}

/** How a checkpoint reads in the header: "epoch 2", "epoch 3 · best", or "epoch 4 (in progress)". */
export function checkpointLabel(c: CheckpointSummary): string {
  const label = c.atEpochEnd ? `epoch ${c.epoch}` : `epoch ${c.epoch + 1} (in progress)`;
  return c.best ? `${label} · best` : label;
}
