// Which latent dimensions carry information, by their KL from the prior: a VAE often leaves many
// dimensions inactive (KL near 0, decoder ignores them), and in a large latent space those would
// bury the few that matter. One definition for the explorer's sliders and Compare's KL bars.

/**
 * A latent dimension whose average KL to the prior is below this many nats carries (almost) no
 * information about the image: the encoder ignores it and the decoder learns to as well.
 */
export const ACTIVE_KL = 0.01;

export const isActive = (kl: number): boolean => kl >= ACTIVE_KL;

export function activeDims(klPerDim: readonly number[]): { active: number; total: number } {
  return { active: klPerDim.filter(isActive).length, total: klPerDim.length };
}

/** Dimensions ordered by KL, largest first (ties by index), for bars that fall off like a spectrum. */
export function rankDims(klPerDim: readonly number[]): { dim: number; kl: number }[] {
  return klPerDim.map((kl, dim) => ({ dim, kl })).sort((a, b) => b.kl - a.kl || a.dim - b.dim);
}

/** The `k` dimensions with the largest KL, largest first (ties by index); [0..k) without KL. */
export function mostActive(klPerDim: readonly number[] | null, latentDim: number, k: number): number[] {
  if (!klPerDim || klPerDim.length !== latentDim) return Array.from({ length: Math.min(k, latentDim) }, (_, d) => d);
  return rankDims(klPerDim)
    .slice(0, k)
    .map((r) => r.dim);
}

/** The order to list the sliders in: by index, or most active first. */
export function sliderOrder(klPerDim: readonly number[] | null, latentDim: number, activeFirst: boolean): number[] {
  return activeFirst ? mostActive(klPerDim, latentDim, latentDim) : Array.from({ length: latentDim }, (_, d) => d);
}
