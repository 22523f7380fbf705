// THE one place that decides which images a run is evaluated on, and what they are called: the
// run's evaluation images exactly as the trainer's held-out metrics use them (its source's test split,
// or its seeded held-out share; binarized once with the fixed evaluation seed under dynamic and static
// binarization, see src/main/data/split.ts), or its training images when it evaluates on nothing.

import type { ExperimentConfig } from '../../shared/config.ts';
import type { EvaluationBinarization, EvaluationSplit } from '../../shared/evaluation.ts';
import type { Dataset, DatasetSplit } from '../data/index.ts';

export interface EvaluationImages {
  images: Dataset;
  split: EvaluationSplit;
  binarization: EvaluationBinarization;
}

export function evaluationImages(split: DatasetSplit, _config: ExperimentConfig): EvaluationImages {
  if (split.heldOut.count > 0) return { images: split.heldOut, split: split.evaluation, binarization: split.binarization };
  // Training images are binarized up front only under static binarization; under dynamic they are
  // drawn anew for every batch, so what is evaluated here is the grey pixels as loaded.
  return { images: split.train, split: 'train', binarization: split.binarization === 'static' ? 'static' : 'none' };
}
