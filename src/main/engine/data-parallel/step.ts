// One data-parallel training step's gradients: the whole batch's randomness drawn as the single-
// thread step draws it (images with dynamic binarization, labels, noise), then sliced into shares;
// share 0 computed here while the workers compute theirs, and the gradients summed in share order.
// Each share's objective is weighted by its part of the batch (share.ts): every objective that is
// split is a mean over the batch's images (see plan.ts's unsplittable), so the weighted sum is the
// batch's, loss parts and gradients alike.

import * as tf from '@tensorflow/tfjs';
import { drawBatch, type Dataset } from '../../data/index.ts';
import { batchLabels, oneHot } from '../condition.ts';
import type { VaeNets } from '../vae-loss.ts';
import { shareGradients } from './share.ts';
import type { GradientPool } from './pool.ts';
import { shareBounds } from './plan.ts';

export interface ShareBatch {
  ds: Dataset;
  order: ArrayLike<number>;
  start: number;
  end: number;
  binarizeSeed: number | null;
  noiseSeed: number;
  beta: number;
  classes: number;
}

export interface ParallelGradients {
  /** The batch's gradients, by variable name; the caller disposes them. */
  grads: tf.NamedTensorMap;
  objective: number;
  recon: number;
  kl: number;
}

export function parallelGradients(
  pool: GradientPool,
  nets: VaeNets,
  variables: readonly tf.Variable[],
  shares: number,
  b: ShareBatch,
): ParallelGradients {
  const count = b.end - b.start;
  const { samples: k } = nets.config.loss;
  const latent = nets.config.model.latentDim;
  drawBatch(b.ds, b.order, b.start, b.end, pool.images, b.binarizeSeed);
  const labels = b.classes > 0 ? batchLabels(b.ds, b.order, b.start, b.end) : null;
  if (labels) pool.labels.set(labels);
  const eps = tf.randomNormal([k, count, latent], 0, 1, 'float32', b.noiseSeed) as tf.Tensor3D;
  pool.noise.set(eps.dataSync() as Float32Array);
  pool.publishWeights(variables);
  pool.dispatch(count, shares, b.beta);

  const t0 = performance.now();
  const weight = (share: number) => {
    const [s, e] = shareBounds(count, shares, share);
    return (e - s) / count;
  };
  const size0 = shareBounds(count, shares, 0)[1];
  let ownValues: [number, number, number] = [Number.NaN, Number.NaN, Number.NaN];
  const own = tf.tidy(() => {
    const x = tf.tensor2d(pool.images.subarray(0, size0 * nets.pixels), [size0, nets.pixels]);
    const y = labels ? oneHot(labels.subarray(0, size0), b.classes, b.ds.name) : null;
    const share = shareGradients(nets, variables, x, y, eps.slice([0, 0, 0], [k, size0, latent]), b.beta, weight(0));
    ownValues = share.values;
    return share.grads;
  });
  eps.dispose();
  let others;
  try {
    others = pool.collect(shares, performance.now() - t0);
  } catch (e) {
    tf.dispose(own);
    throw e;
  }
  // Summed in share order: the same shares give the same bits, whatever finished first.
  const grads = tf.tidy(() => {
    const out: tf.NamedTensorMap = {};
    variables.forEach((v, j) => {
      let acc = own[v.name]!;
      for (const o of others) acc = tf.add(acc, tf.tensor(pool.part(o.grads, j, v.size), v.shape));
      out[v.name] = acc;
    });
    return out;
  });
  tf.dispose(own);
  const w0 = weight(0);
  const sum = (pick: (r: { objective: number; recon: number; kl: number }) => number, mine: number) =>
    others.reduce((acc, o, i) => acc + weight(i + 1) * pick(o), w0 * mine);
  return {
    grads,
    objective: sum((r) => r.objective, ownValues[0]!),
    recon: sum((r) => r.recon, ownValues[1]!),
    kl: sum((r) => r.kl, ownValues[2]!),
  };
}
