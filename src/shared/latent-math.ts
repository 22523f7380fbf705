// Small linear algebra for browsing a latent space: principal components of encoded points (for the
// scatter of a latent space with more than two dimensions) and interpolation between two latent
// points. Plain TypeScript on Float64Arrays: it runs in the renderer, a worker or main alike.

import { makeRng } from './random.ts';

export interface Pca {
  /** Mean of the points, length d. */
  mean: Float64Array;
  /** The first k principal axes, unit length, largest variance first. */
  components: Float64Array[];
  /** Variance along each returned axis. */
  variances: number[];
}

/** Covariance of n points of dimension d (row-major `points`, length n*d), and their mean. */
export function covariance(points: ArrayLike<number>, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += points[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const cov = new Float64Array(d * d);
  // One centred row at a time, upper triangle only: n*d^2/2 multiply-adds, the whole cost of a PCA.
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = points[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      const base = a * d;
      for (let b = a; b < d; b++) cov[base + b]! += ra * row[b]!;
    }
  }
  const denom = Math.max(1, n - 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b]! /= denom;
      cov[b * d + a] = cov[a * d + b]!;
    }
  }
  return { mean, cov };
}

/**
 * Eigen-decomposition of a symmetric d x d matrix by cyclic Jacobi rotations: exact to rounding for
 * the small matrices here (latent sizes up to a few hundred), with no library and no iteration
 * count to tune beyond convergence.
 */
export function symmetricEigen(matrix: ArrayLike<number>, d: number): { values: number[]; vectors: Float64Array[] } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j * d + j]! - a[i * d + i]!);
  return {
    values: order.map((i) => a[i * d + i]!),
    vectors: order.map((i) => {
      const vec = Float64Array.from({ length: d }, (_, k) => v[k * d + i]!);
      // A sign convention (largest entry positive) so the same data always gives the same picture.
      let big = 0;
      for (let k = 1; k < d; k++) if (Math.abs(vec[k]!) > Math.abs(vec[big]!)) big = k;
      if (vec[big]! < 0) for (let k = 0; k < d; k++) vec[k] = -vec[k]!;
      return vec;
    }),
  };
}

/** Above this many dimensions a Jacobi sweep (O(d^3)) makes the exact decomposition take seconds. */
const EXACT_PCA_MAX_DIM = 128;

export interface PcaOptions {
  /**
   * 'exact' decomposes the whole covariance; 'iterative' finds only the top k axes by block power
   * iteration; 'auto' (default) is exact up to 128 dimensions.
   */
  method?: 'auto' | 'exact' | 'iterative';
  /** Estimate the axes from the first this many points (the covariance costs n*d^2/2). Default: all. */
  fitPoints?: number;
}

/** The first `k` principal components of n points of dimension d (row-major, length n*d). */
export function pca(points: ArrayLike<number>, n: number, d: number, k = 2, options: PcaOptions = {}): Pca {
  if (n < 1 || points.length !== n * d) throw new Error(`pca: expected ${n}x${d} values, got ${points.length}`);
  const { mean, cov } = covariance(points, Math.min(n, options.fitPoints ?? n), d);
  const keep = Math.min(k, d);
  const method = options.method ?? 'auto';
  if (method === 'iterative' || (method === 'auto' && d > EXACT_PCA_MAX_DIM)) return { mean, ...topAxes(cov, d, keep) };
  const { values, vectors } = symmetricEigen(cov, d);
  return { mean, components: vectors.slice(0, keep), variances: values.slice(0, keep) };
}

/** Gram-Schmidt on a list of vectors, in place. */
function orthonormalize(vectors: Float64Array[]): void {
  for (let c = 0; c < vectors.length; c++) {
    const v = vectors[c]!;
    for (let prev = 0; prev < c; prev++) {
      const u = vectors[prev]!;
      let dot = 0;
      for (let j = 0; j < v.length; j++) dot += v[j]! * u[j]!;
      for (let j = 0; j < v.length; j++) v[j]! -= dot * u[j]!;
    }
    let norm = 0;
    for (let j = 0; j < v.length; j++) norm += v[j]! * v[j]!;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < v.length; j++) v[j]! /= norm;
  }
}

function multiply(matrix: Float64Array, d: number, v: Float64Array): Float64Array {
  const out = new Float64Array(d);
  for (let a = 0; a < d; a++) {
    let s = 0;
    const base = a * d;
    for (let b = 0; b < d; b++) s += matrix[base + b]! * v[b]!;
    out[a] = s;
  }
  return out;
}

/**
 * The top `k` eigenvectors of a symmetric d x d matrix by block power iteration with a
 * Rayleigh-Ritz step: a few extra vectors make it converge in tens of iterations, and only a
 * (k+4) x (k+4) matrix goes through the exact decomposition.
 */
function topAxes(cov: Float64Array, d: number, k: number): { components: Float64Array[]; variances: number[] } {
  const p = Math.min(d, k + 4);
  // A fixed start, so the same data always gives the same axes.
  const rng = makeRng(11);
  let basis: Float64Array[] = Array.from({ length: p }, () => Float64Array.from({ length: d }, () => rng() - 0.5));
  orthonormalize(basis);
  for (let iter = 0; iter < 150; iter++) {
    const next = basis.map((v) => multiply(cov, d, v));
    orthonormalize(next);
    let change = 0;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += next[c]![j]! * basis[c]![j]!;
      change = Math.max(change, 1 - Math.abs(dot));
    }
    basis = next;
    // 1e-9 is an angle of ~5e-5 rad: far below what a plot can show.
    if (change < 1e-9) break;
  }
  const products = basis.map((v) => multiply(cov, d, v));
  const small = new Float64Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += basis[a]![j]! * products[b]![j]!;
      small[a * p + b] = s;
    }
  }
  const { values, vectors } = symmetricEigen(small, p);
  const components = vectors.slice(0, k).map((w) => {
    const axis = new Float64Array(d);
    for (let c = 0; c < p; c++) for (let j = 0; j < d; j++) axis[j]! += w[c]! * basis[c]![j]!;
    return axis;
  });
  return { components, variances: values.slice(0, k) };
}

/** Coordinates of each point on the components: n x k, row-major. */
export function project(p: Pca, points: ArrayLike<number>, n: number): Float64Array {
  const d = p.mean.length;
  const k = p.components.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const axis = p.components[c]!;
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[i * d + j]! - p.mean[j]!) * axis[j]!;
      out[i * k + c] = s;
    }
  }
  return out;
}

/** `steps` points from a to b inclusive, along the straight line. */
export function lerpPath(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): Float64Array[] {
  checkPath(a, b, steps);
  return Array.from({ length: steps }, (_, s) => {
    const t = s / (steps - 1);
    return Float64Array.from({ length: a.length }, (_, j) => a[j]! + t * (b[j]! - a[j]!));
  });
}

/**
 * `steps` points from a to b inclusive, along the great circle scaled between the two norms
 * (spherical interpolation). Under a Gaussian prior most mass sits near a shell, and a straight line
 * between two typical points cuts through its low-norm interior; this path stays near the shell.
 * Falls back to the straight line when the two points are (anti)parallel.
 */
export function slerpPath(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): Float64Array[] {
  checkPath(a, b, steps);
  const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
  const na = norm(a);
  const nb = norm(b);
  if (na === 0 || nb === 0) return lerpPath(a, b, steps);
  let dot = 0;
  for (let j = 0; j < a.length; j++) dot += (a[j]! / na) * (b[j]! / nb);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
  if (Math.sin(omega) < 1e-6) return lerpPath(a, b, steps);
  return Array.from({ length: steps }, (_, s) => {
    const t = s / (steps - 1);
    const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
    const wb = Math.sin(t * omega) / Math.sin(omega);
    const radius = na + t * (nb - na);
    return Float64Array.from({ length: a.length }, (_, j) => radius * (wa * (a[j]! / na) + wb * (b[j]! / nb)));
  });
}

function checkPath(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): void {
  if (a.length !== b.length) throw new Error(`interpolation: points of different sizes (${a.length} and ${b.length})`);
  if (!Number.isInteger(steps) || steps < 2) throw new Error('interpolation: needs at least 2 steps');
}

/**
 * The standard normal's quantile function (inverse CDF), by Acklam's rational approximation
 * (relative error below 1.2e-9), for grids spaced by prior probability rather than evenly.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ] as const;
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572] as const;
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783,
  ] as const;
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/**
 * How a manifold grid places its coordinates along each axis: 'linear' evenly over [-range, range];
 * 'quantile' at evenly spaced prior probabilities, as in Kingma and Welling's MNIST manifold figure,
 * from Phi(-range) to Phi(range), so the cells sit denser where the prior puts its mass.
 */
export type GridSpacing = 'linear' | 'quantile';

/** The `size` coordinates along one grid axis, ascending. */
export function gridAxis(size: number, range: number, spacing: GridSpacing): number[] {
  if (!(size >= 1) || !(range > 0)) throw new RangeError(`gridAxis needs size >= 1 and range > 0, got ${size}, ${range}`);
  if (size === 1) return [0];
  const t = Array.from({ length: size }, (_, i) => i / (size - 1));
  if (spacing === 'linear') return t.map((u) => -range + 2 * range * u);
  const lo = normalCdf(-range);
  return t.map((u) => normalQuantile(lo + (1 - 2 * lo) * u));
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 through erf; abs error < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * The points of a size x size manifold grid over latent dimensions `dims` = [x, y], every other
 * dimension held at `base` (the origin by default). Row-major from the top-left cell, with y
 * decreasing down the rows so the picture reads like a plot (y up).
 */
export function manifoldPoints(
  latentDim: number,
  dims: readonly [number, number],
  size: number,
  range: number,
  spacing: GridSpacing,
  base?: ArrayLike<number>,
): number[][] {
  const [dx, dy] = dims;
  if (dx === dy || dx < 0 || dy < 0 || dx >= latentDim || dy >= latentDim)
    throw new RangeError(`manifold dimensions must be two different dimensions below ${latentDim}, got [${dx}, ${dy}]`);
  const axis = gridAxis(size, range, spacing);
  const points: number[][] = [];
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const z = base ? Array.from(base) : new Array<number>(latentDim).fill(0);
      z[dx] = axis[col]!;
      z[dy] = axis[size - 1 - row]!;
      points.push(z);
    }
  }
  return points;
}

/** `count` draws from N(0, I) in `latentDim` dimensions, by Box-Muller from a seeded uniform source. */
export function priorDraw(latentDim: number, count: number, uniform: () => number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < count; i++) {
    const z: number[] = [];
    while (z.length < latentDim) {
      const u1 = 1 - uniform(); // (0, 1]: log stays finite
      const u2 = uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      z.push(r * Math.cos(2 * Math.PI * u2));
      if (z.length < latentDim) z.push(r * Math.sin(2 * Math.PI * u2));
    }
    out.push(z);
  }
  return out;
}
