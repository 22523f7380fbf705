// Which images a run evaluates on, decided from its data settings alone (no file is read), so the
// form, the CLI, the run page and the loader all give the same answer, and a stored run's config
// says which split its held-out metrics came from.

import type { BadImagesKind, BinarizationKind, DataConfig, ExperimentConfig, FitKind, OptimConfig } from './config.ts';

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
 * Runs stored before the setting existed carved no validation share: with a test split their early
 * stopping and reduce-on-plateau watched it, and a resumed one must go on doing what it did.
 */
export function validationFractionOf(data: DataConfig): number {
  const stored: Partial<DataConfig> = data;
  return stored.validationFraction ?? 0;
}

/** Whether early stopping or reduce-on-plateau is on: the training decisions that watch a split. */
export function watchesAnySplit(optim: OptimConfig): boolean {
  // Read as stored: configs from before the training controls lack both (and had neither).
  const stored: Partial<OptimConfig> = optim;
  return (stored.earlyStopPatience ?? 0) > 0 || stored.lrSchedule === 'plateau';
}

/**
 * Whether a run carves a validation share from its training images: it evaluates on a test split
 * and early stopping or reduce-on-plateau is on. Their decisions (and the best checkpoint) must not
 * come from the test split, or its numbers are tuned on. Without a test split they watch the seeded
 * held-out share, which is no test set.
 */
export function watchesValidation(config: ExperimentConfig): boolean {
  return evaluationSplit(config.data) === 'test' && watchesAnySplit(config.optim);
}

/** The share of the training images a run holds out as its validation split (0: none). */
export function validationShare(config: ExperimentConfig): number {
  return watchesValidation(config) ? validationFractionOf(config.data) : 0;
}

/** What a run's early stopping, reduce-on-plateau and best checkpoint watch, epoch by epoch. */
export type WatchedSplit = 'validation' | 'test' | 'held-out' | 'train';

/**
 * The split a run's epoch-end decisions watch. Without a validation share or a held-out one they
 * watch the training −ELBO; `test` only for runs stored before validation shares existed.
 */
export function watchedSplit(config: ExperimentConfig, evaluatesSomething: boolean): WatchedSplit {
  if (validationShare(config) > 0) return 'validation';
  if (!evaluatesSomething) return 'train';
  return evaluationSplit(config.data);
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
  /** Carved from the training images (see `validationShare`); 0 without one. */
  validation: number;
}

/**
 * The loader's rule for sizes, given how many images pass the label filter in each split (`test` is
 * null without a test split): a held-out share is never all the images and at least one when any is
 * asked for; with a test split the whole of both are used unless `limit` caps them, and then the
 * held-out share of the limit comes from the test split. `validationFraction` (see
 * `validationShare`) then takes its share of the training images.
 */
export function splitSizes(data: DataConfig, train: number, test: number | null, validationFraction = 0): SplitSizes {
  const limit = data.limit > 0 ? data.limit : 0;
  if (test === null) {
    const used = limit > 0 ? Math.min(limit, train) : train;
    const held = heldOutCount(used, data.heldOutFraction);
    return { train: used - held, evaluation: held, validation: 0 };
  }
  const trained = limit === 0 ? train : Math.min(train, limit - heldOutCount(limit, data.heldOutFraction));
  const evaluation = limit === 0 ? test : Math.min(test, heldOutCount(limit, data.heldOutFraction));
  // The validation share comes out of the training images, so the test split stays whole.
  const validation = heldOutCount(trained, validationFraction);
  return { train: trained - validation, evaluation, validation };
}

/** How many of `n` images go to held-out: never all of them, and at least one if any are asked for. */
export function heldOutCount(n: number, fraction: number): number {
  if (n < 2 || !(fraction > 0)) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}

/**
 * Why a Bernoulli likelihood's number is not a log-likelihood here, or null when it is one: on
 * pixels that are not 0 or 1 (grey levels or colour values, unbinarized) its value is a
 * cross-entropy, not the log of a normalised probability, and cannot be set beside published
 * log-likelihoods. `binaryPixels`: whether the data set's pixels are all 0 or 1 (null: not known yet).
 */
export function bernoulliWarning(data: DataConfig, likelihood: string, binaryPixels: boolean | null): string | null {
  if (likelihood !== 'bernoulli' || binarizationOf(data) !== 'none') return null;
  // Photographs are not binary; a colour folder is warned about before its check says so.
  if (channelsOf(data) === 3 && binaryPixels !== true) {
    return (
      'A Bernoulli likelihood on colour pixels: each red, green and blue value in [0, 1] is scored as if it were ' +
      'the probability of a black-or-white pixel, so the loss is a cross-entropy that is not zero even for a ' +
      'perfect reconstruction, and not a log-likelihood of the image. It still trains; for a likelihood of the ' +
      'colour values themselves choose the Gaussian likelihood (Loss section), which treats each channel as continuous.'
    );
  }
  const grey = data.source === 'builtin-mnist' || binaryPixels === false;
  if (!grey) return null;
  return (
    'A Bernoulli likelihood on grey pixels (binarization none): its value is a cross-entropy, not a normalised ' +
    'log-likelihood, so it cannot be compared with published numbers. Choose dynamic or static binarization for that.'
  );
}
