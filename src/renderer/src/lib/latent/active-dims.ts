// Which latent dimensions carry information, by their KL from the prior: a VAE often leaves many
// dimensions inactive (KL near 0, decoder ignores them), and in a large latent space those would
// bury the few that matter.

/** The `k` dimensions with the largest KL, largest first (ties by index); [0..k) without KL. */
export function mostActive(klPerDim: readonly number[] | null, latentDim: number, k: number): number[] {
  const all = Array.from({ length: latentDim }, (_, d) => d);
  if (!klPerDim || klPerDim.length !== latentDim) return all.slice(0, k);
  return all.sort((a, b) => klPerDim[b] - klPerDim[a] || a - b).slice(0, k);
}

/** The order to list the sliders in: by index, or most active first. */
export function sliderOrder(klPerDim: readonly number[] | null, latentDim: number, activeFirst: boolean): number[] {
  return activeFirst ? mostActive(klPerDim, latentDim, latentDim) : Array.from({ length: latentDim }, (_, d) => d);
}
