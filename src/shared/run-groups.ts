// Groups of runs that share settings (typically all but the seed), and the statistics of a metric
// over a group: what answers "is β=4 better than β=1 beyond seed noise?". The Runs table's grouped
// rows, Compare's group curves and the sweep view all group with this one function, so a group has
// the same members and the same mean ± std everywhere.

import { mean, min, max, sampleStandardDeviation } from 'simple-statistics';
import { keyLabel, runValue, varyingSettings, type RunValue } from './run-values.ts';
import type { RunRecord } from './training.ts';
import { SEED_PATH } from './sweep.ts';

export interface RunGroup {
  /** Stable identity of the group: its key values, JSON-encoded. */
  id: string;
  /** "z8 β4" style: each grouping key's label and value. */
  label: string;
  /** The grouping keys' values shared by every run in the group. */
  values: Record<string, RunValue>;
  runs: RunRecord[];
}

export interface Summary {
  /** Runs with a value (finite numbers only). */
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 in the denominator); NaN for a single run. */
  std: number;
  min: number;
  max: number;
}

/** Groups runs by the values of `keys`, groups in order of their first run. */
export function groupRuns(runs: readonly RunRecord[], keys: readonly string[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const run of runs) {
    const values: Record<string, RunValue> = {};
    for (const k of keys) values[k] = runValue(run, k);
    const id = JSON.stringify(keys.map((k) => values[k]));
    let g = groups.get(id);
    if (!g) {
      g = { id, label: groupLabel(values), values, runs: [] };
      groups.set(id, g);
    }
    g.runs.push(run);
  }
  return [...groups.values()];
}

function groupLabel(values: Record<string, RunValue>): string {
  const parts = Object.entries(values).map(([k, v]) => `${keyLabel(k)} ${v === null ? '–' : String(v)}`);
  return parts.length === 0 ? 'All runs' : parts.join(', ');
}

/** "All settings but the seed": the keys that vary among these runs, without run.seed. */
export function keysButSeed(runs: readonly RunRecord[]): string[] {
  return varyingSettings(runs).filter((k) => k !== SEED_PATH);
}

/** Statistics of a numeric metric over runs; null when no run has a finite value. */
export function summarize(runs: readonly RunRecord[], key: string): Summary | null {
  const xs: number[] = [];
  for (const r of runs) {
    const v = runValue(r, key);
    if (typeof v === 'number' && Number.isFinite(v)) xs.push(v);
  }
  return summarizeValues(xs);
}

export function summarizeValues(xs: readonly number[]): Summary | null {
  if (xs.length === 0) return null;
  const values = [...xs];
  return {
    n: values.length,
    mean: mean(values),
    std: values.length > 1 ? sampleStandardDeviation(values) : Number.NaN,
    min: min(values),
    max: max(values),
  };
}
