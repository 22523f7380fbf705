// A VAE's loss on a batch given its noise: the encoder and decoder passes and the ELBO, shared by the
// trainer (the whole batch, or share 0 of a data-parallel step) and the gradient workers (their
// shares), so every thread computes a share with exactly the same operations.

import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config.ts';
import { lossControls } from '../../shared/schedules.ts';
import { withLabel } from './condition.ts';
import { elbo, type LossTensors } from './loss.ts';

export interface VaeNets {
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly config: ExperimentConfig;
  /** Values per image: height x width x channels. */
  readonly pixels: number;
  readonly channels: 1 | 3;
}

/** The trainable variables of encoder then decoder, in the order checkpoints and gradient buffers use. */
export function trainableVariables(nets: Pick<VaeNets, 'encoder' | 'decoder'>): tf.Variable[] {
  return [...nets.encoder.trainableWeights, ...nets.decoder.trainableWeights].map((w) =>
    (w as unknown as { read(): tf.Variable }).read(),
  );
}

export function encode(nets: VaeNets, x: tf.Tensor2D, y: tf.Tensor2D | null, training: boolean): [tf.Tensor2D, tf.Tensor2D] {
  const { imageHeight: h, imageWidth: w } = nets.config.data;
  const out = nets.encoder.apply(withLabel(x.reshape([-1, h, w, nets.channels]), y), { training }) as tf.Tensor[];
  return [out[0] as tf.Tensor2D, out[1] as tf.Tensor2D];
}

/** Logits [N, P] of z [N, L]; `y` [N, C] (or [B, C] repeated over N = K*B samples, sample-major). */
export function decodeLogits(nets: VaeNets, z: tf.Tensor2D, y: tf.Tensor2D | null): tf.Tensor2D {
  const label = y && y.shape[0] !== z.shape[0] ? tf.tile(y, [z.shape[0] / y.shape[0], 1]) : y;
  const logits = nets.decoder.apply(withLabel(z, label), { training: true }) as tf.Tensor;
  return logits.reshape([z.shape[0], nets.pixels]);
}

/** Loss parts of a batch x [B, P] with noise eps [K, B, L]. Tensors are returned to the caller's scope. */
export function vaeLoss(
  nets: VaeNets,
  x: tf.Tensor2D,
  y: tf.Tensor2D | null,
  eps: tf.Tensor3D,
  training: boolean,
  beta: number,
): LossTensors {
  const [mean, head] = encode(nets, x, y, training);
  const { likelihood } = nets.config.loss;
  const { freeBits, objective } = lossControls(nets.config.loss);
  const sigma = nets.config.model.sigma;
  const decode = (z: tf.Tensor2D) => decodeLogits(nets, z, y);
  return elbo({ x, mean, head, eps, decode, sigma, likelihood, beta, freeBits, objective });
}
