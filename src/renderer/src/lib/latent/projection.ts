// Where each encoded image lands on the 2-D scatter: on two chosen latent dimensions, or on the
// first two principal components of the means. Principal axes have no inherent sign, so each
// checkpoint's are flipped to agree with a neighbouring checkpoint's picture of the same images;
// without that the cloud would mirror itself at random while scrubbing through epochs.

import { pca as exactPca, project, symmetricEigen, type Pca } from '../../../../shared/latent-math.ts';
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
    xy[2 * i] = means[i * d + dims[0]];
    xy[2 * i + 1] = jitter ? jitter[i] : means[i * d + dims[1]];
  }
  return xy;
}

/** Above this many dimensions the exact eigen-decomposition (O(d³) per sweep) takes seconds. */
const EXACT_PCA_MAX_DIM = 128;
/** Points the iterative PCA estimates its axes from (all of them are projected). */
const ITERATIVE_PCA_POINTS = 400;

function centeredCovariance(points: ArrayLike<number>, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += points[i * d + j] / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = points[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      const base = a * d;
      for (let b = a; b < d; b++) cov[base + b] += ra * row[b];
    }
  }
  const denom = Math.max(1, n - 1);
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b] /= denom;
  return { mean, cov };
}

/** Gram–Schmidt on the columns of a d x p matrix stored as p vectors; in place. */
function orthonormalize(vectors: Float64Array[]): void {
  for (let c = 0; c < vectors.length; c++) {
    const v = vectors[c];
    for (let prev = 0; prev < c; prev++) {
      const u = vectors[prev];
      let dot = 0;
      for (let j = 0; j < v.length; j++) dot += v[j] * u[j];
      for (let j = 0; j < v.length; j++) v[j] -= dot * u[j];
    }
    const norm = Math.hypot(...v) || 1;
    for (let j = 0; j < v.length; j++) v[j] /= norm;
  }
}

function multiply(cov: Float64Array, d: number, v: Float64Array): Float64Array {
  const out = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    let s = 0;
    const base = a * d;
    for (let b = 0; b < d; b++) s += cov[base + b] * v[b];
    out[a] = s;
  }
  return out;
}

/**
 * The top `k` principal axes of a large latent space by block power iteration on the covariance
 * with a Rayleigh–Ritz step: a few extra vectors make it converge in tens of iterations, and only a
 * tiny matrix goes through the exact eigen-decomposition.
 */
function iterativePca(points: ArrayLike<number>, n: number, d: number, k: number): Pca {
  // The covariance costs n·d²/2 (300 ms for 1,000 points of 512 dimensions, on the UI thread); the
  // first few hundred points pin the top two axes down as well as a plot can show.
  const { mean, cov } = centeredCovariance(points, Math.min(n, ITERATIVE_PCA_POINTS), d);
  const p = Math.min(d, k + 4);
  const rng = makeRng(11);
  let basis: Float64Array[] = Array.from({ length: p }, () => Float64Array.from({ length: d }, () => rng() - 0.5));
  orthonormalize(basis);
  for (let iter = 0; iter < 150; iter++) {
    const next = basis.map((v) => multiply(cov, d, v));
    orthonormalize(next);
    let change = 0;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += next[c][j] * basis[c][j];
      change = Math.max(change, 1 - Math.abs(dot));
    }
    basis = next;
    // 1e-9 is an angle of ~5e-5 rad: far below what a plot can show.
    if (change < 1e-9) break;
  }
  const products = basis.map((v) => multiply(cov, d, v));
  const small = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) small[a * p + b] = basis[a].reduce((s, x, j) => s + x * products[b][j], 0);
  const { values, vectors } = symmetricEigen(small, p);
  const components = vectors.slice(0, k).map((w) => {
    const axis = new Float64Array(d);
    for (let c = 0; c < p; c++) for (let j = 0; j < d; j++) axis[j] += w[c] * basis[c][j];
    return axis;
  });
  return { mean, components, variances: values.slice(0, k) };
}

/** The first two principal axes, exactly for modest latent sizes and iteratively beyond. */
export function principalAxes(means: ArrayLike<number>, n: number, d: number): Pca {
  return d <= EXACT_PCA_MAX_DIM ? exactPca(means, n, d, 2) : iterativePca(means, n, d, Math.min(2, d));
}

/** Sum of the per-dimension variances: the denominator of "share of variance explained". */
export function totalVariance(means: ArrayLike<number>, n: number, d: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = means[i * d + j];
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
    for (let i = 0; i < n; i++) dot += xy[2 * i + axis] * reference[2 * i + axis];
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
  return Float64Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? coords[(i >> 1) * k] : jitter[i >> 1]));
}

export function projectOnPca(means: ArrayLike<number>, n: number, d: number, reference: Float64Array | null): Projection {
  const raw = principalAxes(means, n, d);
  const aligned = alignSigns(raw, pcaCoordinates(raw, means, n), reference);
  const total = totalVariance(means, n, d);
  const share = (i: number) => (total > 0 && aligned.pca.variances[i] !== undefined ? aligned.pca.variances[i] / total : 0);
  return { mode: 'pca', n, xy: aligned.xy, pca: aligned.pca, explained: [share(0), share(1)], dims: [0, Math.min(1, d - 1)] };
}

/** Where latent point `z` falls on a projection's axes, to mark the decoder's position. */
export function projectPoint(z: ArrayLike<number>, projection: Projection): [number, number] {
  if (projection.pca) {
    const p = projection.pca;
    const coords = p.components.map((axis) => {
      let s = 0;
      for (let j = 0; j < axis.length; j++) s += (z[j] - p.mean[j]) * axis[j];
      return s;
    });
    return [coords[0], coords[1] ?? 0];
  }
  const [dx, dy] = projection.dims;
  return dx === dy ? [z[dx], 0] : [z[dx], z[dy]];
}
