// The arithmetic of the latent scatter plot, apart from the canvas: data extents (merged across
// checkpoints so the axes hold still while scrubbing epochs), round tick values, the data-to-pixel
// mapping and the nearest point to the pointer.

export interface Extent {
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** Bounds of n points stored as interleaved x, y pairs; null when there are none or none finite. */
export function extentOf(xy: ArrayLike<number>, n: number): Extent | null {
  let e: Extent | null = null;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (!e) e = { xMin: x, xMax: x, yMin: y, yMax: y };
    else {
      if (x < e.xMin) e.xMin = x;
      if (x > e.xMax) e.xMax = x;
      if (y < e.yMin) e.yMin = y;
      if (y > e.yMax) e.yMax = y;
    }
  }
  return e;
}

export function unionExtent(a: Extent | null, b: Extent | null): Extent | null {
  if (!a) return b;
  if (!b) return a;
  return {
    xMin: Math.min(a.xMin, b.xMin),
    xMax: Math.max(a.xMax, b.xMax),
    yMin: Math.min(a.yMin, b.yMin),
    yMax: Math.max(a.yMax, b.yMax),
  };
}

/** One axis widened by `fraction` each side; a point-sized axis gets ±1 so it still has a scale. */
function padAxis(min: number, max: number, fraction: number): [number, number] {
  if (max - min < 1e-9) return [min - 1, max + 1];
  const pad = (max - min) * fraction;
  return [min - pad, max + pad];
}

/** Room around the points, so none sits on the frame. */
export function padExtent(e: Extent, fraction = 0.05): Extent {
  const [xMin, xMax] = padAxis(e.xMin, e.xMax, fraction);
  const [yMin, yMax] = padAxis(e.yMin, e.yMax, fraction);
  return { xMin, xMax, yMin, yMax };
}

/**
 * Widens the shorter side of `e` so one data unit spans as many pixels across as up in a box of
 * `width` x `height`: latent units are the same on both axes, and a round cloud should look round.
 */
export function equalAspect(e: Extent, width: number, height: number): Extent {
  const dx = e.xMax - e.xMin;
  const dy = e.yMax - e.yMin;
  if (!(dx > 0 && dy > 0 && width > 0 && height > 0)) return e;
  const unitsPerPx = Math.max(dx / width, dy / height);
  const halfX = (unitsPerPx * width) / 2;
  const halfY = (unitsPerPx * height) / 2;
  const cx = (e.xMin + e.xMax) / 2;
  const cy = (e.yMin + e.yMax) / 2;
  return { xMin: cx - halfX, xMax: cx + halfX, yMin: cy - halfY, yMax: cy + halfY };
}

/** `value` pulled inside [min, max]. */
export const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** Round values (1, 2 or 5 times a power of ten apart) inside [min, max], about `target` of them. */
export function niceTicks(min: number, max: number, target = 6): number[] {
  if (!(max > min) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  const raw = (max - min) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    // Snap away float drift (0.30000000000000004) so labels print cleanly.
    ticks.push(Number((Math.round(v / step) * step).toPrecision(12)));
  }
  return ticks;
}

/** Tick labels with as few decimals as the step needs. */
export function formatTick(value: number, ticks: readonly number[]): string {
  const [t0, t1] = ticks;
  const step = t0 !== undefined && t1 !== undefined ? Math.abs(t1 - t0) : 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return (Object.is(value, -0) ? 0 : value).toFixed(decimals);
}

/** The plot area in CSS pixels inside the canvas. */
export interface PlotBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Scale {
  x(value: number): number;
  y(value: number): number;
}

/** Data to CSS pixels, y up. */
export function makeScale(extent: Extent, box: PlotBox): Scale {
  const sx = box.width / (extent.xMax - extent.xMin);
  const sy = box.height / (extent.yMax - extent.yMin);
  return {
    x: (v) => box.left + (v - extent.xMin) * sx,
    y: (v) => box.top + box.height - (v - extent.yMin) * sy,
  };
}

/** Index of the point (interleaved pixel x, y) nearest to (x, y) within `maxDistance`, or -1. */
export function nearestPoint(pixels: ArrayLike<number>, n: number, x: number, y: number, maxDistance: number): number {
  let best = -1;
  let bestD2 = maxDistance * maxDistance;
  for (let i = 0; i < n; i++) {
    const dx = pixels[2 * i]! - x;
    const dy = pixels[2 * i + 1]! - y;
    const d2 = dx * dx + dy * dy;
    if (d2 <= bestD2) {
      bestD2 = d2;
      best = i;
    }
  }
  return best;
}
