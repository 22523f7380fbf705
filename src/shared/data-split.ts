// Which images a run evaluates on, decided from its data settings alone (no file is read), so the
// form, the CLI, the run page and the loader all give the same answer, and a stored run's config
// says which split its held-out metrics came from.

import type { BadImagesKind, BinarizationKind, DataConfig, FitKind } from './config.ts';

/** `test`: the data set's own test split; `held-out`: a seeded share of the training images. */
export type EvaluationSplit = 'test' | 'held-out';

/**
 * Runs stored before a setting existed lack it: they were trained as its default says (no test file,
 * no binarization), which is what these readers assume.
 */
export function testPathOf(data: DataConfig): string {
  const stored: Partial<DataConfig> = data;
  return stored.testPath?.trim() ?? '';
}

export function binarizationOf(data: DataConfig): BinarizationKind {
  const stored: Partial<DataConfig> = data;
  return stored.binarization ?? 'none';
}

export function channelsOf(data: DataConfig): 1 | 3 {
  const stored: Partial<DataConfig> = data;
  return stored.channels === 3 ? 3 : 1;
}

export function fitOf(data: DataConfig): FitKind {
  const stored: Partial<DataConfig> = data;
  return stored.fit ?? 'crop';
}

export function badImagesOf(data: DataConfig): BadImagesKind {
  const stored: Partial<DataConfig> = data;
  return stored.badImages ?? 'refuse';
}

export function evaluationSplit(data: DataConfig): EvaluationSplit {
  if (data.source === 'builtin-mnist') return 'test';
  return testPathOf(data) !== '' ? 'test' : 'held-out';
}

/**
 * Whether a run with these settings evaluates nothing: no test split and no held-out share, or a
 * limit whose held-out share (which sizes the test images under a limit) is 0.
 */
export function evaluatesNothing(data: DataConfig): boolean {
  if (data.heldOutFraction > 0) return false;
  return evaluationSplit(data) === 'held-out' || data.limit > 0;
}

/** How many images of each split a run uses: `limit` caps them together (see prepareSplit). */
export interface SplitSizes {
  train: number;
  evaluation: number;
}

/**
 * The loader's rule for sizes, given how many images pass the label filter in each split (`test` is
 * null without a test split): a held-out share is never all the images and at least one when any is
 * asked for; with a test split the whole of both are used unless `limit` caps them, and then the
 * held-out share of the limit comes from the test split.
 */
export function splitSizes(data: DataConfig, train: number, test: number | null): SplitSizes {
  const limit = data.limit > 0 ? data.limit : 0;
  if (test === null) {
    const used = limit > 0 ? Math.min(limit, train) : train;
    const held = heldOutCount(used, data.heldOutFraction);
    return { train: used - held, evaluation: held };
  }
  if (limit === 0) return { train, evaluation: test };
  const held = heldOutCount(limit, data.heldOutFraction);
  return { train: Math.min(train, limit - held), evaluation: Math.min(test, held) };
}

/** How many of `n` images go to held-out: never all of them, and at least one if any are asked for. */
export function heldOutCount(n: number, fraction: number): number {
  if (n < 2 || !(fraction > 0)) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}

/**
 * Why a Bernoulli likelihood's number is not a log-likelihood here, or null when it is one: on
 * pixels that are not 0 or 1 (grey levels, unbinarized) its value is a cross-entropy, not the log
 * of a normalised probability, and cannot be set beside published log-likelihoods.
 * `binaryPixels`: whether the data set's pixels are all 0 or 1 (null: not known yet).
 */
export function bernoulliWarning(data: DataConfig, likelihood: string, binaryPixels: boolean | null): string | null {
  if (likelihood !== 'bernoulli' || binarizationOf(data) !== 'none') return null;
  const grey = data.source === 'builtin-mnist' || binaryPixels === false;
  if (!grey) return null;
  return (
    'A Bernoulli likelihood on grey pixels (binarization none): its value is a cross-entropy, not a normalised ' +
    'log-likelihood, so it cannot be compared with published numbers. Choose dynamic or static binarization for that.'
  );
}
