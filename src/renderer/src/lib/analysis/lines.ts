// The parallel-coordinates lines, drawn on a canvas because a thousand runs as SVG paths makes every
// brush drag re-diff a thousand DOM nodes. Two things keep a redraw cheap: values are projected onto
// the axes once per (rows, axes) and reused while the user brushes, and lines are stroked in batches
// (all faint lines as one path, the rest as one path per colour bucket), so the number of canvas
// stroke calls does not grow with the number of runs.

import { colorBucket, rampColor, type ColorDomain } from './color-scale.ts';
import { position, type Axis, type PlotRow } from './axes.ts';

/** Colour buckets: enough that neighbouring lines look continuous, few enough to batch. */
export const BUCKETS = 24;

/** The subset of CanvasRenderingContext2D the lines use (a counting fake stands in for it in tests). */
export interface LineContext {
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  strokeStyle: string | CanvasGradient | CanvasPattern;
  lineWidth: number;
  globalAlpha: number;
}

export interface Projection {
  rows: number;
  axes: number;
  /** Row-major: t of row r on axis a at r * axes + a; NaN where the row has no value. */
  t: Float64Array;
}

/** Counts the work done, for the tests that check a redraw stays bounded. */
export const work = { projections: 0 };

export function project(rows: readonly PlotRow[], axes: readonly Axis[]): Projection {
  work.projections++;
  const t = new Float64Array(rows.length * axes.length);
  rows.forEach((row, r) =>
    axes.forEach((axis, a) => {
      t[r * axes.length + a] = position(axis, row.values[axis.key] ?? null) ?? Number.NaN;
    }),
  );
  return { rows: rows.length, axes: axes.length, t };
}

export interface LineGeometry {
  /** x of each axis, in drawing order. */
  xs: readonly number[];
  /** y of the top (t = 1) and the bottom (t = 0) of the axes. */
  top: number;
  bottom: number;
}

export interface LineStyle {
  /** Colour of lines outside the brushes, and of all lines when there is nothing to colour by. */
  faint: string;
  plain: string;
}

export interface DrawStats {
  strokes: number;
  segments: number;
}

/**
 * Draws every row's polyline. `order[i]` is the projection's axis drawn at xs[i]; `passes[r]` says
 * whether row r is inside the brushes; `color[r]` is its colour value (NaN: none). A missing value
 * breaks the line there.
 */
export function drawLines(
  ctx: LineContext,
  p: Projection,
  order: readonly number[],
  geo: LineGeometry,
  passes: readonly boolean[],
  color: Float64Array | null,
  domain: ColorDomain | null,
  style: LineStyle,
): DrawStats {
  const stats: DrawStats = { strokes: 0, segments: 0 };
  const height = geo.bottom - geo.top;
  const trace = (r: number) => {
    let open = false;
    order.forEach((a, i) => {
      const t = p.t[r * p.axes + a]!;
      if (Number.isNaN(t)) {
        open = false;
        return;
      }
      const x = geo.xs[i]!;
      const y = geo.bottom - t * height;
      if (open) {
        ctx.lineTo(x, y);
        stats.segments++;
      } else ctx.moveTo(x, y);
      open = true;
    });
  };
  const stroke = (strokeStyle: string, width: number, alpha: number) => {
    ctx.strokeStyle = strokeStyle;
    ctx.lineWidth = width;
    ctx.globalAlpha = alpha;
    ctx.stroke();
    stats.strokes++;
  };

  const anyOut = passes.some((x) => !x);
  if (anyOut) {
    ctx.beginPath();
    for (let r = 0; r < p.rows; r++) if (!passes[r]) trace(r);
    stroke(style.faint, 1, 0.35);
  }
  // Fewer lines can afford to be thicker and more opaque.
  const width = p.rows > 200 ? 1 : 1.6;
  const alpha = p.rows > 200 ? 0.55 : 0.85;
  const buckets: number[][] = Array.from({ length: BUCKETS + 1 }, () => []);
  for (let r = 0; r < p.rows; r++) {
    if (!passes[r]) continue;
    const v = color?.[r] ?? Number.NaN;
    buckets[domain && Number.isFinite(v) ? colorBucket(domain, v, BUCKETS) : BUCKETS]!.push(r);
  }
  buckets.forEach((rows, b) => {
    if (rows.length === 0) return;
    ctx.beginPath();
    for (const r of rows) trace(r);
    stroke(b === BUCKETS ? style.plain : rampColor((b + 0.5) / BUCKETS), width, alpha);
  });
  return stats;
}

/**
 * The row whose line passes closest to (x, y), within `maxDist` pixels vertically, for hovering:
 * each line is straight between two neighbouring axes, so its height at x is an interpolation.
 * `only` limits the search (e.g. to rows inside the brushes). -1 when none is near.
 */
export function nearestRow(
  p: Projection,
  order: readonly number[],
  geo: LineGeometry,
  x: number,
  y: number,
  maxDist = 6,
  only: readonly boolean[] | null = null,
): number {
  let i = 0;
  while (i < geo.xs.length - 2 && x > geo.xs[i + 1]!) i++;
  const xa = geo.xs[i];
  const xb = geo.xs[i + 1];
  const a = order[i];
  const b = order[i + 1];
  if (xa === undefined || xb === undefined || a === undefined || b === undefined || x < xa || x > xb) return -1;
  const f = xb === xa ? 0 : (x - xa) / (xb - xa);
  const height = geo.bottom - geo.top;
  let best = -1;
  let bestDist = maxDist;
  for (let r = 0; r < p.rows; r++) {
    if (only && !only[r]) continue;
    const ta = p.t[r * p.axes + a]!;
    const tb = p.t[r * p.axes + b]!;
    if (Number.isNaN(ta) || Number.isNaN(tb)) continue;
    const d = Math.abs(geo.bottom - (ta + (tb - ta) * f) * height - y);
    if (d <= bestDist) {
      best = r;
      bestDist = d;
    }
  }
  return best;
}
