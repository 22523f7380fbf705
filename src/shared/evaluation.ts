// Paper-style evaluation of a trained model: the importance-weighted negative log-likelihood NLL_k
// (Burda et al. 2016) with bits per dimension beside it, and the posterior-collapse diagnostics
// (active units, Burda et al.; the mutual information I_q(x; z), Hoffman & Johnson 2016, as
// estimated by He et al. 2019). Plain types and arithmetic: main computes, the renderer shows.

/** Which images an evaluation used. 'held-out' is the seeded held-out fraction of the training data. */
export type EvaluationSplit = 'held-out' | 'train' | 'test';
/** How the evaluated pixels were binarized; 'none' keeps intensities in 0..1. */
export type EvaluationBinarization = 'none' | 'dynamic' | 'static';

/** The most importance samples per image an evaluation may draw. */
export const MAX_EVAL_K = 5000;

export interface EvaluationResult {
  /** Checkpoint evaluated (its step). */
  checkpointStep: number;
  k: number;
  /** Images evaluated. */
  images: number;
  split: EvaluationSplit;
  binarization: EvaluationBinarization;
  /** NLL_k = -mean_x log (1/k) Σ_i p(x, z_i) / q(z_i|x), nats per image. */
  nll: number;
  /** Standard error of that mean over images (the spread of the images, not of the k draws). */
  nllStdErr: number;
  /** NLL_k / (D ln 2), D = pixels per image. */
  bitsPerDim: number;
  /** -mean over x and the same k draws of log p(x, z) / q(z|x): the k-sample negative ELBO estimate. */
  negElbo: number;
  /** Latent dimensions whose posterior mean varies over x by more than 0.01 (Burda et al.). */
  activeUnits: number;
  latentDim: number;
  /** I_q(x; z) in nats, the Monte Carlo estimate of He et al. 2019 over up to 1,000 of the images. */
  mutualInfo: number;
  seed: number;
  backend: string;
  durationMs: number;
}

export interface EvaluationRecord extends EvaluationResult {
  id: number;
  runId: number;
  createdAt: number;
}

/** Bits per dimension of a negative log-likelihood in nats over `pixels` dimensions. */
export function bitsPerDim(nllNats: number, pixels: number): number {
  return nllNats / (pixels * Math.LN2);
}

/** Progress of one evaluation, as training events carry it (`type: 'evaluation'`). */
export type EvaluationState = 'running' | 'done' | 'failed' | 'cancelled';
