// The negative ELBO, in parts, per image. All functions are pure tensor functions so the test can
// compare them with a hand computation, and the trainer can run them inside one tf.tidy.

import * as tf from '@tensorflow/tfjs';
import type { LikelihoodKind, ObjectiveKind, SigmaKind } from '../../shared/config.ts';

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

/** KL(q(z|x) || N(0, I)) per image and latent dimension: 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2). [B, L]. */
export function klPerDimension(mean: tf.Tensor2D, head: tf.Tensor2D, kind: SigmaKind): tf.Tensor2D {
  const logVar = logVariance(head, kind);
  const variance = kind === 'logvar' ? tf.exp(head) : tf.square(sigmaOf(head, kind));
  const terms = tf.sub(tf.add(variance, tf.square(mean)), tf.add(1, logVar));
  return tf.mul(0.5, terms) as tf.Tensor2D;
}

/** KL(q(z|x) || N(0, I)) per image. mean, head: [B, L]. */
export function klPerImage(mean: tf.Tensor2D, head: tf.Tensor2D, kind: SigmaKind): tf.Tensor1D {
  // Written as before the per-dimension split (0.5 outside the sum), so the float32 result is bit for bit the same.
  const logVar = logVariance(head, kind);
  const variance = kind === 'logvar' ? tf.exp(head) : tf.square(sigmaOf(head, kind));
  const terms = tf.sub(tf.add(variance, tf.square(mean)), tf.add(1, logVar));
  return tf.mul(0.5, tf.sum(terms, 1)) as tf.Tensor1D;
}

/**
 * Free bits (Kingma et al. 2016): each dimension's KL, averaged over the batch, counts at least
 * `lambda` nats in the objective, so the optimizer gains nothing by pushing it below. [B, L] -> scalar.
 */
export function freeBitsKl(klDims: tf.Tensor2D, lambda: number): tf.Scalar {
  return tf.sum(tf.maximum(tf.mean(klDims, 0), lambda));
}

/**
 * Reconstruction term -log p(x|z) per sample and image: [K, B].
 * x: [B, P] pixels in 0..1; logits: [K, B, P].
 * gaussian: the notebook's 0.5 * sum((x - sigmoid(logits))^2) (unit variance, constant dropped);
 * bernoulli: binary cross-entropy with logits, in its stable form max(l,0) - l*x + log(1 + e^-|l|).
 */
export function reconPerSample(x: tf.Tensor2D, logits: tf.Tensor3D, likelihood: LikelihoodKind): tf.Tensor2D {
  let perPixel: tf.Tensor;
  if (likelihood === 'gaussian') {
    perPixel = tf.mul(0.5, tf.squaredDifference(tf.sigmoid(logits), x));
  } else {
    perPixel = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, x)), tf.softplus(tf.neg(tf.abs(logits))));
  }
  return tf.sum(perPixel, 2) as tf.Tensor2D;
}

/** Reconstruction term per image, averaged over the K samples: [B]. */
export function reconPerImage(x: tf.Tensor2D, logits: tf.Tensor3D, likelihood: LikelihoodKind): tf.Tensor1D {
  const k = logits.shape[0];
  return tf.div(tf.sum(reconPerSample(x, logits, likelihood), 0), k) as tf.Tensor1D;
}

/**
 * The IWAE bound's negative, per image: -log (1/K) Σ_k w_k with log w_k = log p(x|z_k) +
 * beta * (log p(z_k) - log q(z_k|x)) (beta = 1 is Burda et al.'s bound). The Gaussians' 2π terms
 * cancel in the difference; z = mean + sigma * eps, so log q needs only eps and log sigma.
 * reconK: [K, B] (-log p(x|z_k)); z, eps: [K, B, L]; logVar: [B, L].
 */
export function iwaePerImage(
  reconK: tf.Tensor2D,
  z: tf.Tensor3D,
  eps: tf.Tensor3D,
  logVar: tf.Tensor2D,
  beta: number,
): tf.Tensor1D {
  const k = reconK.shape[0];
  const logPz = tf.mul(-0.5, tf.sum(tf.square(z), 2));
  const logQz = tf.sub(tf.mul(-0.5, tf.sum(tf.square(eps), 2)), tf.mul(0.5, tf.sum(logVar, 1)));
  const logW = tf.sub(tf.mul(beta, tf.sub(logPz, logQz)), reconK);
  return tf.neg(tf.sub(tf.logSumExp(logW, 0), Math.log(k))) as tf.Tensor1D;
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
  /** Nats per latent dimension (0: off); for the elbo objective only. */
  freeBits?: number;
  objective?: ObjectiveKind;
}

export interface LossTensors {
  /**
   * What the optimizer minimises, per image over the batch: recon + beta * kl (kl with free bits'
   * floor), or the IWAE bound's negative. recon and kl stay the true ELBO parts either way.
   */
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
  const freeBits = inputs.freeBits ?? 0;
  if (inputs.objective === 'iwae') {
    const reconK = reconPerSample(x, logits, inputs.likelihood);
    const recon = tf.div(tf.sum(reconK), k * b) as tf.Scalar;
    const kl = tf.mean(klPerImage(mean, head, inputs.sigma)) as tf.Scalar;
    const bound = iwaePerImage(reconK, z, eps, logVariance(head, inputs.sigma) as tf.Tensor2D, inputs.beta);
    return { objective: tf.mean(bound) as tf.Scalar, recon, kl };
  }
  const recon = tf.mean(reconPerImage(x, logits, inputs.likelihood)) as tf.Scalar;
  const kl = tf.mean(klPerImage(mean, head, inputs.sigma)) as tf.Scalar;
  // Without free bits the objective is computed exactly as it always was (the presets' bits depend on it).
  const klTerm = freeBits > 0 ? freeBitsKl(klPerDimension(mean, head, inputs.sigma), freeBits) : kl;
  const objective = inputs.beta === 1 ? tf.add(recon, klTerm) : tf.add(recon, tf.mul(inputs.beta, klTerm));
  return { objective: objective as tf.Scalar, recon, kl };
}
