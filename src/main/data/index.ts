// The data layer's entry point: read a configured source into a Dataset, then split it.

import type { DataConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import { loadCsv } from './csv.ts';
import type { Dataset } from './dataset.ts';
import { loadIdx } from './idx.ts';
import { loadBuiltinMnist } from './mnist-builtin.ts';

export type { Dataset, DatasetSplit } from './dataset.ts';
export { prepareSplit, heldOutCount } from './dataset.ts';
export { BUILTIN_MNIST_NAME } from './mnist-builtin.ts';
export { findLabelsFile, labelsFileCandidates } from './idx.ts';

/** Reads the whole source (no label filter or limit: see prepareSplit). Throws AppFailure 'bad-data'. */
export async function loadDataset(cfg: DataConfig): Promise<Dataset> {
  const { imageHeight: h, imageWidth: w } = cfg;
  if (cfg.source === 'builtin-mnist') return loadBuiltinMnist(h, w);
  if (cfg.path.trim() === '') {
    throw new AppFailure({
      code: 'invalid-config',
      message: `choose a ${cfg.source === 'csv' ? 'CSV' : 'IDX images'} file`,
      field: 'data.path',
    });
  }
  switch (cfg.source) {
    case 'csv':
      return loadCsv(cfg.path, h, w);
    case 'idx':
      return loadIdx(cfg.path, cfg.labelsPath.trim(), h, w);
    default: {
      const unknown: never = cfg.source;
      throw new AppFailure({ code: 'invalid-config', message: `unknown data source ${String(unknown)}`, field: 'data.source' });
    }
  }
}
