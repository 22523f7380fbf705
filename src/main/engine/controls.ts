// The tensor side of the training controls: changing an optimizer's learning rate between steps and
// clipping gradients by their global norm. The schedules themselves are in shared/schedules.ts.

import * as tf from '@tensorflow/tfjs';

/**
 * Sets the rate the next applyGradients uses. Adam and RMSprop read their `learningRate` field at
 * every step (it is protected in tfjs' typings, public at run time); SGD caches it as a scalar that
 * only setLearningRate renews.
 */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (rate: number) => void };
  if (optimizer.getClassName() === 'SGD' && typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else o.learningRate = rate;
}

/**
 * Gradients scaled by min(1, maxNorm / (norm + 1e-6)), the norm taken over all of them together:
 * PyTorch's clip_grad_norm_, written out because tfjs has no global-norm clipping. Returns the
 * norm before clipping with the (new) gradients; the caller disposes both.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: tf.Scalar } {
  const names = Object.keys(grads);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))) as tf.Scalar);
  const scale = tf.tidy(() => tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6))));
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = tf.mul(grads[n]!, scale);
  scale.dispose();
  return { grads: out, norm };
}
