// A run's data as the run saw it: its source loaded, checked against the fingerprint the run
// recorded, and split and binarized exactly as its config and seed say. The training worker, the
// latent explorer and evaluation all go through here, so they agree on every image.

import type { DataConfig, ExperimentConfig } from '../../shared/config.ts';
import type { BinarizationKind } from '../../shared/config.ts';
import type { EvaluationSplit } from '../../shared/data-split.ts';
import { AppFailure } from '../../shared/result.ts';
import type { Dataset, DatasetSplit, SourceDataset } from './dataset.ts';
import { prepareSplit } from './split.ts';
import { loadDataset } from './load.ts';

export interface RunSplit {
  source: SourceDataset;
  split: DatasetSplit;
}

/**
 * Loads and splits a run's data. With `expectFingerprint` (a run's recorded one; empty or null
 * skips the check), a source whose files changed since is refused rather than silently giving
 * other images.
 */
export async function loadRunSplit(data: DataConfig, seed: number, expectFingerprint: string | null = null): Promise<RunSplit> {
  const source = await loadDataset(data);
  if (expectFingerprint && expectFingerprint !== source.fingerprint) {
    throw new AppFailure({
      code: 'bad-data',
      message:
        `the data set ${source.name} differs from the one this run was trained on ` +
        `(fingerprint ${source.fingerprint.slice(0, 12)}, expected ${expectFingerprint.slice(0, 12)})`,
    });
  }
  return { source, split: prepareSplit(source, data, seed) };
}

export interface EvaluationImages {
  /** In source order (ascending positions); labels when the source has them. */
  images: Dataset;
  split: EvaluationSplit;
  binarization: BinarizationKind;
  /** The source's fingerprint, to store beside a result computed on these images. */
  fingerprint: string;
}

/**
 * The images a run is evaluated on, binarized as the run says: its test split (or held-out share),
 * after its label filter and limit, binarized once with the fixed evaluation seed under dynamic and
 * static binarization. The same images the trainer's held-out metrics use. For the IWAE evaluation
 * of a stored run or checkpoint; a training worker already holds them as `trainer.data.heldOut`.
 */
export async function evaluationImages(
  config: ExperimentConfig,
  expectFingerprint: string | null = null,
): Promise<EvaluationImages> {
  const { source, split } = await loadRunSplit(config.data, config.run.seed, expectFingerprint);
  return { images: split.heldOut, split: split.evaluation, binarization: split.binarization, fingerprint: source.fingerprint };
}
