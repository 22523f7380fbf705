// One share's loss parts and gradients, computed the same way on the run's thread (share 0) and in
// the gradient workers. The objective is scaled by the share's part of the batch before it is
// differentiated, so the batch's gradient is the plain sum of the shares' (one add a weight instead
// of a multiply and an add on the run's thread, where the step waits for it).

import * as tf from '@tensorflow/tfjs';
import { vaeLoss, type VaeNets } from '../vae-loss.ts';

export interface ShareGradients {
  /** Gradients of `weight` x the share's objective, by variable name. */
  grads: tf.NamedTensorMap;
  /** The share's own (unweighted) objective, reconstruction and KL: means over its images. */
  values: [number, number, number];
}

export function shareGradients(
  nets: VaeNets,
  variables: readonly tf.Variable[],
  x: tf.Tensor2D,
  y: tf.Tensor2D | null,
  eps: tf.Tensor3D,
  beta: number,
  weight: number,
): ShareGradients {
  const parts: tf.Scalar[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const loss = vaeLoss(nets, x, y, eps, true, beta);
    parts.push(tf.keep(loss.objective), tf.keep(loss.recon), tf.keep(loss.kl));
    return tf.mul(loss.objective, weight) as tf.Scalar;
  }, variables as tf.Variable[]);
  const values = parts.map((p) => p.dataSync()[0]!) as [number, number, number];
  tf.dispose([value, ...parts]);
  return { grads, values };
}
