// The data layer's entry point: read a configured source into a Dataset, then split it.

import type { DataConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import { loadCsv } from './csv.ts';
import { DEFAULT_DATA_LIMITS, type DataLimits, type Dataset } from './dataset.ts';
import { loadIdx } from './idx.ts';
import { loadBuiltinMnist } from './mnist-builtin.ts';

export type { DataLimits, Dataset, DatasetSplit } from './dataset.ts';
export { DEFAULT_DATA_LIMITS, prepareSplit, heldOutCount } from './dataset.ts';
export { BUILTIN_MNIST_NAME } from './mnist-builtin.ts';
export { findLabelsFile, labelsFileCandidates } from './idx.ts';

/** Reads the whole source (no label filter or limit: see prepareSplit). Throws AppFailure 'bad-data'. */
export async function loadDataset(cfg: DataConfig, limits: DataLimits = DEFAULT_DATA_LIMITS): Promise<Dataset> {
  const { imageHeight: h, imageWidth: w } = cfg;
  if (cfg.source === 'builtin-mnist') return loadBuiltinMnist(h, w);
  if (cfg.path.trim() === '') {
    throw new AppFailure({
      code: 'invalid-config',
      message: `choose a ${cfg.source === 'csv' ? 'CSV' : 'IDX images'} file`,
      field: 'data.path',
    });
  }
  try {
    if (cfg.source === 'csv') return await loadCsv(cfg.path, h, w, limits);
    return await loadIdx(cfg.path, cfg.labelsPath.trim(), h, w, limits);
  } catch (e) {
    throw blameField(e, cfg);
  }
}

/**
 * Points a data error at the setting that names the offending file, so a form can show it beside
 * that field: the labels file's own problems at data.labelsPath, everything else at data.path.
 */
function blameField(e: unknown, cfg: DataConfig): unknown {
  if (!(e instanceof AppFailure) || e.appError.field !== undefined) return e;
  const labels = cfg.labelsPath.trim();
  const field = labels !== '' && e.message.includes(labels) ? 'data.labelsPath' : 'data.path';
  return new AppFailure({ ...e.appError, field });
}
