// A run's data as the run saw it: its source loaded, checked against the fingerprint the run
// recorded, and split and binarized exactly as its config and seed say. The training worker, the
// latent explorer and evaluation all go through here, so they agree on every image.

import type { DataConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import { DEFAULT_DATA_LIMITS, type DatasetSplit, type SourceDataset } from './dataset.ts';
import type { FolderOptions } from './folder/index.ts';
import { prepareSplit } from './split.ts';
import { loadDataset } from './load.ts';

export interface RunSplit {
  source: SourceDataset;
  split: DatasetSplit;
}

/**
 * Loads and splits a run's data. With `expectFingerprint` (a run's recorded one; empty or null
 * skips the check), a source whose files changed since is refused rather than silently giving
 * other images. `validationFraction`: the run's `validationShare` (only training needs that split).
 */
export async function loadRunSplit(
  data: DataConfig,
  seed: number,
  expectFingerprint: string | null = null,
  folder: FolderOptions = {},
  validationFraction = 0,
): Promise<RunSplit> {
  const source = await loadDataset(data, DEFAULT_DATA_LIMITS, folder);
  if (expectFingerprint && expectFingerprint !== source.fingerprint) {
    throw new AppFailure({
      code: 'bad-data',
      message:
        `the data set ${source.name} differs from the one this run was trained on ` +
        `(fingerprint ${source.fingerprint.slice(0, 12)}, expected ${expectFingerprint.slice(0, 12)})`,
    });
  }
  return { source, split: prepareSplit(source, data, seed, validationFraction) };
}
