// "Which settings matter": for one metric, each varying setting's Spearman rank correlation with it,
// and its importance in a small random forest that predicts the metric from all the settings
// together. Importance is by permutation: the drop in out-of-fold R² when that setting's values are
// shuffled across the runs (5-fold cross-validation, so a forest is never scored on runs it was
// trained on). The forest is ml-random-forest's; the folds and the shuffles are seeded here, so the
// same runs always give the same answer. Two halves: `importanceInput` (importance-input.ts) turns
// runs into a plain matrix (cheap, on the page), `fitImportance` fits the forests (seconds, in a Web
// Worker: see importance.worker.ts); `settingsImportance` does both at once, for tests and scripts.

import { RandomForestRegression } from 'ml-random-forest';
import { sampleRankCorrelation } from 'simple-statistics';
import type { RunRecord } from '../../../../shared/training.ts';
import { MIN_RUNS, importanceInput, type ImportanceInput } from './importance-input.ts';

export { MIN_RUNS, importanceInput, type ImportanceInput };
export const TREES = 50;
export const FOLDS = 5;
/** Shuffles per setting, averaged: one shuffle of a few dozen runs is noisy. */
export const REPEATS = 4;
export const SEED = 20240917;
const FIT_WEIGHT = 8;
/**
 * Runs the forest is fitted on at most: ml-cart's split search grows faster than linearly (see
 * bench/importance.ts: 300 runs take about twice as long as 200, 500 about four times as long as
 * 300, 1,000 over ten times), and a seeded sample of this many already ranks settings reliably.
 * The fit runs in a worker, so this bounds the wait for an answer, not the page's responsiveness.
 */
export const MAX_ROWS = 300;

export interface SettingImportance {
  key: string;
  label: string;
  /** How the forest sees the setting: its number, or an ordinal code for a category (schema order). */
  encoding: 'numeric' | 'ordinal';
  /** Spearman's ρ with the metric; null for a category (its codes have no order) or a constant column. */
  rho: number | null;
  /** Drop in out-of-fold R² when the setting is shuffled (can be slightly negative: noise). */
  importance: number;
}

export type ImportanceResult =
  | {
      status: 'ok';
      metric: string;
      /** Runs with the metric; `used` of them were fitted (a seeded sample when more than `maxRows`). */
      n: number;
      used: number;
      /** What was fitted, as the view states it: trees per forest, folds (one forest each), the cap. */
      trees: number;
      folds: number;
      maxRows: number;
      /** Out-of-fold R² of the forest with nothing shuffled: how far its importances can be trusted. */
      r2: number;
      settings: SettingImportance[];
    }
  | { status: 'too-few'; metric: string; n: number }
  | { status: 'no-settings'; metric: string; n: number };

/**
 * A seeded 32-bit generator (mulberry32): a few lines, where the forest's own random-js engine is
 * an internal dependency that this module should not reach into.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled(n: number, rand: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

export function r2(y: readonly number[], pred: readonly number[]): number {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  let ssTot = 0;
  let ssRes = 0;
  y.forEach((v, i) => {
    ssTot += (v - mean) ** 2;
    ssRes += (v - pred[i]!) ** 2;
  });
  return ssTot === 0 ? 0 : 1 - ssRes / ssTot;
}

export interface FitOptions {
  seed?: number;
  maxRows?: number;
  /** Called as the forests are fitted and scored: `done` of `total` steps. */
  onProgress?: (done: number, total: number) => void;
}

function forest(seed: number): RandomForestRegression {
  // maxFeatures 1.0 = every setting is offered to each tree; bagging of runs gives the variety.
  return new RandomForestRegression({ nEstimators: TREES, seed, maxFeatures: 1.0, replacement: false, noOOB: true });
}

export function settingsImportance(runs: readonly RunRecord[], metric = 'heldOut.total', seed = SEED): ImportanceResult {
  return fitImportance(importanceInput(runs, metric), { seed });
}

export function fitImportance(all: ImportanceInput, options: FitOptions = {}): ImportanceResult {
  const { seed = SEED, maxRows = MAX_ROWS, onProgress } = options;
  const { metric } = all;
  const total = all.y.length;
  if (total < MIN_RUNS) return { status: 'too-few', metric, n: total };
  if (all.keys.length === 0) return { status: 'no-settings', metric, n: total };
  const rand = mulberry32(seed);
  const sample =
    total > maxRows
      ? shuffled(total, rand)
          .slice(0, maxRows)
          .sort((a, b) => a - b)
      : null;
  const { keys, encodings } = all;
  const X = sample ? sample.map((i) => all.X[i]!) : all.X;
  const y = sample ? sample.map((i) => all.y[i]!) : all.y;
  const n = y.length;

  const fold = new Array<number>(n);
  shuffled(n, rand).forEach((row, i) => (fold[row] = i % Math.min(FOLDS, n)));
  const folds = Math.min(FOLDS, n);
  // Fitting a fold's forest costs far more than scoring a shuffle: weighted so progress moves evenly.
  const steps = folds * FIT_WEIGHT + keys.length * REPEATS;
  let done = 0;
  const advance = (by: number) => onProgress?.((done += by), steps);
  const models = Array.from({ length: folds }, (_, f) => {
    const train = X.flatMap((x, i) => (fold[i] === f ? [] : [x]));
    const target = y.flatMap((v, i) => (fold[i] === f ? [] : [v]));
    const model = forest(seed + f);
    model.train(train, target);
    advance(FIT_WEIGHT);
    return model;
  });
  const predictOutOfFold = (rows: number[][]): number[] => {
    const out = new Array<number>(n);
    for (let f = 0; f < folds; f++) {
      const idx = rows.flatMap((_, i) => (fold[i] === f ? [i] : []));
      if (idx.length === 0) continue;
      const pred = models[f]!.predict(idx.map((i) => rows[i]!));
      idx.forEach((i, k) => (out[i] = pred[k]!));
    }
    return out;
  };
  const base = r2(y, predictOutOfFold(X));
  const settings = keys.map((key, j): SettingImportance => {
    let drop = 0;
    for (let rep = 0; rep < REPEATS; rep++) {
      const perm = shuffled(n, rand);
      const permuted = X.map((x, i) => x.map((v, c) => (c === j ? X[perm[i]!]![j]! : v)));
      drop += base - r2(y, predictOutOfFold(permuted));
      advance(1);
    }
    const column = X.map((x) => x[j]!);
    const constant = column.every((v) => v === column[0]);
    return {
      key,
      label: all.labels[j] ?? key,
      encoding: encodings[j]!,
      rho: encodings[j] === 'numeric' && !constant ? sampleRankCorrelation(column, y) : null,
      importance: drop / REPEATS,
    };
  });
  settings.sort((a, b) => b.importance - a.importance || a.key.localeCompare(b.key));
  return { status: 'ok', metric, n: total, used: n, trees: TREES, folds, maxRows, r2: base, settings };
}
