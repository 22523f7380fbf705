// The first half of "which settings matter" (importance.ts): the runs as the forest sees them, one
// row of numbers per run that has the metric. Cheap, so it runs on the page; the result is plain
// data, small to send to the worker that fits the forests, and this module stays free of the forest
// library so the page's bundle does not carry it.

import { fieldSpec } from '../../../../shared/config.ts';
import { keyLabel, runValue, varyingSettings } from '../../../../shared/run-values.ts';
import type { RunRecord } from '../../../../shared/training.ts';

/** Fewer runs with the metric than this and nothing is fitted. */
export const MIN_RUNS = 8;

/** The runs as the forest sees them: plain numbers, small to send to a worker. */
export interface ImportanceInput {
  metric: string;
  keys: string[];
  labels: string[];
  encodings: ('numeric' | 'ordinal')[];
  /** One row per run with the metric, one column per key. */
  X: number[][];
  y: number[];
}

export function importanceInput(runs: readonly RunRecord[], metric = 'heldOut.total'): ImportanceInput {
  const measured = runs.filter((r) => {
    const v = runValue(r, metric);
    return typeof v === 'number' && Number.isFinite(v);
  });
  const keys = varyingSettings(measured);
  const encodings = keys.map((k) =>
    measured.every((r) => {
      const v = runValue(r, k);
      return typeof v === 'number' && Number.isFinite(v);
    })
      ? ('numeric' as const)
      : ('ordinal' as const),
  );
  const codes = keys.map((k, j) => {
    if (encodings[j] === 'numeric') return null;
    const spec = fieldSpec(k);
    const seen = [...new Set(measured.map((r) => String(runValue(r, k))))].sort();
    const order = spec?.kind === 'enum' ? [...spec.options.map(String).filter((o) => seen.includes(o))] : [];
    for (const s of seen) if (!order.includes(s)) order.push(s);
    return order;
  });
  const X = measured.map((r) =>
    keys.map((k, j) => {
      const v = runValue(r, k);
      const order = codes[j];
      return order ? order.indexOf(String(v)) : (v as number);
    }),
  );
  const y = measured.map((r) => runValue(r, metric) as number);
  return { metric, keys, labels: keys.map((k) => keyLabel(k)), encodings, X, y };
}
