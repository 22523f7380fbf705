// THE one place that decides which images a run is evaluated on, and what they are called. Today:
// the run's held-out images exactly as the trainer evaluates them (its training images when it
// holds none out), pixels as loaded. When data sets bring their own test split and binarization,
// this function alone changes (and with it what every evaluation records).

import type { ExperimentConfig } from '../../shared/config.ts';
import type { EvaluationBinarization, EvaluationSplit } from '../../shared/evaluation.ts';
import type { Dataset, DatasetSplit } from '../data/index.ts';

export interface EvaluationImages {
  images: Dataset;
  split: EvaluationSplit;
  binarization: EvaluationBinarization;
}

export function evaluationImages(split: DatasetSplit, _config: ExperimentConfig): EvaluationImages {
  if (split.heldOut.count > 0) return { images: split.heldOut, split: 'held-out', binarization: 'none' };
  return { images: split.train, split: 'train', binarization: 'none' };
}
