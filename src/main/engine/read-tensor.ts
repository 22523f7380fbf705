import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` in a tidy scope and reads its tensors' values, disposing them. Reading must happen
 * outside the scope: tf.tidy walks whatever its function returns looking for tensors, element by
 * element for a typed array, which cost 250 ms for one 20x20 grid of 28x28 images.
 */
export function readTensors<T extends tf.Tensor[]>(fn: () => [...T]): { [K in keyof T]: Float32Array } {
  const tensors = tf.tidy(fn);
  try {
    // map keeps the tuple's length, which TypeScript cannot see through a mapped type.
    return tensors.map((t) => t.dataSync() as Float32Array) as { [K in keyof T]: Float32Array };
  } finally {
    tf.dispose(tensors);
  }
}
