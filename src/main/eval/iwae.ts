// The importance-weighted bound, computed in chunks: NLL_k = -mean_x log (1/k) Σ_i w_i with
// w_i = p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x). The tensors give log w per (sample, image) in
// float32; the log-sum-exp over the k samples is accumulated per image in float64 here, streaming
// over sample chunks (running max and rescaled sum), so k = 5,000 never overflows nor needs all k
// weights of an image in memory at once. A plain function of a loaded model, so the training worker
// (end of a run), the evaluation worker (on demand) and the tests all call the same code.

import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config.ts';
import { deriveSeed } from '../../shared/random.ts';
import { imageSize, type Dataset } from '../data/index.ts';
import { batchLabels, classesOfModel, oneHot, withLabel } from '../engine/condition.ts';
import { logVariance, sigmaOf } from '../engine/loss.ts';
import { readTensors } from '../engine/read-tensor.ts';
import { collapseDiagnostics } from './diagnostics.ts';

export interface EvalModel {
  config: ExperimentConfig;
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
}

/** Standard normal noise of shape [samples, images, latentDim]; `key` names the chunk it is for. */
export type NoiseSource = (shape: [number, number, number], key: string) => tf.Tensor3D;

export interface IwaeOptions {
  k: number;
  /** Images to evaluate: the first `count` of the data set (fewer when it holds fewer). */
  count: number;
  seed: number;
  /** Called after each chunk of images with how many are done. */
  onProgress?: (done: number, total: number) => void;
  /** Polled between chunks; true ends the computation with EvaluationCancelled. */
  cancelled?: () => boolean;
  /** Tests draw their own noise to repeat the computation by hand; default: seeded tf.randomNormal. */
  noise?: NoiseSource;
  /** Latent points per decoder call (memory bound); default 2,048. */
  pointsPerCall?: number;
}

export interface IwaeEstimate {
  images: number;
  k: number;
  nll: number;
  nllStdErr: number;
  negElbo: number;
  activeUnits: number;
  mutualInfo: number;
  /** -log p_k(x) of each image, for tests and statistics. */
  perImage: Float64Array;
}

export class EvaluationCancelled extends Error {
  constructor() {
    super('The evaluation was cancelled.');
  }
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * log p(x|z) per (sample, image): logits [S, B, P], x [B, P]. Bernoulli: minus the binary
 * cross-entropy in its stable form. Gaussian: the unit-variance density with its normalising
 * constant, so NLL_k is a (continuous) negative log-likelihood; the trainer's -ELBO drops the constant.
 */
function logLikelihood(x: tf.Tensor2D, logits: tf.Tensor3D, likelihood: ExperimentConfig['loss']['likelihood']): tf.Tensor2D {
  const pixels = x.shape[1];
  if (likelihood === 'gaussian') {
    const sq = tf.sum(tf.squaredDifference(tf.sigmoid(logits), x), 2);
    return tf.sub<tf.Tensor2D>(tf.mul(-0.5, sq), pixels * HALF_LOG_2PI);
  }
  const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.softplus(tf.neg(tf.abs(logits))));
  return tf.neg(tf.sum(bce, 2)) as tf.Tensor2D;
}

/** Running log-sum-exp of one image's log weights, in float64. */
class LogSumExp {
  max = -Infinity;
  sum = 0;
  add(v: number): void {
    if (v <= this.max) this.sum += Math.exp(v - this.max);
    else {
      this.sum = this.sum * Math.exp(this.max - v) + 1;
      this.max = v;
    }
  }
  get value(): number {
    return this.max + Math.log(this.sum);
  }
}

export async function importanceWeightedNll(model: EvalModel, data: Dataset, options: IwaeOptions): Promise<IwaeEstimate> {
  const { config } = model;
  const { k, seed } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a whole number of at least 1, got ${k}`);
  const count = Math.min(options.count, data.count);
  if (count < 1) throw new Error(`there are no images to evaluate (${data.name} has ${data.count})`);
  const latentDim = config.model.latentDim;
  const pixels = imageSize(data);
  // A conditional VAE's bound is of p(x|y): p(x|z,y) and q(z|x,y), each image with its own label.
  const classes = classesOfModel(model.decoder);
  const budget = options.pointsPerCall ?? 2048;
  const imagesPerChunk = Math.max(1, Math.min(256, Math.floor(budget / k)));
  const samplesPerCall = Math.max(1, Math.min(k, Math.floor(budget / imagesPerChunk)));
  const noise: NoiseSource =
    options.noise ?? ((shape, key) => tf.randomNormal<tf.Rank.R3>(shape, 0, 1, 'float32', deriveSeed(seed, `iwae/${key}`)));
  const perImage = new Float64Array(count);
  const means = new Float32Array(count * latentDim);
  const logVars = new Float32Array(count * latentDim);
  let elboSum = 0;

  for (let start = 0; start < count; start += imagesPerChunk) {
    if (options.cancelled?.()) throw new EvaluationCancelled();
    if (start > 0) await yieldToMessages();
    const b = Math.min(imagesPerChunk, count - start);
    const x = tf.tensor2d(data.images.subarray(start * pixels, (start + b) * pixels), [b, pixels]);
    const y = classes > 0 ? oneHot(batchLabels(data, null, start, start + b), classes, data.name) : null;
    const [mu, head] = tf.tidy(() => {
      const out = model.encoder.apply(withLabel(x.reshape([b, data.height, data.width, data.channels ?? 1]), y), {
        training: false,
      }) as tf.Tensor2D[];
      return [out[0]!, out[1]!];
    });
    const [muValues, logVarValues] = readTensors(() => [tf.clone(mu), tf.clone(logVariance(head, config.model.sigma))]);
    // (clones: under `logvar` the log-variance is the head itself, which must outlive the read.)
    means.set(muValues, start * latentDim);
    logVars.set(logVarValues, start * latentDim);
    const sums = Array.from({ length: b }, () => new LogSumExp());
    const elbo = new Float64Array(b);
    try {
      for (let s0 = 0; s0 < k; s0 += samplesPerCall) {
        if (s0 > 0 && options.cancelled?.()) throw new EvaluationCancelled();
        const s = Math.min(samplesPerCall, k - s0);
        const [logW] = readTensors(() => {
          const eps = noise([s, b, latentDim], `${start}/${s0}`);
          const sigma = sigmaOf(head, config.model.sigma);
          const z = tf.add<tf.Tensor3D>(tf.mul(eps, sigma), mu);
          const label = y && tf.tile(y, [s, 1]);
          const flat = model.decoder.apply(withLabel(tf.reshape(z, [s * b, latentDim]), label), { training: false }) as tf.Tensor;
          const logits = tf.reshape<tf.Rank.R3>(flat, [s, b, pixels]);
          const logPx = logLikelihood(x, logits, config.loss.likelihood);
          // log p(z) - log q(z|x) = -½|z|² + ½|ε|² + ½ Σ log σ² (the 2π terms cancel).
          const logVar = logVariance(head, config.model.sigma);
          const ratio = tf.add(
            tf.mul(0.5, tf.sub(tf.sum(tf.square(eps), 2), tf.sum(tf.square(z), 2))),
            tf.mul(0.5, tf.sum(logVar, 1)),
          );
          return [tf.add(logPx, ratio)];
        });
        for (let i = 0; i < s; i++) {
          for (let j = 0; j < b; j++) {
            const v = logW[i * b + j]!;
            sums[j]!.add(v);
            elbo[j]! += v;
          }
        }
      }
    } finally {
      tf.dispose([x, mu, head]);
      y?.dispose();
    }
    for (let j = 0; j < b; j++) {
      perImage[start + j] = -(sums[j]!.value - Math.log(k));
      elboSum += -elbo[j]! / k;
    }
    options.onProgress?.(start + b, count);
  }

  let mean = 0;
  for (const v of perImage) mean += v;
  mean /= count;
  let sq = 0;
  for (const v of perImage) sq += (v - mean) ** 2;
  const stdErr = count > 1 ? Math.sqrt(sq / (count - 1) / count) : 0;
  const diagnostics = collapseDiagnostics(means, logVars, count, latentDim, deriveSeed(seed, 'mutual-information'));
  return { images: count, k, nll: mean, nllStdErr: stdErr, negElbo: elboSum / count, ...diagnostics, perImage };
}
