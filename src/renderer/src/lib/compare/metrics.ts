// The metrics table: how each run ended up (held-out loss, its best epoch, speed, time), one column
// per run, with the best value of each row marked where "best" has a direction.

import type { EpochMetric, RunRecord } from '../../../../shared/training.ts';
import { formatCount, formatDuration, formatLoss, formatRate } from '../format.ts';
import { isLive, runDuration } from '../runs-table.ts';

export type Better = 'lower' | 'higher' | null;

export interface MetricCell {
  text: string;
  /** Secondary text, e.g. the epoch a best value was reached at. */
  note: string;
  best: boolean;
}

export interface MetricRow {
  key: string;
  label: string;
  /** Explains the row (what it measures, why it has or has no best). */
  title: string;
  cells: MetricCell[];
}

export interface MetricSource {
  run: RunRecord;
  /** The run's epoch metrics; null until its history has loaded (the record alone says the rest). */
  epochs: readonly EpochMetric[] | null;
}

/**
 * Which values are the best of their row: all that tie for it. Nothing is marked when fewer than
 * two values are known or all known values are equal (marking every cell says nothing).
 */
export function markBest(values: readonly (number | null)[], better: Better): boolean[] {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (better === null || known.length < 2) return values.map(() => false);
  const target = better === 'lower' ? Math.min(...known) : Math.max(...known);
  if (known.every((v) => v === target)) return values.map(() => false);
  return values.map((v) => v === target);
}

/** The epoch with the lowest held-out negative ELBO, or null when none was measured. */
export function bestHeldOut(epochs: readonly EpochMetric[] | null): EpochMetric | null {
  let best: EpochMetric | null = null;
  for (const e of epochs ?? []) {
    const total = e.heldOut?.total;
    if (total === undefined || !Number.isFinite(total)) continue;
    if (!best || total < best.heldOut!.total) best = e;
  }
  return best;
}

function lastHeldOut(source: MetricSource) {
  if (source.run.finalHeldOut) return source.run.finalHeldOut;
  const epochs = source.epochs ?? [];
  for (let i = epochs.length - 1; i >= 0; i--) {
    const heldOut = epochs[i]?.heldOut;
    if (heldOut) return heldOut;
  }
  return null;
}

interface RowSpec {
  key: string;
  label: string;
  title: string;
  better: Better;
  value: (s: MetricSource, now: number) => number | null;
  text: (v: number | null, s: MetricSource) => string;
  note?: (s: MetricSource) => string;
  /** Whether the run's value may be marked best (a live run's duration is not final). */
  ranked?: (s: MetricSource) => boolean;
}

const ROWS: RowSpec[] = [
  {
    key: 'final-heldout',
    label: 'Held-out −ELBO',
    better: 'lower',
    title: 'Negative ELBO on held-out images after the last epoch, nats per image (lower is better)',
    value: (s) => lastHeldOut(s)?.total ?? null,
    text: (v) => formatLoss(v),
  },
  {
    key: 'best-heldout',
    label: 'Best held-out −ELBO',
    better: 'lower',
    title: 'The lowest held-out negative ELBO of any epoch, and the epoch it was reached at',
    value: (s) => bestHeldOut(s.epochs)?.heldOut?.total ?? null,
    text: (v) => formatLoss(v),
    note: (s) => {
      const best = bestHeldOut(s.epochs);
      return best ? `epoch ${best.epoch}` : '';
    },
  },
  {
    key: 'heldout-recon',
    label: 'Held-out reconstruction',
    better: 'lower',
    title: 'Reconstruction term of the held-out loss after the last epoch (lower is better)',
    value: (s) => lastHeldOut(s)?.recon ?? null,
    text: (v) => formatLoss(v),
  },
  {
    key: 'heldout-kl',
    label: 'Held-out KL',
    better: null,
    title:
      'KL term of the held-out loss after the last epoch. Neither direction is better: a low KL can mean collapsed latent dimensions',
    value: (s) => lastHeldOut(s)?.kl ?? null,
    text: (v) => formatLoss(v),
  },
  {
    key: 'nll',
    label: 'NLL_k',
    better: 'lower',
    title:
      "Importance-weighted negative log-likelihood of the run's latest evaluated checkpoint (largest k), nats per image; compare only at the same k, split and binarization",
    value: (s) => s.run.evaluation?.nll ?? null,
    text: (v) => formatLoss(v),
    note: (s) => {
      const e = s.run.evaluation;
      return e ? `k ${formatCount(e.k)}, ${formatCount(e.images)} ${e.split}` : '';
    },
  },
  {
    key: 'bits-per-dim',
    label: 'Bits / dim',
    better: 'lower',
    title: 'NLL_k / (pixels × ln 2)',
    value: (s) => s.run.evaluation?.bitsPerDim ?? null,
    text: (v) => (v === null ? '—' : v.toFixed(4)),
  },
  {
    key: 'active-units',
    label: 'Active units',
    better: null,
    title: 'Latent dimensions whose posterior mean varies over images by more than 0.01 (Burda et al.), of the latent size',
    value: (s) => s.run.evaluation?.activeUnits ?? null,
    text: (v, s) => (v === null ? '—' : `${v} / ${s.run.evaluation?.latentDim ?? s.run.config.model.latentDim}`),
  },
  {
    key: 'mutual-info',
    label: 'I(x; z)',
    better: null,
    title:
      'Mutual information between an image and its code under the encoder, nats (He et al. 2019); near 0 means posterior collapse',
    value: (s) => s.run.evaluation?.mutualInfo ?? null,
    text: (v) => (v === null ? '—' : v.toFixed(2)),
  },
  {
    key: 'train',
    label: 'Training −ELBO',
    better: 'lower',
    title: 'Negative ELBO on the training images over the last epoch; far below held-out means overfitting',
    value: (s) => s.run.finalTrain?.total ?? null,
    text: (v) => formatLoss(v),
  },
  {
    key: 'epochs',
    label: 'Epochs',
    better: null,
    title: 'Epochs completed of those planned',
    value: (s) => s.epochs?.length ?? null,
    text: (v, s) => `${v === null ? '—' : v} / ${s.run.config.optim.epochs}`,
  },
  {
    key: 'speed',
    label: 'Speed',
    better: 'higher',
    title: 'Training images per second (higher is better)',
    value: (s) => s.run.imagesPerSec ?? s.epochs?.at(-1)?.imagesPerSec ?? null,
    text: (v) => formatRate(v),
  },
  {
    key: 'duration',
    label: 'Duration',
    better: 'lower',
    title: 'Time from start to finish (or until now, for a live run)',
    value: (s, now) => runDuration(s.run, now),
    text: (v) => formatDuration(v),
    ranked: (s) => !isLive(s.run),
  },
  {
    key: 'backend',
    label: 'Backend',
    better: null,
    title: 'The TensorFlow.js backend the run trained on',
    value: () => null,
    text: (_v, s) => s.run.backend || '—',
  },
];

export function metricRows(sources: readonly MetricSource[], now = Date.now()): MetricRow[] {
  return ROWS.map((spec) => {
    const values = sources.map((s) => spec.value(s, now));
    const best = markBest(
      sources.map((s, i) => (spec.ranked && !spec.ranked(s) ? null : (values[i] ?? null))),
      spec.better,
    );
    return {
      key: spec.key,
      label: spec.label,
      title: spec.title,
      cells: sources.map((s, i) => ({
        text: spec.text(values[i] ?? null, s),
        note: spec.note?.(s) ?? '',
        best: best[i] ?? false,
      })),
    };
  });
}
