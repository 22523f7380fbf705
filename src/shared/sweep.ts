// Sweeps: a base config plus axes of values, expanded into the runs to train. One definition type
// serves the New experiment form, `npm run sweep` (flags or --config sweep.json) and the store, and
// one validator refuses a bad axis before anything starts, naming the axis and the value.
//
// Expansion is a pure function of the definition: the same definition gives the same runs, in the
// same order, on every machine (random draws come from the definition's own seed), which is what
// lets a resumed sweep, or a second process, agree on what "point i" of a sweep is.

import { fieldSpec, setPath, type ExperimentConfig, type FieldSpec } from './config.ts';
import { findPreset, DEFAULT_CONFIG } from './presets.ts';
import { makeRng, deriveSeed } from './random.ts';
import type { FieldError, Result } from './result.ts';
import type { RunOwnerProcess, RunStatus } from './training.ts';
import { checkFieldValue, validateConfig } from './validate.ts';

/** Values given one by one, e.g. `loss.beta=0.5,1,4`. */
export interface ListAxis {
  path: string;
  values: (number | string | number[])[];
}

/** `count` values from `from` to `to` inclusive, evenly spaced (linear) or evenly spaced in log. */
export interface RangeAxis {
  path: string;
  range: { from: number; to: number; count: number; scale: 'linear' | 'log' };
}

export type SweepAxis = ListAxis | RangeAxis;

export type SweepMethod = 'grid' | 'random';

export interface SweepPruning {
  /**
   * Successive halving (ASHA): at rungs of 1, 3, 9, ... epochs (powers of `reduction`), a run in the
   * bottom 1 - 1/reduction of held-out negative ELBO among the sweep's runs that reached that rung
   * stops as `pruned`.
   */
  kind: 'none' | 'asha';
  reduction: number;
}

export interface SweepDefinition {
  /** Empty: named from its axes. */
  name: string;
  /** A preset id (or `custom`) that the base starts from; `base` overrides it. */
  preset: string;
  /** Settings that differ from the preset, as in a config file (partial ExperimentConfig). */
  base: Record<string, unknown>;
  axes: SweepAxis[];
  method: SweepMethod;
  /** Random search: how many settings to draw (each then trained with every seed). */
  draws: number;
  /** Random search: the seed of the draws, so the same definition draws the same settings. */
  drawSeed: number;
  /** Seeds per setting: run.seed takes 1..seeds. 0 keeps the base config's seed (no seed axis). */
  seeds: number;
  /** Runs of this sweep training at once. */
  parallel: number;
  pruning: SweepPruning;
}

/**
 * The tag of the runs of a sweep that trains on a queue (npm run sweep -- --queue): its coordinator
 * follows them, so no local sweep driver may resume or adopt that sweep.
 */
export const QUEUE_TAG = 'queue';

/** A sweep's lifecycle: `running` while it has runs to train; `paused` and `cancelled` by the user. */
export type SweepStatus = 'running' | 'paused' | 'cancelled' | 'completed';
export const SWEEP_STATUSES: readonly SweepStatus[] = ['running', 'paused', 'cancelled', 'completed'];

export interface SweepRecord {
  id: number;
  name: string;
  definition: SweepDefinition;
  status: SweepStatus;
  statusMessage: string;
  createdAt: number;
  finishedAt: number | null;
  /** The process that drives the sweep (starts its runs); null when none does (paused, finished, orphaned). */
  owner: RunOwnerProcess | null;
  /** Runs in the sweep, and how many are in each status. */
  total: number;
  counts: Record<RunStatus, number>;
  /** The run with the lowest final held-out negative ELBO so far, or null before any finished. */
  bestRunId: number | null;
  bestHeldOut: number | null;
  /** The queue its runs train on (npm run worker), as a URL without its password; null: this machine. */
  queue: string | null;
}

/** One run of a sweep, as expansion gives it. */
export interface SweepPoint {
  /** Position in the sweep: stable, so (sweep, index) names a run across processes and restarts. */
  index: number;
  /** The value of every axis (and `run.seed` when seeds is an axis) for this run. */
  values: Record<string, unknown>;
  name: string;
  config: ExperimentConfig;
}

/** A sweep larger than this is almost certainly a typo in a range count. */
export const MAX_SWEEP_RUNS = 1000;
export const MAX_AXIS_VALUES = 100;
export const SEED_PATH = 'run.seed';
/** Successive halving's reduction factor: 2 halves the runs at each rung; past 10 a rung keeps almost none. */
export const MIN_REDUCTION = 2;
export const MAX_REDUCTION = 10;

export const DEFAULT_SWEEP: SweepDefinition = {
  name: '',
  preset: 'quick',
  base: {},
  axes: [],
  method: 'grid',
  draws: 10,
  drawSeed: 1,
  seeds: 1,
  parallel: 1,
  pruning: { kind: 'none', reduction: 3 },
};

/** Runs at once by default: every core but one for the UI, at least one. */
export function defaultParallel(cores: number): number {
  return Math.max(1, Math.floor(cores) - 1);
}

const isRange = (axis: SweepAxis): axis is RangeAxis => 'range' in axis;

/** The values an axis takes, in order (a range expanded, integers rounded and repeats dropped). */
export function axisValues(axis: SweepAxis): unknown[] {
  if (!isRange(axis)) return [...axis.values];
  const { from, to, count, scale } = axis.range;
  const spec = fieldSpec(axis.path);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0 : i / (count - 1);
    let v = scale === 'log' ? Math.exp(Math.log(from) + t * (Math.log(to) - Math.log(from))) : from + t * (to - from);
    // Ten significant digits: 0.1 + 2 * 0.45 should read 1, not 1.0000000000000002.
    v = spec?.kind === 'integer' ? Math.round(v) : Number(v.toPrecision(10));
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** One value drawn for a random search: uniform over a list, uniform (or log-uniform) over a range. */
function drawValue(axis: SweepAxis, rng: () => number): unknown {
  if (!isRange(axis)) return axis.values[Math.floor(rng() * axis.values.length)];
  const { from, to, scale } = axis.range;
  const u = rng();
  const v = scale === 'log' ? Math.exp(Math.log(from) + u * (Math.log(to) - Math.log(from))) : from + u * (to - from);
  return fieldSpec(axis.path)?.kind === 'integer' ? Math.round(v) : Number(v.toPrecision(4));
}

const SHORT_NAMES: Record<string, string> = {
  'model.latentDim': 'z',
  'loss.beta': 'β',
  'optim.learningRate': 'lr',
  'optim.batchSize': 'bs',
  'optim.epochs': 'ep',
  'loss.samples': 'K',
  'run.seed': 'seed',
};

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.join('x');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
  return String(v);
}

/** "z8 β4 seed2": the short name of each axis followed by its value, in axis order. */
export function pointName(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([path, v]) => {
      const short = SHORT_NAMES[path];
      return short !== undefined ? `${short}${formatValue(v)}` : `${path.split('.').pop() ?? path}=${formatValue(v)}`;
    })
    .join(' ');
}

function axisError(axis: number, path: string, message: string): FieldError {
  return { field: `axes[${axis}]`, message: `${path}: ${message}` };
}

function checkAxis(axis: SweepAxis, i: number, seeds: number): FieldError[] {
  const path = typeof axis?.path === 'string' ? axis.path : '';
  const spec: FieldSpec | undefined = fieldSpec(path);
  if (!spec) return [axisError(i, path || '(no setting)', 'is not a setting')];
  if (spec.kind === 'string') return [axisError(i, path, 'is text and cannot be swept')];
  if (path === SEED_PATH && seeds > 0)
    return [axisError(i, path, 'is already swept by the seeds setting; set seeds to 0 to give seeds as an axis')];
  const errors: FieldError[] = [];
  if (isRange(axis)) {
    const r = axis.range as Partial<RangeAxis['range']> | undefined;
    if (spec.kind !== 'number' && spec.kind !== 'integer')
      return [axisError(i, path, 'is not a number, so it takes a list of values, not a range')];
    if (!r || typeof r.from !== 'number' || typeof r.to !== 'number' || !Number.isFinite(r.from) || !Number.isFinite(r.to))
      return [axisError(i, path, 'a range needs finite numbers from and to')];
    if (typeof r.count !== 'number' || !Number.isInteger(r.count) || r.count < 1 || r.count > MAX_AXIS_VALUES)
      return [axisError(i, path, `a range's count must be a whole number from 1 to ${MAX_AXIS_VALUES}`)];
    if (r.scale !== 'linear' && r.scale !== 'log') return [axisError(i, path, 'a range is linear or log')];
    if (r.scale === 'log' && (r.from <= 0 || r.to <= 0)) return [axisError(i, path, 'a log range needs from and to above 0')];
    for (const end of [r.from, r.to]) {
      const problem = checkFieldValue(spec, spec.kind === 'integer' ? Math.round(end) : end);
      if (problem) errors.push(axisError(i, path, `${end} ${problem}`));
    }
    return errors;
  }
  if (!Array.isArray(axis.values) || axis.values.length === 0 || axis.values.length > MAX_AXIS_VALUES)
    return [axisError(i, path, `needs 1 to ${MAX_AXIS_VALUES} values`)];
  for (const v of axis.values) {
    const problem = checkFieldValue(spec, v);
    if (problem) errors.push(axisError(i, path, `${formatValue(v)} ${problem}`));
  }
  return errors;
}

/** The number of runs a definition makes, without building them (for the form's live count). */
export function countSweepRuns(def: Pick<SweepDefinition, 'axes' | 'method' | 'draws' | 'seeds'>): number {
  const settings = def.method === 'random' ? def.draws : def.axes.reduce((n, a) => n * axisValues(a).length, 1);
  return settings * Math.max(1, def.seeds);
}

function intIn(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Checks a definition completely and expands it: every axis against the schema, every run's config
 * against the cross-field rules. Errors name the axis (`axes[1]`) and the value.
 */
export function expandSweep(input: unknown): Result<{ definition: SweepDefinition; points: SweepPoint[] }> {
  const fail = (errors: FieldError[]): Result<never> => ({
    ok: false,
    error: {
      code: 'invalid-config',
      message: errors.map((e) => `${e.field} ${e.message}`).join('; '),
      field: errors[0]?.field,
      fields: errors,
    },
  });
  if (!input || typeof input !== 'object' || Array.isArray(input))
    return fail([{ field: 'sweep', message: 'must be a JSON object' }]);
  const raw = input as Record<string, unknown>;
  const known = Object.keys(DEFAULT_SWEEP);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length > 0) return fail(unknown.map((k) => ({ field: k, message: 'is not a sweep setting' })));
  const def = { ...DEFAULT_SWEEP, ...raw };
  const errors: FieldError[] = [];
  if (typeof def.name !== 'string' || def.name.length > 200)
    errors.push({ field: 'name', message: 'must be text of at most 200 characters' });
  const preset = def.preset === DEFAULT_CONFIG.preset ? DEFAULT_CONFIG : findPreset(String(def.preset))?.config;
  if (!preset) errors.push({ field: 'preset', message: `"${String(def.preset).slice(0, 80)}" is not a preset` });
  if (def.method !== 'grid' && def.method !== 'random') errors.push({ field: 'method', message: 'must be grid or random' });
  if (!intIn(def.draws, 1, MAX_SWEEP_RUNS))
    errors.push({ field: 'draws', message: `must be a whole number from 1 to ${MAX_SWEEP_RUNS}` });
  if (!intIn(def.drawSeed, 0, 2 ** 31 - 1))
    errors.push({ field: 'drawSeed', message: 'must be a whole number from 0 to 2147483647' });
  if (!intIn(def.seeds, 0, 100)) errors.push({ field: 'seeds', message: 'must be a whole number from 0 to 100' });
  if (!intIn(def.parallel, 1, 64)) errors.push({ field: 'parallel', message: 'must be a whole number from 1 to 64' });
  const pruning = def.pruning as Partial<SweepPruning> | undefined;
  if (!pruning || (pruning.kind !== 'none' && pruning.kind !== 'asha'))
    errors.push({ field: 'pruning', message: `must be { kind: none | asha, reduction: ${MIN_REDUCTION}..${MAX_REDUCTION} }` });
  else if (!intIn(pruning.reduction, MIN_REDUCTION, MAX_REDUCTION))
    errors.push({ field: 'pruning.reduction', message: `must be a whole number from ${MIN_REDUCTION} to ${MAX_REDUCTION}` });
  if (!Array.isArray(def.axes)) errors.push({ field: 'axes', message: 'must be a list' });
  if (errors.length > 0 || !preset) return fail(errors);

  const base = validateConfig(def.base, { ...preset, preset: def.preset });
  if (!base.ok)
    return fail(
      (base.error.fields ?? [{ field: '', message: base.error.message }]).map((e) => ({
        field: `base.${e.field}`,
        message: e.message,
      })),
    );
  const seen = new Set<string>();
  def.axes.forEach((axis, i) => {
    errors.push(...checkAxis(axis, i, def.seeds));
    if (seen.has(axis.path)) errors.push(axisError(i, axis.path, 'appears twice'));
    seen.add(axis.path);
  });
  if (errors.length > 0) return fail(errors);
  if (def.axes.length === 0 && def.seeds <= 1 && def.method === 'grid')
    return fail([{ field: 'axes', message: 'a sweep needs at least one axis, or more than one seed' }]);
  const total = countSweepRuns(def);
  if (total > MAX_SWEEP_RUNS)
    return fail([{ field: 'axes', message: `makes ${total} runs; a sweep has at most ${MAX_SWEEP_RUNS}` }]);

  const settings: Record<string, unknown>[] = [];
  if (def.method === 'grid') {
    // The first axis varies slowest, as in reading order: z2 β0.5, z2 β1, ..., z8 β0.5, ...
    settings.push({});
    for (const axis of def.axes) {
      const values = axisValues(axis);
      const next: Record<string, unknown>[] = [];
      for (const s of settings) for (const v of values) next.push({ ...s, [axis.path]: v });
      settings.splice(0, settings.length, ...next);
    }
  } else {
    const rng = makeRng(deriveSeed(def.drawSeed, 'sweep-draws'));
    for (let d = 0; d < def.draws; d++) settings.push(Object.fromEntries(def.axes.map((a) => [a.path, drawValue(a, rng)])));
  }

  const points: SweepPoint[] = [];
  const pointErrors: FieldError[] = [];
  for (const s of settings) {
    const seeds = def.seeds > 0 ? Array.from({ length: def.seeds }, (_, k) => k + 1) : [null];
    for (const seed of seeds) {
      const values = seed === null ? s : { ...s, [SEED_PATH]: seed };
      let config: ExperimentConfig = base.value;
      for (const [path, v] of Object.entries(values)) config = setPath(config, path, v);
      const name = (def.name.trim() !== '' ? `${def.name.trim()} ` : '') + pointName(values);
      config = setPath(config, 'run.name', name.slice(0, 200));
      const checked = validateConfig(config);
      if (!checked.ok) {
        if (pointErrors.length < 5) pointErrors.push({ field: `run "${pointName(values)}"`, message: checked.error.message });
        continue;
      }
      points.push({ index: points.length, values, name: checked.value.run.name, config: checked.value });
    }
  }
  if (pointErrors.length > 0) return fail(pointErrors);
  return { ok: true, value: { definition: def, points } };
}

/** What the axes vary, for a sweep's default name: "sweep z × β × 3 seeds". */
export function sweepTitle(def: SweepDefinition): string {
  if (def.name.trim() !== '') return def.name.trim();
  const parts = def.axes.map((a) => SHORT_NAMES[a.path] ?? a.path.split('.').pop() ?? a.path);
  if (def.seeds > 1) parts.push(`${def.seeds} seeds`);
  return `${def.method === 'random' ? 'random' : 'grid'} ${parts.join(' × ')}`;
}

/** Rungs of successive halving for a run of `epochs` epochs: 1, r, r², ... below the last epoch. */
export function ashaRungs(epochs: number, reduction: number): number[] {
  const rungs: number[] = [];
  for (let r = 1; r < epochs; r *= reduction) rungs.push(r);
  return rungs;
}
