// Rebuilds the images a run was evaluated on (its test split or held-out share), in the latent
// worker: the data set is reloaded from the run's config and split again with its seed, which gives
// exactly the run's split, binarized as it was (prepareSplit is deterministic). Loading a large file
// takes seconds, so the last data sets and splits are kept.

import { AppFailure } from '../../shared/result.ts';
import { loadDataset, prepareSplit, type Dataset } from '../data/index.ts';
import type { ImageSource } from './protocol.ts';

export interface SourceImages {
  images: Dataset;
  split: 'held-out' | 'train';
}

const MAX_DATASETS = 2;
const MAX_SPLITS = 6;

export class ImageSourceCache {
  private readonly datasets = new Map<string, Promise<Dataset>>();
  private readonly splits = new Map<string, SourceImages>();

  async images(source: ImageSource): Promise<SourceImages> {
    const dataKey = JSON.stringify(source.data);
    const splitKey = `${dataKey}#${source.seed}`;
    const cached = this.splits.get(splitKey);
    if (cached) return cached;
    const ds = await this.dataset(dataKey, source);
    if (source.fingerprint !== '' && ds.fingerprint !== source.fingerprint) {
      throw new AppFailure({
        code: 'bad-data',
        message: `${ds.name} is no longer the data ${source.label} trained on (its fingerprint changed), so its held-out images cannot be rebuilt`,
      });
    }
    const split = prepareSplit(ds, source.data, source.seed);
    // A run that held nothing out is shown with its training images rather than nothing at all.
    const result: SourceImages =
      split.heldOut.count > 0 ? { images: split.heldOut, split: 'held-out' } : { images: split.train, split: 'train' };
    remember(this.splits, splitKey, result, MAX_SPLITS);
    return result;
  }

  private dataset(key: string, source: ImageSource): Promise<Dataset> {
    let pending = this.datasets.get(key);
    if (!pending) {
      pending = loadDataset(source.data).catch((e: unknown) => {
        this.datasets.delete(key);
        const message = e instanceof Error ? e.message : String(e);
        throw new AppFailure({ code: 'bad-data', message: `the images of ${source.label} could not be loaded: ${message}` });
      });
      remember(this.datasets, key, pending, MAX_DATASETS);
    }
    return pending;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > capacity) map.delete(map.keys().next().value as string);
}
