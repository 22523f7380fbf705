// The data layer's entry point: read a configured source (its training images and any test split),
// then split it as a run does.

export type { DataLimits, Dataset, DatasetSplit, SourceDataset } from './dataset.ts';
export { copyImages, DEFAULT_DATA_LIMITS, isByteDataset, imageSize } from './dataset.ts';
export { drawBatch, EVALUATION_BINARIZATION_SEED, trainingBatchSeed } from './binarize.ts';
export { prepareSplit, heldOutCount } from './split.ts';
export { loadDataset } from './load.ts';
export { throttledProgress } from './folder/progress.ts';
export type { FolderOptions, FolderProgress } from './folder/index.ts';
export { BUILTIN_MNIST_NAME } from './mnist-builtin.ts';
export { findLabelsFile, labelsFileCandidates } from './idx.ts';
export { findTestFile, findTestFileSync, testFileCandidates } from './test-file.ts';
export { loadRunSplit, type RunSplit } from './run-data.ts';
