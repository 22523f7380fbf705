// Small linear algebra for browsing a latent space: principal components of encoded points (for the
// scatter of a latent space with more than two dimensions) and interpolation between two latent
// points. Plain TypeScript on Float64Arrays: it runs in the renderer, a worker or main alike.

export interface Pca {
  /** Mean of the points, length d. */
  mean: Float64Array;
  /** The first k principal axes, unit length, largest variance first. */
  components: Float64Array[];
  /** Variance along each returned axis. */
  variances: number[];
}

/** Covariance of n points of dimension d (row-major `points`, length n*d), and their mean. */
function covariance(points: ArrayLike<number>, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += points[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const da = points[i * d + a] - mean[a];
      for (let b = a; b < d; b++) cov[a * d + b] += da * (points[i * d + b] - mean[b]);
    }
  }
  const denom = Math.max(1, n - 1);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= denom;
      cov[b * d + a] = cov[a * d + b];
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
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => a[j * d + j] - a[i * d + i]);
  return {
    values: order.map((i) => a[i * d + i]),
    vectors: order.map((i) => {
      const vec = Float64Array.from({ length: d }, (_, k) => v[k * d + i]);
      // A sign convention (largest entry positive) so the same data always gives the same picture.
      let big = 0;
      for (let k = 1; k < d; k++) if (Math.abs(vec[k]) > Math.abs(vec[big])) big = k;
      if (vec[big] < 0) for (let k = 0; k < d; k++) vec[k] = -vec[k];
      return vec;
    }),
  };
}

/** The first `k` principal components of n points of dimension d (row-major, length n*d). */
export function pca(points: ArrayLike<number>, n: number, d: number, k = 2): Pca {
  if (n < 1 || points.length !== n * d) throw new Error(`pca: expected ${n}x${d} values, got ${points.length}`);
  const { mean, cov } = covariance(points, n, d);
  const { values, vectors } = symmetricEigen(cov, d);
  const keep = Math.min(k, d);
  return { mean, components: vectors.slice(0, keep), variances: values.slice(0, keep) };
}

/** Coordinates of each point on the components: n x k, row-major. */
export function project(p: Pca, points: ArrayLike<number>, n: number): Float64Array {
  const d = p.mean.length;
  const k = p.components.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (points[i * d + j] - p.mean[j]) * p.components[c][j];
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
    return Float64Array.from({ length: a.length }, (_, j) => a[j] + t * (b[j] - a[j]));
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
  for (let j = 0; j < a.length; j++) dot += (a[j] / na) * (b[j] / nb);
  const omega = Math.acos(Math.min(1, Math.max(-1, dot)));
  if (Math.sin(omega) < 1e-6) return lerpPath(a, b, steps);
  return Array.from({ length: steps }, (_, s) => {
    const t = s / (steps - 1);
    const wa = Math.sin((1 - t) * omega) / Math.sin(omega);
    const wb = Math.sin(t * omega) / Math.sin(omega);
    const radius = na + t * (nb - na);
    return Float64Array.from({ length: a.length }, (_, j) => radius * (wa * (a[j] / na) + wb * (b[j] / nb)));
  });
}

function checkPath(a: ArrayLike<number>, b: ArrayLike<number>, steps: number): void {
  if (a.length !== b.length) throw new Error(`interpolation: points of different sizes (${a.length} and ${b.length})`);
  if (!Number.isInteger(steps) || steps < 2) throw new Error('interpolation: needs at least 2 steps');
}
