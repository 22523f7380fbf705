// The Runs table's columns: any setting (a FIELDS path) or metric (METRICS), named by the same value
// keys as the filter, grouping and Compare (src/shared/run-values.ts), plus a few facts of the run
// itself (when it was created, its preset, backend and model). How each reads, sorts and how wide it is.

import { FIELDS, fieldSpec } from '../../../shared/config.ts';
import { keyLabel, metricSpec, METRICS, type RunValue } from '../../../shared/run-values.ts';
import type { SortDirection } from '../../../shared/run-sort.ts';
import { formatCount, formatDayAndTime, formatDuration, formatLoss, formatNumber } from './format.ts';

export { columnValue, sortByColumn, type SortDirection } from '../../../shared/run-sort.ts';

/** The metric every row shows, pinned at the right edge so no column choice or window width hides it. */
export const KEY_METRIC = 'heldOut.total';

/** Facts of the run that are neither settings nor metrics. */
const RUN_FACTS: Record<string, { label: string; short: string; title: string }> = {
  created: { label: 'Created', short: 'Created', title: 'When the run was created' },
  preset: { label: 'Preset', short: 'Preset', title: 'The preset the run started from' },
  backend: { label: 'Backend', short: 'Backend', title: 'Where it trained (tensorflow, webgl, cpu…)' },
  worker: { label: 'Worker', short: 'Worker', title: 'The queue worker (and its host) that trained it; empty: this machine' },
  model: { label: 'Model', short: 'Model', title: 'Encoder → decoder' },
};

/** Header text for the settings people pick most; the rest use their form label. */
const SHORT: Record<string, string> = {
  'model.latentDim': 'Latent',
  'loss.beta': 'β',
  'optim.learningRate': 'LR',
  'optim.batchSize': 'Batch',
  'optim.epochs': 'Epochs',
  'run.seed': 'Seed',
  'loss.samples': 'K',
  'data.limit': 'Images',
  'data.heldOutFraction': 'Held out',
};

export const DEFAULT_COLUMNS: readonly string[] = [
  'model.latentDim',
  'loss.beta',
  'optim.learningRate',
  'run.seed',
  'heldOut.kl',
  'durationSec',
  'created',
];

export interface ColumnSpec {
  key: string;
  /** Header text. */
  short: string;
  /** Full name, for the chooser and the header's tooltip. */
  label: string;
  title: string;
  numeric: boolean;
  metric: boolean;
  /** CSS grid track width. */
  width: string;
}

export function isColumnKey(key: string): boolean {
  return key in RUN_FACTS || fieldSpec(key) !== undefined || metricSpec(key) !== undefined;
}

/** What the chooser offers, in its groups (run.name is the name column, always there). */
export function columnChoices(): { group: string; keys: string[] }[] {
  return [
    { group: 'Metrics', keys: METRICS.map((m) => m.key).filter((k) => k !== KEY_METRIC) },
    { group: 'Settings', keys: FIELDS.map((f) => f.path).filter((p) => p !== 'run.name') },
    { group: 'Run', keys: Object.keys(RUN_FACTS) },
  ];
}

export function columnSpec(key: string): ColumnSpec {
  const fact = RUN_FACTS[key];
  if (fact) {
    const width = key === 'model' || key === 'worker' ? '150px' : key === 'created' ? '118px' : '84px';
    return { key, ...fact, numeric: false, metric: false, width };
  }
  const metric = metricSpec(key);
  if (metric)
    return { key, short: metric.short, label: metric.label, title: metric.help, numeric: true, metric: true, width: '80px' };
  const field = fieldSpec(key);
  const numeric = field?.kind === 'number' || field?.kind === 'integer';
  const label = keyLabel(key);
  const short = SHORT[key] ?? label;
  return { key, short, label, title: field?.help ?? label, numeric, metric: false, width: numeric ? '64px' : '104px' };
}

export function formatValue(key: string, value: RunValue, now = Date.now()): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  switch (key) {
    case 'created': {
      const { day, time } = formatDayAndTime(value, now);
      return `${day} ${time}`;
    }
    case 'durationSec':
      return formatDuration(value * 1000);
    case 'imagesPerSec':
      return formatCount(Math.round(value));
    case 'epoch':
    case 'step':
      return formatCount(value);
  }
  if (key.startsWith('heldOut.') || key.startsWith('train.') || key === 'eval.nll') return formatLoss(value);
  if (key === 'eval.bitsPerDim') return value.toFixed(4);
  if (key === 'eval.mutualInfo') return value.toFixed(2);
  return formatNumber(value);
}

/** Newest, best and longest first is what one looks for; names and settings read low to high. */
export function defaultDirection(key: string): SortDirection {
  if (key === 'created' || key === 'durationSec' || key === 'epoch' || key === 'step' || key === 'imagesPerSec') return 'desc';
  return 'asc';
}
