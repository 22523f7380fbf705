// Posterior-collapse diagnostics from the encoder's outputs on a set of images, in float64:
//
// - Active units (Burda et al. 2016, section 5.2): a latent dimension u is active when
//   Cov_x(E_q(z|x)[z_u]) > 0.01, the variance over images of its posterior mean.
// - The mutual information I_q(x; z) between an image and its code under q(x, z) = p_data(x) q(z|x)
//   (Hoffman & Johnson 2016), estimated as He et al. 2019 do (their calc_mi):
//   I = E_x[E_q(z|x) log q(z|x)] - E_z[log q(z)], the first term exactly (minus the Gaussian's
//   entropy), the second with one z_n ~ q(z|x_n) per image and q(z) as the mixture of the images'
//   posteriors: log q(z_n) = logsumexp_m log q(z_n|x_m) - log N. That is O(N² L), so at most
//   MI_IMAGES images take part. Written out by hand: no library here computes either.

import { makeRng } from '../../shared/random.ts';

export const ACTIVE_UNIT_THRESHOLD = 0.01;
export const MI_IMAGES = 1000;

const LOG_2PI = Math.log(2 * Math.PI);

/** A standard normal draw by Box-Muller from a seeded uniform source. */
function normal(rng: () => number): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

export function activeUnits(means: ArrayLike<number>, count: number, latentDim: number): number {
  let active = 0;
  for (let u = 0; u < latentDim; u++) {
    let mean = 0;
    for (let n = 0; n < count; n++) mean += means[n * latentDim + u]!;
    mean /= count;
    let variance = 0;
    for (let n = 0; n < count; n++) variance += (means[n * latentDim + u]! - mean) ** 2;
    // Population variance, as Burda et al.'s Cov_x; with one image nothing varies.
    if (count > 0 && variance / count > ACTIVE_UNIT_THRESHOLD) active++;
  }
  return active;
}

export function mutualInformation(
  means: ArrayLike<number>,
  logVars: ArrayLike<number>,
  total: number,
  latentDim: number,
  seed: number,
): number {
  const n = Math.min(total, MI_IMAGES);
  if (n < 2) return 0;
  const rng = makeRng(seed);
  const z = new Float64Array(n * latentDim);
  let negEntropy = 0;
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < latentDim; d++) {
      const lv = logVars[i * latentDim + d]!;
      z[i * latentDim + d] = means[i * latentDim + d]! + Math.exp(0.5 * lv) * normal(rng);
      negEntropy += -0.5 * (LOG_2PI + 1 + lv);
    }
  }
  negEntropy /= n;
  const invVar = new Float64Array(n * latentDim);
  const logNorm = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    let c = 0;
    for (let d = 0; d < latentDim; d++) {
      const lv = logVars[m * latentDim + d]!;
      invVar[m * latentDim + d] = Math.exp(-lv);
      c += -0.5 * (LOG_2PI + lv);
    }
    logNorm[m] = c;
  }
  let logQz = 0;
  const terms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let m = 0; m < n; m++) {
      let t = logNorm[m]!;
      for (let d = 0; d < latentDim; d++) {
        const diff = z[i * latentDim + d]! - means[m * latentDim + d]!;
        t -= 0.5 * diff * diff * invVar[m * latentDim + d]!;
      }
      terms[m] = t;
      if (t > max) max = t;
    }
    let sum = 0;
    for (let m = 0; m < n; m++) sum += Math.exp(terms[m]! - max);
    logQz += max + Math.log(sum) - Math.log(n);
  }
  return negEntropy - logQz / n;
}

export function collapseDiagnostics(
  means: Float32Array,
  logVars: Float32Array,
  count: number,
  latentDim: number,
  seed: number,
): { activeUnits: number; mutualInfo: number } {
  return {
    activeUnits: activeUnits(means, count, latentDim),
    mutualInfo: mutualInformation(means, logVars, count, latentDim, seed),
  };
}
