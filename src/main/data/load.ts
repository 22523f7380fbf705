// Reading a configured source (its training images and any test split) into a SourceDataset.

import { resolve } from 'node:path';
import type { DataConfig } from '../../shared/config.ts';
import { testPathOf } from '../../shared/data-split.ts';
import { AppFailure } from '../../shared/result.ts';
import { loadCsv } from './csv.ts';
import { badData, DEFAULT_DATA_LIMITS, withFields, type ByteDataset, type DataLimits, type SourceDataset } from './dataset.ts';
import { loadImageFolder, type FolderOptions } from './folder/index.ts';
import { scanFolder } from './folder/scan.ts';
import { loadIdx } from './idx.ts';
import { combinedFingerprint, loadBuiltinMnist } from './mnist-builtin.ts';

/**
 * Reads the whole source (no label filter or limit: see prepareSplit), with its test split when it
 * has one. Throws AppFailure 'bad-data' naming the file and the setting (data.path, data.labelsPath
 * or data.testPath) at fault.
 */
export async function loadDataset(
  cfg: DataConfig,
  limits: DataLimits = DEFAULT_DATA_LIMITS,
  folder: FolderOptions = {},
): Promise<SourceDataset> {
  const { imageHeight: h, imageWidth: w } = cfg;
  if (cfg.source === 'builtin-mnist') return loadBuiltinMnist(h, w);
  if (cfg.path.trim() === '') {
    const what = { csv: 'a CSV file', idx: 'an IDX images file', folder: 'a folder of images' }[cfg.source];
    throw new AppFailure({ code: 'invalid-config', message: `choose ${what}`, field: 'data.path' });
  }
  if (cfg.source === 'folder') return loadFolders(cfg, folder);
  let train: ByteDataset;
  try {
    train = await loadFile(cfg.source, cfg.path, cfg.labelsPath.trim(), h, w, limits);
  } catch (e) {
    throw blameField(e, cfg);
  }
  const testPath = testPathOf(cfg);
  if (testPath === '') return withFields(train, { test: null });
  let test: ByteDataset;
  try {
    test = await loadFile(cfg.source, testPath, '', h, w, limits);
  } catch (e) {
    if (!(e instanceof AppFailure) || e.appError.field !== undefined) throw e;
    throw new AppFailure({ ...e.appError, message: `test file: ${e.message}`, field: 'data.testPath' });
  }
  const fingerprint = combinedFingerprint(train.fingerprint, test.fingerprint);
  return withFields(train, { fingerprint, test: withFields(test, { fingerprint }) });
}

/** An image folder, and a second folder as its test split when data.testPath names one. */
async function loadFolders(cfg: DataConfig, folder: FolderOptions): Promise<SourceDataset> {
  let train: SourceDataset & ByteDataset;
  try {
    train = await loadImageFolder(cfg, folder);
  } catch (e) {
    throw blameField(e, cfg);
  }
  const testPath = testPathOf(cfg);
  if (testPath === '') return train;
  let test: SourceDataset & ByteDataset;
  try {
    // Classes are compared from the scan, before a large test folder is decoded for nothing.
    checkSameClasses(train.classNames ?? [], (await scanFolder(resolve(testPath))).classNames, cfg.path.trim(), testPath);
    // Decoded with the training folder's size, channels and fit, so both are one kind of image.
    test = await loadImageFolder({ ...cfg, path: testPath }, folder);
  } catch (e) {
    if (!(e instanceof AppFailure) || e.appError.field !== undefined) throw e;
    throw new AppFailure({ ...e.appError, message: `test folder: ${e.message}`, field: 'data.testPath' });
  }
  const fingerprint = combinedFingerprint(train.fingerprint, test.fingerprint);
  const skipped = [...(train.skipped ?? []), ...(test.skipped ?? [])];
  // withFields keeps only the image fields: the test split carries no skipped list or split of its own.
  return withFields(train, { fingerprint, skipped, test: withFields(test, { fingerprint }) });
}

/** Labels are indices into sorted class names: the same index must mean the same class in both folders. */
function checkSameClasses(train: readonly string[], test: readonly string[], trainPath: string, testPath: string): void {
  if (train.join('\n') === test.join('\n')) return;
  const list = (names: readonly string[]) => (names.length === 0 ? 'none (unlabelled)' : names.join(', '));
  throw badData(
    `${testPath} has classes ${list(test)}, the training folder ${trainPath} has ${list(train)}: both need the same class sub-folders`,
  );
}

function loadFile(
  source: 'csv' | 'idx',
  path: string,
  labelsPath: string,
  h: number,
  w: number,
  limits: DataLimits,
): Promise<ByteDataset> {
  return source === 'csv' ? loadCsv(path, h, w, limits) : loadIdx(path, labelsPath, h, w, limits);
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
