// The experiment form's logic: text typed into a field becomes a config value (possibly an invalid
// one, which validateConfig then explains), values become text again, and errors are keyed by field.

import {
  FIELD_GROUPS,
  fieldSpec,
  getPath,
  type DataConfig,
  type ExperimentConfig,
  type FieldGroup,
  type FieldSpec,
} from '../../../shared/config.ts';
import type { DatasetSummary } from '../../../shared/contract.ts';
import {
  badImagesOf,
  channelsOf,
  evaluationSplit,
  fitOf,
  splitSizes,
  testPathOf,
  validationFractionOf,
  validationShare,
  watchesValidation,
  type EvaluationSplit,
} from '../../../shared/data-split.ts';
import { DEFAULT_CONFIG } from '../../../shared/presets.ts';
import { parseDecimal } from '../../../shared/validate.ts';
import type { AppError, FieldError } from '../../../shared/result.ts';
import { formatNumber } from './format.ts';

export const GROUP_ORDER: readonly FieldGroup[] = ['data', 'model', 'loss', 'optim', 'run'];

export function visibleFields(group: FieldGroup, config: ExperimentConfig): FieldSpec[] {
  return FIELD_GROUPS[group].fields.filter((f) => !f.visibleWhen || f.visibleWhen(config));
}

/**
 * The form's "Schedules & regularisation" section: the training controls of the loss and the
 * optimisation groups, in two rows (what shapes the objective, then the rate and stopping).
 */
export function controlFieldRows(config: ExperimentConfig): FieldSpec[][] {
  return (['loss', 'optim'] as const).map((g) => visibleFields(g, config).filter((f) => f.controls));
}

/**
 * Text to a value. Unparseable text is kept as is (a number field gets NaN, a list keeps the
 * string), so validation reports it next to the field instead of the input silently reverting.
 */
export function parseFieldInput(spec: FieldSpec, text: string): unknown {
  switch (spec.kind) {
    case 'number':
    case 'integer':
      // Decimal only, as the CLI's --set: '0x10' or '1e400' are typos here, not 16 or Infinity.
      return parseDecimal(text.trim()) ?? NaN;
    case 'intList': {
      const parts = text.split(/[\s,]+/).filter(Boolean);
      const values = parts.map((p) => parseDecimal(p) ?? NaN);
      return values.every((v) => Number.isInteger(v)) ? values : text;
    }
    case 'enum':
    case 'string':
      return text;
  }
}

export function formatFieldValue(spec: FieldSpec, value: unknown): string {
  if (spec.kind === 'intList' && Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  return typeof value === 'string' ? value : '';
}

/** The first message per field, so each input shows one reason. */
export function errorsByField(fields: readonly FieldError[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields ?? []) out[f.field] ??= f.message;
  return out;
}

/** A server-side config error names fields; anything else is about the run as a whole. */
export function fieldErrorsOf(error: AppError): FieldError[] {
  if (error.fields?.length) return error.fields;
  return error.field ? [{ field: error.field, message: error.message }] : [];
}

/** Readable names for enum options; the raw option is what the config stores. */
export const OPTION_LABELS: Record<string, Record<string, string>> = {
  'data.source': { 'builtin-mnist': 'Built-in MNIST', csv: 'CSV file', idx: 'IDX files', folder: 'Image folder' },
  'data.fit': { crop: 'Crop to fill', pad: 'Pad to fit' },
  'data.badImages': { skip: 'Skip them', refuse: 'Refuse the folder' },
  'data.binarization': { none: 'None (0..1)', dynamic: 'Dynamic', static: 'Static' },
  'model.encoder': { 'seed-conv': 'Seed conv (notebook)', mlp: 'MLP', conv: 'Conv (stride 2)' },
  'model.decoder': { seed: 'Seed dense + LayerNorm', mlp: 'MLP', deconv: 'Transposed conv' },
  'model.sigma': { abs: '|h| (notebook)', softplus: 'softplus(h)', logvar: 'log-variance' },
  'model.init': { torch: 'PyTorch default', glorot: 'Glorot (Keras)' },
  'model.conditional': { none: 'Nothing (a plain VAE)', label: 'The label (conditional VAE)' },
  'loss.likelihood': { gaussian: 'Gaussian', bernoulli: 'Bernoulli' },
  'optim.optimizer': { adam: 'Adam', sgd: 'SGD', rmsprop: 'RMSprop' },
  'run.threading': { data: 'Split the batch', kernels: 'Split each product' },
  'loss.klSchedule': { constant: 'Constant', linear: 'Linear warm-up', cyclical: 'Cyclical' },
  'loss.objective': { elbo: 'ELBO (K-sample average)', iwae: 'IWAE (K inside the log)' },
  'optim.lrSchedule': {
    constant: 'Constant',
    step: 'Step',
    exponential: 'Exponential',
    cosine: 'Cosine',
    plateau: 'Reduce on plateau',
  },
  'run.backend': { auto: 'Automatic', tensorflow: 'TensorFlow (native)', wasm: 'WebAssembly', cpu: 'Plain JS (cpu)' },
};

/**
 * Integer settings with only a few meaningful values, offered as a select of these (value, label)
 * instead of a number box (where 2 channels would be a typo the form could have prevented).
 */
export const INTEGER_CHOICES: Record<string, readonly (readonly [number, string])[]> = {
  'data.channels': [
    [1, 'Greyscale'],
    [3, 'Colour (RGB)'],
  ],
};

export function optionLabel(path: string, option: string): string {
  return OPTION_LABELS[path]?.[option] ?? option;
}

/** Text as is; anything else as JSON (so an object never prints as "[object Object]"). */
function plainText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
}

/** A setting as a reader sees it (option labels, 1e-3 rather than 0.001, "all" for no label filter). */
export function settingText(config: ExperimentConfig, path: string): string {
  // A run stored before a setting existed ran as its default says (new settings default to the old behaviour).
  const value = getPath(config, path) ?? getPath(DEFAULT_CONFIG, path);
  const spec = fieldSpec(path);
  if (!spec) return value === undefined ? '—' : plainText(value);
  if (spec.kind === 'enum') return optionLabel(path, plainText(value));
  const choice = INTEGER_CHOICES[path]?.find(([v]) => v === value);
  if (choice) return choice[1];
  if (spec.kind === 'number' && typeof value === 'number') return formatNumber(value);
  if (spec.kind === 'intList' && Array.isArray(value) && value.length === 0) return 'all';
  const text = formatFieldValue(spec, value);
  return text === '' ? '—' : text;
}

/** What identifies a data set to inspect: a summary stays valid while these are unchanged. */
export function datasetKey(data: DataConfig): string {
  // An image folder's decoded images also depend on its channels, fit and bad-file settings.
  const folder = data.source === 'folder' ? [channelsOf(data), fitOf(data), badImagesOf(data)] : [];
  return JSON.stringify([
    data.source,
    data.path,
    data.labelsPath,
    testPathOf(data),
    data.imageHeight,
    data.imageWidth,
    ...folder,
  ]);
}

export interface PlannedSplit {
  used: number;
  train: number;
  /** Images evaluated: the test split's, or the held-out share's, as `evaluation` says. */
  heldOut: number;
  /** Training images kept out for early stopping and reduce-on-plateau to watch (0: none). */
  validation: number;
  evaluation: EvaluationSplit;
}

/** Images of a split whose labels pass the filter (all of them when there is no filter or no labels). */
function filteredCount(count: number, labelCounts: number[] | null, labels: number[]): number {
  if (labels.length === 0 || !labelCounts) return count;
  const wanted = new Set(labels);
  return labelCounts.reduce((sum, n, label) => (wanted.has(label) ? sum + n : sum), 0);
}

/** How many images a run with these settings would train on and evaluate (the loader's rule, shared). */
export function plannedSplit(summary: DatasetSummary, config: ExperimentConfig): PlannedSplit {
  const { data } = config;
  const train = filteredCount(summary.count, summary.labelCounts, data.labels);
  const test = summary.test ? filteredCount(summary.test.count, summary.test.labelCounts, data.labels) : null;
  const sizes = splitSizes(data, train, test, test === null ? 0 : validationShare(config));
  return {
    used: sizes.train + sizes.validation + sizes.evaluation,
    train: sizes.train,
    heldOut: sizes.evaluation,
    validation: sizes.validation,
    evaluation: test === null ? 'held-out' : 'test',
  };
}

/** The split a run's held-out metrics come from, in a few words (the run page). */
export function evaluationLabel(data: DataConfig): string {
  if (evaluationSplit(data) === 'test')
    return data.source === 'builtin-mnist' ? 'MNIST test split' : data.source === 'folder' ? 'Test folder' : 'Test file';
  return `Held-out ${formatNumber(Math.round(data.heldOutFraction * 1000) / 10)}% of training`;
}

/**
 * What early stopping and reduce-on-plateau watch when that is not simply the evaluated split, in
 * words; null when neither is on or the run has no test split (they then watch the held-out share).
 */
export function watchedText(config: ExperimentConfig): string | null {
  if (!watchesValidation(config)) return null;
  const share = formatNumber(Math.round(validationFractionOf(config.data) * 1000) / 10);
  return `Early stopping and reduce-on-plateau watch a validation share (${share}% of the training images), never the test split.`;
}

/** What a run with these settings evaluates on, in words, before its data is checked. */
export function evaluationText(data: DataConfig): string {
  if (evaluationSplit(data) === 'test') {
    return data.source === 'builtin-mnist'
      ? "Evaluated on MNIST's standard test split (10,000 digits)."
      : `Evaluated on the test ${data.source === 'folder' ? 'folder' : 'file'}.`;
  }
  const share = `${formatNumber(Math.round(data.heldOutFraction * 1000) / 10)}%`;
  return data.heldOutFraction > 0
    ? `No test split: evaluated on a held-out ${share} of the training images.`
    : 'No test split and nothing held out: no evaluation.';
}
