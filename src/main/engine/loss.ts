// The negative ELBO, in parts, per image. All functions are pure tensor functions so the test can
// compare them with a hand computation, and the trainer can run them inside one tf.tidy.

import * as tf from '@tensorflow/tfjs';
import type { LikelihoodKind, SigmaKind } from '../../shared/config.ts';

/** log(sigma^2) from the encoder's sigma head, per parametrisation. */
export function logVariance(head: tf.Tensor, kind: SigmaKind): tf.Tensor {
  switch (kind) {
    case 'abs':
      // The notebook's sigma = sqrt(h^2) = |h|; log(sigma^2) = log(h^2), -inf when h reaches 0.
      return tf.log(tf.square(head));
    case 'softplus':
      return tf.mul(2, tf.log(tf.softplus(head)));
    case 'logvar':
      return head;
  }
}

export function sigmaOf(head: tf.Tensor, kind: SigmaKind): tf.Tensor {
  switch (kind) {
    case 'abs':
      return tf.abs(head);
    case 'softplus':
      return tf.softplus(head);
    case 'logvar':
      return tf.exp(tf.mul(0.5, head));
  }
}

/** KL(q(z|x) || N(0, I)) per image: 0.5 * sum(sigma^2 + mu^2 - 1 - log sigma^2). mean, head: [B, L]. */
export function klPerImage(mean: tf.Tensor2D, head: tf.Tensor2D, kind: SigmaKind): tf.Tensor1D {
  const logVar = logVariance(head, kind);
  const variance = kind === 'logvar' ? tf.exp(head) : tf.square(sigmaOf(head, kind));
  const terms = tf.sub(tf.add(variance, tf.square(mean)), tf.add(1, logVar));
  return tf.mul(0.5, tf.sum(terms, 1)) as tf.Tensor1D;
}

/**
 * Reconstruction term -log p(x|z) per image, averaged over the K samples.
 * x: [B, P] pixels in 0..1; logits: [K, B, P].
 * gaussian: the notebook's 0.5 * sum((x - sigmoid(logits))^2) (unit variance, constant dropped);
 * bernoulli: binary cross-entropy with logits, in its stable form max(l,0) - l*x + log(1 + e^-|l|).
 */
export function reconPerImage(x: tf.Tensor2D, logits: tf.Tensor3D, likelihood: LikelihoodKind): tf.Tensor1D {
  const k = logits.shape[0];
  let perPixel: tf.Tensor;
  if (likelihood === 'gaussian') {
    perPixel = tf.mul(0.5, tf.squaredDifference(tf.sigmoid(logits), x));
  } else {
    perPixel = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.softplus(tf.neg(tf.abs(logits))));
  }
  // Sum over pixels, then average over samples: [K, B] -> [B].
  return tf.div(tf.sum(tf.sum(perPixel, 2), 0), k) as tf.Tensor1D;
}

export interface LossInputs {
  /** Images flattened: [B, P]. */
  x: tf.Tensor2D;
  mean: tf.Tensor2D;
  head: tf.Tensor2D;
  /** Standard normal noise [K, B, L]. */
  eps: tf.Tensor3D;
  /** Decodes z [N, L] to logits [N, P]. */
  decode: (z: tf.Tensor2D) => tf.Tensor2D;
  sigma: SigmaKind;
  likelihood: LikelihoodKind;
  beta: number;
}

export interface LossTensors {
  /** What the optimizer minimises: mean over the batch of recon + beta * kl. */
  objective: tf.Scalar;
  recon: tf.Scalar;
  kl: tf.Scalar;
}

/** Reparameterised K-sample estimate, vectorised: one decoder call on all K*B latent points. */
export function elbo(inputs: LossInputs): LossTensors {
  const { x, mean, head, eps, decode } = inputs;
  const [k, b, l] = eps.shape;
  const sigma = sigmaOf(head, inputs.sigma);
  const z = tf.add(tf.mul(eps, sigma), mean) as tf.Tensor3D; // broadcasts [B,L] over K
  const logits = decode(tf.reshape(z, [k * b, l])).reshape([k, b, -1]) as tf.Tensor3D;
  const recon = tf.mean(reconPerImage(x, logits, inputs.likelihood)) as tf.Scalar;
  const kl = tf.mean(klPerImage(mean, head, inputs.sigma)) as tf.Scalar;
  const objective = inputs.beta === 1 ? tf.add(recon, kl) : tf.add(recon, tf.mul(inputs.beta, kl));
  return { objective: objective as tf.Scalar, recon, kl };
}
