// What can be read off a run as one value: any setting of its config (by dotted path) or one of its
// metrics. The Runs table's columns, the filter language, grouping, Compare's tables, the parallel
// coordinates plot and "which settings matter" all name values with these keys, so a column, a
// filter term and a plot axis for the same thing always agree.

import { FIELDS, fieldSpec, getPath } from './config.ts';
import type { RunRecord } from './training.ts';

export type MetricKey =
  | 'heldOut.total'
  | 'heldOut.recon'
  | 'heldOut.kl'
  | 'train.total'
  | 'train.recon'
  | 'train.kl'
  | 'imagesPerSec'
  | 'epoch'
  | 'step'
  | 'durationSec'
  | 'eval.nll'
  | 'eval.bitsPerDim'
  | 'eval.activeUnits'
  | 'eval.mutualInfo';

export interface MetricSpec {
  key: MetricKey;
  label: string;
  /** A column header's few characters. */
  short: string;
  /** For "best": lower held-out negative ELBO is better, higher throughput is. */
  lowerIsBetter: boolean;
  help: string;
}

export const METRICS: readonly MetricSpec[] = [
  {
    key: 'heldOut.total',
    label: 'Held-out −ELBO',
    short: '−ELBO',
    lowerIsBetter: true,
    help: 'Negative ELBO per image on the held-out set, in nats.',
  },
  {
    key: 'heldOut.recon',
    label: 'Held-out reconstruction',
    short: 'Recon',
    lowerIsBetter: true,
    help: 'Reconstruction term of the held-out −ELBO (distortion), nats.',
  },
  {
    key: 'heldOut.kl',
    label: 'Held-out KL',
    short: 'KL',
    lowerIsBetter: true,
    help: 'KL term of the held-out −ELBO (rate), nats.',
  },
  {
    key: 'train.total',
    label: 'Train −ELBO',
    short: 'Train',
    lowerIsBetter: true,
    help: 'Negative ELBO per image on the training set at the end, nats.',
  },
  {
    key: 'train.recon',
    label: 'Train reconstruction',
    short: 'Train recon',
    lowerIsBetter: true,
    help: 'Reconstruction term on the training set, nats.',
  },
  { key: 'train.kl', label: 'Train KL', short: 'Train KL', lowerIsBetter: true, help: 'KL term on the training set, nats.' },
  { key: 'imagesPerSec', label: 'Images / s', short: 'img/s', lowerIsBetter: false, help: 'Training throughput.' },
  { key: 'epoch', label: 'Epochs done', short: 'Epoch', lowerIsBetter: false, help: 'Epochs completed.' },
  { key: 'step', label: 'Steps done', short: 'Step', lowerIsBetter: false, help: 'Optimizer steps completed.' },
  {
    key: 'durationSec',
    label: 'Duration (s)',
    short: 'Time',
    lowerIsBetter: true,
    help: 'Seconds from start to finish (or to now).',
  },
  {
    key: 'eval.nll',
    label: 'NLL_k',
    short: 'NLL',
    lowerIsBetter: true,
    help: "Importance-weighted negative log-likelihood of the run's headline evaluation (its latest evaluated checkpoint, largest k), nats.",
  },
  {
    key: 'eval.bitsPerDim',
    label: 'Bits / dim',
    short: 'bits/dim',
    lowerIsBetter: true,
    help: 'NLL_k / (pixels × ln 2).',
  },
  {
    key: 'eval.activeUnits',
    label: 'Active units',
    short: 'AU',
    lowerIsBetter: false,
    help: 'Latent dimensions whose posterior mean varies over images by more than 0.01 (Burda et al.).',
  },
  {
    key: 'eval.mutualInfo',
    label: 'I(x; z)',
    short: 'MI',
    lowerIsBetter: false,
    help: 'Mutual information between an image and its code under the encoder, nats (He et al. 2019).',
  },
];

const METRIC_BY_KEY = new Map<string, MetricSpec>(METRICS.map((m) => [m.key, m]));

export function metricSpec(key: string): MetricSpec | undefined {
  return METRIC_BY_KEY.get(key);
}

/** Short names people type in a filter or on the command line, for the keys they use most. */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  latent: 'model.latentDim',
  z: 'model.latentDim',
  beta: 'loss.beta',
  lr: 'optim.learningRate',
  bs: 'optim.batchSize',
  batch: 'optim.batchSize',
  epochs: 'optim.epochs',
  seed: 'run.seed',
  samples: 'loss.samples',
  likelihood: 'loss.likelihood',
  encoder: 'model.encoder',
  decoder: 'model.decoder',
  optimizer: 'optim.optimizer',
  elbo: 'heldOut.total',
  nelbo: 'heldOut.total',
  loss: 'heldOut.total',
  recon: 'heldOut.recon',
  kl: 'heldOut.kl',
  throughput: 'imagesPerSec',
  nll: 'eval.nll',
  bpd: 'eval.bitsPerDim',
  au: 'eval.activeUnits',
  mi: 'eval.mutualInfo',
};

/**
 * The key a name refers to: an alias, a metric key, a full setting path, or a setting's last part
 * when only one setting has it (`latentDim`, `learningRate`). Null when it names nothing.
 */
export function resolveKey(name: string): string | null {
  const alias = KEY_ALIASES[name];
  if (alias !== undefined) return alias;
  if (METRIC_BY_KEY.has(name) || fieldSpec(name)) return name;
  const bySuffix = FIELDS.filter((f) => f.path.split('.')[1] === name);
  return bySuffix.length === 1 && bySuffix[0] ? bySuffix[0].path : null;
}

/** Every key a value can be read by: settings first (in form order), then metrics. */
export function allKeys(): string[] {
  return [...FIELDS.map((f) => f.path), ...METRICS.map((m) => m.key)];
}

export function keyLabel(key: string): string {
  return metricSpec(key)?.label ?? fieldSpec(key)?.label ?? key;
}

export type RunValue = number | string | null;

/** A run's value for `key`; null when the run has none (no held-out set, not finished). */
export function runValue(run: RunRecord, key: string, now = Date.now()): RunValue {
  switch (key) {
    case 'heldOut.total':
      return run.finalHeldOut?.total ?? null;
    case 'heldOut.recon':
      return run.finalHeldOut?.recon ?? null;
    case 'heldOut.kl':
      return run.finalHeldOut?.kl ?? null;
    case 'train.total':
      return run.finalTrain?.total ?? null;
    case 'train.recon':
      return run.finalTrain?.recon ?? null;
    case 'train.kl':
      return run.finalTrain?.kl ?? null;
    case 'imagesPerSec':
      return run.imagesPerSec;
    case 'epoch':
      return run.epoch;
    case 'step':
      return run.step;
    case 'eval.nll':
      return run.evaluation?.nll ?? null;
    case 'eval.bitsPerDim':
      return run.evaluation?.bitsPerDim ?? null;
    case 'eval.activeUnits':
      return run.evaluation?.activeUnits ?? null;
    case 'eval.mutualInfo':
      return run.evaluation?.mutualInfo ?? null;
    case 'durationSec':
      return run.startedAt === null ? null : ((run.finishedAt ?? now) - run.startedAt) / 1000;
    default: {
      const v = getPath(run.config, key);
      if (typeof v === 'number' || typeof v === 'string') return v;
      // Lists (hidden sizes, labels) compare and group as their text.
      if (Array.isArray(v)) return v.join(',');
      return null;
    }
  }
}

/** Settings whose values differ between the runs, in form order (run.name never counts). */
export function varyingSettings(runs: readonly RunRecord[]): string[] {
  const out: string[] = [];
  for (const f of FIELDS) {
    if (f.path === 'run.name') continue;
    const first = runs[0] ? runValue(runs[0], f.path) : null;
    if (runs.some((r) => runValue(r, f.path) !== first)) out.push(f.path);
  }
  return out;
}
