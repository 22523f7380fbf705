// A sequential colour scale for the value a plot is coloured by, and its legend's gradient. Written
// here rather than pulled from d3-scale-chromatic: one ramp is a few lines, and this one avoids the
// very light and very dark ends of viridis-like ramps, which vanish on the light or the dark theme.

export const RAMP = ['#2f5fd0', '#1f9aa8', '#6fb03a', '#e0a020', '#d0402a'] as const;

function hex(c: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
}
const STOPS = RAMP.map(hex);

/** The colour at u in [0, 1] along the ramp (clamped), optionally translucent. */
export function rampColor(u: number, alpha = 1): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i]!;
  const b = STOPS[i + 1]!;
  const c = a.map((v, k) => Math.round(v + (b[k]! - v) * f));
  return alpha === 1 ? `rgb(${c[0]}, ${c[1]}, ${c[2]})` : `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${alpha})`;
}

/** A CSS gradient of the ramp, for a legend bar (left = low). */
export function rampGradient(direction = 'to right'): string {
  return `linear-gradient(${direction}, ${RAMP.map((c, i) => `${c} ${(100 * i) / (RAMP.length - 1)}%`).join(', ')})`;
}

export interface ColorDomain {
  lo: number;
  hi: number;
  log: boolean;
}

/** The domain of the finite values (log when all are positive and span more than a decade). */
export function colorDomain(values: readonly (number | null)[]): ColorDomain | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return { lo, hi, log: lo > 0 && hi / lo > 10 };
}

/** Where a value sits in the domain, 0 to 1 (0.5 when the domain is one value). */
export function colorPosition(domain: ColorDomain, v: number): number {
  if (domain.hi === domain.lo) return 0.5;
  if (domain.log) return (Math.log(v) - Math.log(domain.lo)) / (Math.log(domain.hi) - Math.log(domain.lo));
  return (v - domain.lo) / (domain.hi - domain.lo);
}

/** Bucket index (0..buckets-1) of a value, so lines of like colour can be stroked together. */
export function colorBucket(domain: ColorDomain, v: number, buckets: number): number {
  return Math.min(buckets - 1, Math.max(0, Math.floor(colorPosition(domain, v) * buckets)));
}

export interface Coloring {
  /** The colour position (0..1) of a value; null when it has none. */
  at(value: string | number | null): number | null;
  /** Swatches for a few distinct values, else null (and the legend is a gradient from lo to hi). */
  swatches: { label: string; u: number }[] | null;
  domain: ColorDomain | null;
}

/**
 * Colours for the values of a setting: a few distinct values (or any categories) get one swatch
 * each, evenly along the ramp in their order; many numbers get the continuous ramp.
 */
export function coloring(values: readonly (string | number | null)[], maxSwatches = 8): Coloring {
  const present = values.filter((v): v is string | number => v !== null);
  const numeric = present.every((v) => typeof v === 'number');
  const distinct = [...new Set(present)];
  if (numeric && distinct.length > maxSwatches) {
    const domain = colorDomain(present);
    return { at: (v) => (typeof v === 'number' && domain ? colorPosition(domain, v) : null), swatches: null, domain };
  }
  const sorted = numeric
    ? (distinct as number[]).sort((a, b) => a - b).map(String)
    : distinct.map(String).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const u = (i: number) => (sorted.length === 1 ? 0.5 : i / (sorted.length - 1));
  const index = new Map(sorted.map((s, i) => [s, i]));
  return {
    at: (v) => {
      const i = v === null ? undefined : index.get(String(v));
      return i === undefined ? null : u(i);
    },
    swatches: sorted.map((label, i) => ({ label, u: u(i) })),
    domain: null,
  };
}
