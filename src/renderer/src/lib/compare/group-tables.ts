// Compare's tables when runs are grouped: one column per group. A result reads "mean ± std" over the
// group's runs with n beside it (a group where only some runs finished says so), the best mean of a
// row marked; a setting reads the group's value, or its values when the group mixes them (the seed,
// typically, when grouping by all but the seed).

import { summarize, type Summary } from '../../../../shared/run-groups.ts';
import type { RunRecord } from '../../../../shared/training.ts';
import { formatCount, formatDuration, formatLoss } from '../format.ts';
import type { HyperparamRow } from './hyperparams.ts';
import { markBest, type Better } from './metrics.ts';

export interface GroupMetricCell {
  /** "mean ± std", or the one value of a group with a single run. */
  text: string;
  /** How many of the group's runs have the value, e.g. "n = 4". */
  note: string;
  best: boolean;
  summary: Summary | null;
}

export interface GroupMetricRow {
  key: string;
  label: string;
  title: string;
  cells: GroupMetricCell[];
}

interface GroupRowSpec {
  key: string;
  label: string;
  title: string;
  better: Better;
  format: (v: number) => string;
  /** Said once after "mean ± std", not after each. */
  unit?: string;
}

const GROUP_ROWS: readonly GroupRowSpec[] = [
  {
    key: 'heldOut.total',
    label: 'Held-out −ELBO',
    title:
      'Negative ELBO on held-out images after the last epoch, nats per image: mean ± sample std over the group (lower is better)',
    better: 'lower',
    format: formatLoss,
  },
  {
    key: 'heldOut.recon',
    label: 'Held-out reconstruction',
    title: 'Reconstruction term of the held-out loss: mean ± sample std over the group (lower is better)',
    better: 'lower',
    format: formatLoss,
  },
  {
    key: 'heldOut.kl',
    label: 'Held-out KL',
    title:
      'KL term of the held-out loss: mean ± sample std. Neither direction is better: a low KL can mean collapsed latent dimensions',
    better: null,
    format: formatLoss,
  },
  {
    key: 'train.total',
    label: 'Training −ELBO',
    title: 'Negative ELBO on the training images over the last epoch: mean ± sample std over the group',
    better: 'lower',
    format: formatLoss,
  },
  {
    key: 'imagesPerSec',
    label: 'Speed',
    title: 'Training images per second: mean ± sample std over the group (higher is better)',
    better: 'higher',
    format: (v) => (v >= 100 ? formatCount(v) : String(Number(v.toFixed(1)))),
    unit: ' img/s',
  },
  {
    key: 'durationSec',
    label: 'Duration',
    title: 'Time from start to finish: mean ± sample std over the group',
    better: null,
    format: (s) => formatDuration(s * 1000),
  },
];

/** "mean ± std", the std left out when one run makes no spread. */
export function meanText(s: Summary | null, format: (v: number) => string, unit = ''): string {
  if (!s) return '—';
  return (Number.isFinite(s.std) ? `${format(s.mean)} ± ${format(s.std)}` : format(s.mean)) + unit;
}

export function groupMetricRows(groups: readonly { runs: readonly RunRecord[] }[]): GroupMetricRow[] {
  return GROUP_ROWS.map((spec) => {
    const summaries = groups.map((g) => summarize(g.runs, spec.key));
    const best = markBest(
      summaries.map((s) => s?.mean ?? null),
      spec.better,
    );
    return {
      key: spec.key,
      label: spec.label,
      title: spec.title,
      cells: summaries.map((s, i) => ({
        text: meanText(s, spec.format, spec.unit),
        note: `n = ${s?.n ?? 0}${s && s.n < (groups[i]?.runs.length ?? 0) ? ` of ${groups[i]?.runs.length}` : ''}`,
        best: best[i] ?? false,
        summary: s,
      })),
    };
  });
}

/** Distinct values shown in full up to this many; more read as a count. */
const MAX_LISTED = 3;

/**
 * The hyperparameter rows with one value per group instead of per run: a group's one value, or
 * its distinct values ("1, 2, 3", or "5 values"). `members` holds each group's indexes into the
 * runs the rows were computed over. Whether a row differs stays as among the runs, so the seed
 * that varies inside every group still shows by default.
 */
export function groupHyperparamRows(rows: readonly HyperparamRow[], members: readonly (readonly number[])[]): HyperparamRow[] {
  return rows.map((row) => ({
    ...row,
    values: members.map((indexes) => {
      const distinct = [...new Set(indexes.map((i) => row.values[i] ?? '—'))];
      if (distinct.length <= MAX_LISTED) return distinct.join(', ');
      return `${distinct.length} values`;
    }),
  }));
}
