// The two things the latent worker computes: images from latent points (the decoder's pixel mean),
// and posterior means plus per-dimension KL from images. Plain functions of a loaded model, so a
// test can call them on the main thread without a worker.

import * as tf from '@tensorflow/tfjs';
import type { ImageGrid } from '../../shared/training.ts';
import { imageGrid } from '../engine/grid.ts';
import { batchLabels, oneHot, withLabel } from '../engine/condition.ts';
import { logVariance } from '../engine/loss.ts';
import { readTensors } from '../engine/read-tensor.ts';
import { imageSize, type Dataset } from '../data/index.ts';
import { imageShapeOf } from '../engine/model.ts';
import type { LoadedModel } from './model-cache.ts';

/**
 * Images per encoder call. Small enough that a slider decode arriving during a long encode waits
 * for one batch (the worker yields between them), not for the whole encode.
 */
const ENCODE_BATCH = 128;

const yieldToMessages = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Decodes latent points; a conditional VAE's all with `label` (null for an unconditioned model). */
export function decodePoints(
  model: LoadedModel,
  points: Float32Array,
  latentDim: number,
  cols: number,
  label: number | null,
): ImageGrid {
  const { height: h, width: w, channels: c } = imageShapeOf(model.config.data);
  const n = points.length / latentDim;
  if (model.classes > 0 && label === null) throw new Error('a conditional VAE decodes with a label');
  const [pixels] = readTensors(() => {
    const y = model.classes > 0 ? oneHot(new Array<number>(n).fill(label!), model.classes, 'decode') : null;
    const logits = model.decoder.apply(withLabel(tf.tensor2d(points, [n, latentDim]), y), { training: false }) as tf.Tensor;
    // Both likelihoods' pixel mean is sigmoid(logits): the training decoder stops at the logits.
    return [tf.sigmoid(logits)];
  });
  const size = h * w * c;
  const images = Array.from({ length: n }, (_, i) => pixels.subarray(i * size, (i + 1) * size));
  return imageGrid(images, Math.ceil(n / cols), cols, h, w, c);
}

export interface Encoded {
  /** count * latentDim posterior means. */
  means: Float32Array;
  /** Mean KL(q(z_d|x) || N(0,1)) per dimension over the images, nats. */
  klPerDim: Float64Array;
}

/**
 * Encodes the first `count` images of `images` in batches, letting other requests in between; a
 * conditional VAE's encoder with each image's own label (unlabelled images are refused).
 */
export async function encodeImages(model: LoadedModel, images: Dataset, count: number): Promise<Encoded> {
  const { height: h, width: w } = images;
  const c = images.channels ?? 1;
  const size = imageSize(images);
  const latentDim = model.config.model.latentDim;
  const sigma = model.config.model.sigma;
  const means = new Float32Array(count * latentDim);
  const klSum = new Float64Array(latentDim);
  for (let start = 0; start < count; start += ENCODE_BATCH) {
    if (start > 0) await yieldToMessages();
    const b = Math.min(ENCODE_BATCH, count - start);
    const [mean, klTerms] = readTensors(() => {
      const x = tf.tensor4d(images.images.subarray(start * size, (start + b) * size), [b, h, w, c]);
      const y = model.classes > 0 ? oneHot(batchLabels(images, null, start, start + b), model.classes, images.name) : null;
      const [mu, head] = model.encoder.apply(withLabel(x, y), { training: false }) as [tf.Tensor2D, tf.Tensor2D];
      const logVar = logVariance(head, sigma);
      // Per image and dimension: 0.5 * (mu^2 + sigma^2 - 1 - log sigma^2), summed over the batch.
      const terms = tf.mul(0.5, tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(1, logVar)));
      return [mu, tf.sum(terms, 0)];
    });
    means.set(mean, start * latentDim);
    for (let d = 0; d < latentDim; d++) klSum[d]! += klTerms[d]!;
  }
  return { means, klPerDim: klSum.map((s) => s / count) };
}
