// Where each encoded image lands on the 2-D scatter: on two chosen latent dimensions, or on the
// first two principal components of the means. Principal axes have no inherent sign, so each
// checkpoint's are flipped to agree with a neighbouring checkpoint's picture of the same images;
// without that the cloud would mirror itself at random while scrubbing through epochs.

import { pca, project, type Pca } from '../../../../shared/latent-math.ts';
import { makeRng } from '../../../../shared/random.ts';

export type ProjectionMode = 'dims' | 'pca';

export interface Projection {
  mode: ProjectionMode;
  n: number;
  /** Interleaved x, y per point. */
  xy: Float64Array;
  /** The axes used in 'pca' mode, signs already aligned; null on dims. */
  pca: Pca | null;
  /** Fraction of the total variance along each principal axis; null on dims. */
  explained: [number, number] | null;
  /** Dimensions plotted in 'dims' mode; a 1-D latent space plots dimension 0 against a jitter. */
  dims: [number, number];
}

/**
 * Vertical spread for a 1-D latent space: a fixed pseudo-random offset per point in [-1, 1], so the
 * strip reads as a density rather than a line of overlapping dots, and stays put across epochs.
 */
export function stripJitter(n: number): Float64Array {
  const rng = makeRng(7);
  return Float64Array.from({ length: n }, () => rng() * 2 - 1);
}

export function projectOnDims(means: ArrayLike<number>, n: number, d: number, dims: readonly [number, number]): Float64Array {
  const xy = new Float64Array(2 * n);
  const jitter = d === 1 ? stripJitter(n) : null;
  for (let i = 0; i < n; i++) {
    xy[2 * i] = means[i * d + dims[0]]!;
    xy[2 * i + 1] = jitter ? jitter[i]! : means[i * d + dims[1]]!;
  }
  return xy;
}

/**
 * Points the axes of a large latent space are estimated from (all are projected): its covariance
 * costs n*d^2/2 on the UI thread (300 ms for 1,000 points of 512 dimensions), and a few hundred
 * points pin the top two axes down as well as a plot can show.
 */
const LARGE_FIT_POINTS = 400;
const LARGE_DIM = 128;

/** The first two principal axes (exact for modest latent sizes, iterative beyond; see pca). */
export function principalAxes(means: ArrayLike<number>, n: number, d: number): Pca {
  return pca(means, n, d, 2, d > LARGE_DIM ? { fitPoints: LARGE_FIT_POINTS } : {});
}

/** Sum of the per-dimension variances: the denominator of "share of variance explained". */
export function totalVariance(means: ArrayLike<number>, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = means[i * d + j]!;
      s += v;
      s2 += v * v;
    }
    total += (s2 - (s * s) / n) / Math.max(1, n - 1);
  }
  return total;
}

/**
 * Flips principal axes whose coordinates run against `reference` (the same images' coordinates at
 * another checkpoint): an axis is kept when the two agree on the whole (positive correlation).
 * Returns the flipped axes and coordinates; `pca` and `xy` are not changed.
 */
export function alignSigns(pca: Pca, xy: Float64Array, reference: Float64Array | null): { pca: Pca; xy: Float64Array } {
  if (!reference || reference.length !== xy.length) return { pca, xy };
  const n = xy.length / 2;
  const flips = [0, 1].map((axis) => {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += xy[2 * i + axis]! * reference[2 * i + axis]!;
    return dot < 0;
  });
  if (!flips[0] && !flips[1]) return { pca, xy };
  const out = Float64Array.from(xy, (v, i) => (flips[i % 2] ? -v : v));
  const components = pca.components.map((c, axis) => (flips[axis] ? c.map((v) => -v) : c));
  return { pca: { ...pca, components }, xy: out };
}

/** Interleaved x, y of the means on their first two principal axes (0 for a missing second axis). */
function pcaCoordinates(p: Pca, means: ArrayLike<number>, n: number): Float64Array {
  const k = p.components.length;
  const coords = project(p, means, n);
  if (k === 2) return coords;
  const jitter = stripJitter(n);
  return Float64Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? coords[(i >> 1) * k]! : jitter[i >> 1]!));
}

export function projectOnPca(means: ArrayLike<number>, n: number, d: number, reference: Float64Array | null): Projection {
  const raw = principalAxes(means, n, d);
  const aligned = alignSigns(raw, pcaCoordinates(raw, means, n), reference);
  const total = totalVariance(means, n, d);
  const share = (i: number) => {
    const variance = aligned.pca.variances[i];
    return total > 0 && variance !== undefined ? variance / total : 0;
  };
  return { mode: 'pca', n, xy: aligned.xy, pca: aligned.pca, explained: [share(0), share(1)], dims: [0, Math.min(1, d - 1)] };
}

/** Where latent point `z` falls on a projection's axes, to mark the decoder's position. */
export function projectPoint(z: ArrayLike<number>, projection: Projection): [number, number] {
  if (projection.pca) {
    const coords = project(projection.pca, z, 1);
    return [coords[0] ?? 0, coords[1] ?? 0];
  }
  const [dx, dy] = projection.dims;
  return dx === dy ? [z[dx] ?? 0, 0] : [z[dx] ?? 0, z[dy] ?? 0];
}
