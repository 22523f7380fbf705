// The parallel-coordinates plot's axes: which values get one (every setting that varies, the held-out
// metrics), how a value maps to a height on its axis (linear, log or evenly spaced categories), the
// ticks, and the inverse used to turn a dragged span into a brush. Positions are fractions of the
// axis (0 at the bottom, 1 at the top) so the maths is testable without pixels.

import { fieldSpec } from '../../../../shared/config.ts';
import { keyLabel, runValue, varyingSettings, type RunValue } from '../../../../shared/run-values.ts';
import type { RunRecord } from '../../../../shared/training.ts';
import type { SweepAxis } from '../../../../shared/sweep.ts';
import type { BrushRange } from '../brush-range.ts';

export type AxisKind = 'linear' | 'log' | 'category';

export interface Axis {
  key: string;
  label: string;
  kind: AxisKind;
  /** Numeric axes: the smallest and largest value. */
  lo: number;
  hi: number;
  /** Category axes: the values, bottom to top. */
  categories: string[];
  /** True for a metric (held-out −ELBO, …), false for a setting. */
  metric: boolean;
  /** A setting's few distinct values (a sweep's), ticked instead of round numbers; else empty. */
  marks: number[];
}

/** Up to this many distinct values of a setting are each ticked. */
export const MAX_MARKS = 10;

/** The metrics every plot shows an axis for, when some run has them. */
export const AXIS_METRICS = ['heldOut.total', 'heldOut.recon', 'heldOut.kl'] as const;

/** A row of the plot: a run, or a group's mean. */
export interface PlotRow {
  id: string;
  label: string;
  values: Record<string, RunValue>;
  /** The runs behind the row (one for a run, the members for a group). */
  runIds: number[];
}

export function runRow(run: RunRecord, keys: readonly string[]): PlotRow {
  const values: Record<string, RunValue> = {};
  for (const k of keys) values[k] = runValue(run, k);
  return { id: `run:${run.id}`, label: run.name, values, runIds: [run.id] };
}

/**
 * Builds an axis from the values seen. Numbers give a numeric axis, log when every value is above
 * zero and they span more than a decade (or `forceLog`, a sweep's log range); anything else is a
 * category axis, in the schema's option order for an enum.
 */
export function buildAxis(key: string, values: readonly RunValue[], metric: boolean, forceLog = false): Axis | null {
  const present = values.filter((v): v is number | string => v !== null);
  if (present.length === 0) return null;
  const label = keyLabel(key);
  if (present.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const nums = present as number[];
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    const positive = lo > 0;
    const log = positive && (forceLog || hi / lo > 10);
    const distinct = [...new Set(nums)].sort((a, b) => a - b);
    const marks = !metric && distinct.length <= MAX_MARKS ? distinct : [];
    return { key, label, kind: log ? 'log' : 'linear', lo, hi, categories: [], metric, marks };
  }
  const seen = [...new Set(present.map(String))];
  const spec = fieldSpec(key);
  const order = spec?.kind === 'enum' ? spec.options.map(String) : [];
  seen.sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    if (ia !== -1 && ib !== -1) return ia - ib;
    return a.localeCompare(b, undefined, { numeric: true });
  });
  return { key, label, kind: 'category', lo: 0, hi: 0, categories: seen, metric, marks: [] };
}

/** The keys that get an axis: varying settings, then the held-out metrics. */
export function axisKeys(runs: readonly RunRecord[]): string[] {
  const metrics = AXIS_METRICS.filter((k) => runs.some((r) => runValue(r, k) !== null));
  return [...varyingSettings(runs), ...metrics];
}

export function buildAxes(rows: readonly PlotRow[], keys: readonly string[], logKeys: ReadonlySet<string> = new Set()): Axis[] {
  const metricKeys = new Set<string>(AXIS_METRICS);
  return keys.flatMap((k) => {
    const axis = buildAxis(
      k,
      rows.map((r) => r.values[k] ?? null),
      metricKeys.has(k),
      logKeys.has(k),
    );
    return axis ? [axis] : [];
  });
}

/** Where a value sits on its axis, 0 (bottom) to 1 (top); null when it has no place there. */
export function position(axis: Axis, value: RunValue): number | null {
  if (value === null) return null;
  if (axis.kind === 'category') {
    const i = axis.categories.indexOf(String(value));
    if (i === -1) return null;
    return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (axis.hi === axis.lo) return 0.5;
  if (axis.kind === 'log') {
    if (value <= 0) return null;
    return (Math.log(value) - Math.log(axis.lo)) / (Math.log(axis.hi) - Math.log(axis.lo));
  }
  return (value - axis.lo) / (axis.hi - axis.lo);
}

/** The value at a height on a numeric axis (the inverse of `position`). */
export function valueAt(axis: Axis, t: number): number {
  if (axis.kind === 'category') throw new Error(`valueAt: axis ${axis.key} is categorical`);
  if (axis.hi === axis.lo) return axis.lo;
  if (axis.kind === 'log') return Math.exp(Math.log(axis.lo) + t * (Math.log(axis.hi) - Math.log(axis.lo)));
  return axis.lo + t * (axis.hi - axis.lo);
}

/**
 * The brush for a span dragged on an axis (fractions, either order): a value range on a numeric
 * axis, the categories inside the span on a category axis. Null when it catches nothing.
 */
export function brushFromSpan(axis: Axis, t0: number, t1: number): BrushRange | null {
  const a = Math.max(0, Math.min(t0, t1));
  const b = Math.min(1, Math.max(t0, t1));
  if (axis.kind === 'category') {
    const values = axis.categories.filter((c) => {
      const t = position(axis, c);
      return t !== null && t >= a - 1e-9 && t <= b + 1e-9;
    });
    return values.length === 0 ? null : { kind: 'values', values };
  }
  if (b <= a) return null;
  return { kind: 'range', lo: valueAt(axis, a), hi: valueAt(axis, b) };
}

/** The span a brush covers on its axis, for drawing it; null when it does not fit the axis. */
export function spanOfBrush(axis: Axis, range: BrushRange): [number, number] | null {
  if (axis.kind === 'category') {
    if (range.kind !== 'values') return null;
    const ts = range.values.map((v) => position(axis, v)).filter((t): t is number => t !== null);
    if (ts.length === 0) return null;
    const pad = axis.categories.length > 1 ? 0.25 / (axis.categories.length - 1) : 0.1;
    return [Math.max(0, Math.min(...ts) - pad), Math.min(1, Math.max(...ts) + pad)];
  }
  if (range.kind !== 'range') return null;
  const lo = position(axis, Math.max(range.lo, axis.kind === 'log' ? axis.lo : -Infinity));
  const hi = position(axis, range.hi);
  if (lo === null || hi === null) return null;
  return [Math.max(0, lo), Math.min(1, hi)];
}

/** Toggles one category in a category axis' brush; null when nothing is left selected. */
export function toggleCategory(current: BrushRange | undefined, value: string): BrushRange | null {
  const values = current?.kind === 'values' ? [...current.values] : [];
  const i = values.indexOf(value);
  if (i === -1) values.push(value);
  else values.splice(i, 1);
  return values.length === 0 ? null : { kind: 'values', values };
}

/** True when a row's value lies inside the brush (the same rule as the brush store's, for one value). */
export function inBrush(range: BrushRange, value: RunValue): boolean {
  if (value === null) return false;
  if (range.kind === 'range') return typeof value === 'number' && value >= range.lo && value <= range.hi;
  return range.values.includes(String(value));
}

export interface Tick {
  t: number;
  label: string;
}

const tickFormat = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });

export function formatValue(v: number): string {
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(1).replace('e+', 'e');
  return tickFormat.format(v);
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` ticks over the span. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Ticks for an axis: round values on a linear one, decades (and 2, 5 within few decades) on a log one. */
export function ticks(axis: Axis, count = 5): Tick[] {
  if (axis.kind === 'category') return axis.categories.map((c) => ({ t: position(axis, c) ?? 0, label: c }));
  if (axis.hi === axis.lo) return [{ t: 0.5, label: formatValue(axis.lo) }];
  if (axis.marks.length > 0) return axis.marks.map((v) => ({ t: position(axis, v) ?? 0, label: formatValue(v) }));
  const values: number[] = [];
  if (axis.kind === 'log') {
    const d0 = Math.floor(Math.log10(axis.lo));
    const d1 = Math.ceil(Math.log10(axis.hi));
    const mults = d1 - d0 <= 2 ? [1, 2, 5] : [1];
    for (let d = d0; d <= d1; d++) for (const m of mults) values.push(m * 10 ** d);
  } else {
    const step = niceStep(axis.hi - axis.lo, count);
    for (let v = Math.ceil(axis.lo / step) * step; v <= axis.hi + step * 1e-9; v += step) values.push(Number(v.toPrecision(12)));
  }
  const eps = (axis.hi - axis.lo) * 1e-9;
  const inside = values.filter((v) => v >= axis.lo - eps && v <= axis.hi + eps);
  // A log axis inside one decade may have no round value in it: show its ends instead.
  const shown = inside.length >= 2 ? inside : [axis.lo, axis.hi];
  // A span narrower than the label's precision (runs a few ms long) rounds two ticks to one label:
  // show it once (the labels also key the ticks in the view).
  const out = shown.map((v) => ({ t: position(axis, v) ?? 0, label: formatValue(v) }));
  return out.filter((tick, i) => out.findIndex((o) => o.label === tick.label) === i);
}

/** The settings a sweep ranged over in log steps: drawn on log axes even within a decade. */
export function sweepLogKeys(axes: readonly SweepAxis[]): Set<string> {
  return new Set(axes.flatMap((a) => ('range' in a && a.range.scale === 'log' ? [a.path] : [])));
}
