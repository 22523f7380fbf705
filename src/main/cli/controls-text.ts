// The CLI's lines on a run's training controls and its best checkpoint, shared by `npm run train`
// (at its end) and `npm run runs -- show`, so both say the same.

import type { ExperimentConfig } from '../../shared/config.ts';
import { evaluatesNothing, watchedSplit, watchesAnySplit, type WatchedSplit } from '../../shared/data-split.ts';
import { describeControls } from '../../shared/schedules.ts';
import type { CheckpointMeta } from '../store/checkpoints.ts';

const WATCHED: Record<WatchedSplit, string> = {
  validation: 'the validation share of the training images',
  test: 'the test split',
  'held-out': 'the held-out share',
  train: 'the training',
};

/** `  controls    …` and one line per further control; "none" when every control is at its default. */
export function controlsLines(config: ExperimentConfig): string[] {
  const on = describeControls(config);
  if (watchesAnySplit(config.optim)) on.push(`Watched: ${WATCHED[watchedSplit(config, !evaluatesNothing(config.data))]} −ELBO`);
  if (on.length === 0) return ['  controls    none (constant β and learning rate, the ELBO objective, no clipping)'];
  return on.map((line, i) => `  ${i === 0 ? 'controls' : ''}`.padEnd(14) + line);
}

/** `  best        step S (epoch E)`: the checkpoint exports and evaluation offer as "best". */
export function bestCheckpointLine(checkpoints: readonly CheckpointMeta[]): string {
  const best = checkpoints.find((c) => c.best);
  return `  best        ${best ? `checkpoint at step ${best.step} (epoch ${best.epoch})` : '-'}`;
}
