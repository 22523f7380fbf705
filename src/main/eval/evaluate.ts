// One evaluation of one checkpoint: NLL_k and the collapse diagnostics on the run's evaluation
// images, as the record the store keeps. Shared by the end of training and on-demand evaluation.

import type { EvaluationResult } from '../../shared/evaluation.ts';
import { bitsPerDim } from '../../shared/evaluation.ts';
import { deriveSeed } from '../../shared/random.ts';
import type { EvaluationImages } from './eval-set.ts';
import { importanceWeightedNll, type EvalModel, type IwaeOptions } from './iwae.ts';
import { imageSize } from '../data/index.ts';

export interface EvaluateRequest {
  checkpointStep: number;
  k: number;
  images: number;
  backend: string;
  onProgress?: IwaeOptions['onProgress'];
  cancelled?: IwaeOptions['cancelled'];
}

export async function evaluateCheckpoint(
  model: EvalModel,
  set: EvaluationImages,
  request: EvaluateRequest,
): Promise<EvaluationResult> {
  const started = performance.now();
  // The same images get the same draws at every checkpoint, so checkpoints compare without that noise.
  const seed = deriveSeed(model.config.run.seed, 'evaluation');
  const estimate = await importanceWeightedNll(model, set.images, {
    k: request.k,
    count: request.images,
    seed,
    ...(request.onProgress ? { onProgress: request.onProgress } : {}),
    ...(request.cancelled ? { cancelled: request.cancelled } : {}),
  });
  const pixels = imageSize(set.images);
  return {
    checkpointStep: request.checkpointStep,
    k: estimate.k,
    images: estimate.images,
    split: set.split,
    binarization: set.binarization,
    nll: estimate.nll,
    nllStdErr: estimate.nllStdErr,
    bitsPerDim: bitsPerDim(estimate.nll, pixels),
    negElbo: estimate.negElbo,
    activeUnits: estimate.activeUnits,
    latentDim: model.config.model.latentDim,
    mutualInfo: estimate.mutualInfo,
    seed,
    backend: request.backend,
    durationMs: performance.now() - started,
  };
}
