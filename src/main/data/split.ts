// The deterministic filter, limit, split and binarization that turn a loaded source into what a run
// trains and evaluates on. Loaders never filter: the same file gives the same data set (and
// fingerprint) whatever the experiment asks of it.

import type { DataConfig } from '../../shared/config.ts';
import { binarizationOf, channelsOf, heldOutCount, splitSizes } from '../../shared/data-split.ts';
import { deriveSeed, makeRng, shuffleInPlace } from '../../shared/random.ts';
import { binarizeOnce, EVALUATION_BINARIZATION_SEED } from './binarize.ts';
import { badData, subset, type Dataset, type DatasetSplit } from './dataset.ts';

export { heldOutCount };

function filterByLabel(ds: Dataset, wanted: number[]): Uint32Array {
  if (wanted.length === 0) {
    const all = new Uint32Array(ds.count);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  if (!ds.labels) {
    throw badData(`${ds.name} has no labels, so it cannot be filtered to labels [${wanted.join(', ')}]; clear the label filter`);
  }
  const keep = new Set(wanted);
  const out = new Uint32Array(ds.count);
  let n = 0;
  for (let i = 0; i < ds.count; i++) if (keep.has(ds.labels[i]!)) out[n++] = i;
  if (n === 0) {
    const present = [...new Set(ds.labels)].sort((a, b) => a - b);
    throw badData(`no images in ${ds.name} have labels [${wanted.join(', ')}]; its labels are [${present.join(', ')}]`);
  }
  return out.slice(0, n);
}

function checkImageSize(ds: Dataset, cfg: DataConfig): void {
  if (ds.height !== cfg.imageHeight || ds.width !== cfg.imageWidth) {
    throw badData(`${ds.name} has ${ds.height}x${ds.width} images, but the config expects ${cfg.imageHeight}x${cfg.imageWidth}`);
  }
  const channels = ds.channels ?? 1;
  if (channels !== channelsOf(cfg)) {
    const kind = (c: number) => (c === 3 ? '3-channel (RGB)' : '1-channel (grayscale)');
    throw badData(
      `${ds.name} has ${kind(channels)} images, but the config expects ${kind(channelsOf(cfg))} ones (data.channels)`,
    );
  }
}

/**
 * The test subset a limit takes is drawn with this fixed seed, not the run's: runs with different
 * seeds are then evaluated on the same test images.
 */
const TEST_SUBSET_SEED = 0x7e57;

/**
 * Label filter, then `cfg.limit`, then the evaluation images, each part from one seeded shuffle of
 * the filtered positions, taking prefixes: a smaller limit picks a subset of a larger one's images.
 * Without a test split the first held-out share of the used images is held out (seeded by the run);
 * with one, every training image is trained on and the test split evaluated, the limit (when set)
 * taking its held-out share from the test split. Sizes follow `splitSizes`, which the form mirrors.
 * `validationFraction` (a run's `validationShare`) carves a validation split from the training part.
 */
export function prepareSplit(
  ds: Dataset & { test?: Dataset | null },
  cfg: DataConfig,
  seed: number,
  validationFraction = 0,
): DatasetSplit {
  checkImageSize(ds, cfg);
  const test = ds.test ?? null;
  if (test) checkImageSize(test, cfg);
  const order = shuffleInPlace(filterByLabel(ds, cfg.labels), makeRng(deriveSeed(seed, 'data-split')));
  let trainIndices: Uint32Array;
  let heldOutIndices: Uint32Array;
  let validationIndices = new Uint32Array(0);
  if (test === null) {
    const sizes = splitSizes(cfg, order.length, null);
    const used = order.subarray(0, sizes.train + sizes.evaluation);
    // Source order within each part keeps subsets easy to inspect; training shuffles per epoch anyway.
    heldOutIndices = used.slice(0, sizes.evaluation).sort();
    trainIndices = used.slice(sizes.evaluation).sort();
  } else {
    const testOrder = shuffleInPlace(filterByLabel(test, cfg.labels), makeRng(TEST_SUBSET_SEED));
    const sizes = splitSizes(cfg, order.length, testOrder.length, validationFraction);
    // The validation share is the front of the training part: with none, training takes the same prefix as ever.
    validationIndices = order.slice(0, sizes.validation).sort();
    trainIndices = order.slice(sizes.validation, sizes.validation + sizes.train).sort();
    heldOutIndices = testOrder.slice(0, sizes.evaluation).sort();
  }
  const binarization = binarizationOf(cfg);
  let train = subset(ds, trainIndices);
  let heldOut = subset(test ?? ds, heldOutIndices);
  if (binarization === 'static') train = binarizeOnce(train, trainIndices, deriveSeed(seed, 'binarize-static'));
  if (binarization !== 'none') heldOut = binarizeOnce(heldOut, heldOutIndices, EVALUATION_BINARIZATION_SEED);
  let validation = validationIndices.length > 0 ? subset(ds, validationIndices) : null;
  // Drawn once like the evaluation images, so epochs are scored on the same binary images.
  if (validation && binarization !== 'none')
    validation = binarizeOnce(validation, validationIndices, EVALUATION_BINARIZATION_SEED);
  return {
    train,
    heldOut,
    validation,
    evaluation: test ? 'test' : 'held-out',
    binarization,
    trainIndices,
    heldOutIndices,
    validationIndices,
  };
}
