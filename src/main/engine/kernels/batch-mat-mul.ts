// A faster BatchMatMul for the wasm backend. tfjs 4.22's wasm kernel sends a matmul to XNNPACK only
// when neither operand is transposed and the batch is 1; every other case runs a scalar blocked
// loop. Backpropagation through a dense layer asks for exactly those other cases (dx = dy·Wᵀ,
// dW = xᵀ·dy), and that loop took ~85% of an MLP VAE's step. Materialising the transpose with the
// wasm Transpose kernel costs one memory pass, after which the XNNPACK path applies.

import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Backend = tf.KernelBackend & { disposeData(dataId: object): boolean };

let original: KernelFunc | null = null;

function transpose(x: tf.TensorInfo, backend: Backend): tf.TensorInfo {
  const kernel = tf.getKernel('Transpose', 'wasm');
  if (!kernel) throw new Error('wasm Transpose kernel missing');
  const perm = x.shape.length === 3 ? [0, 2, 1] : [1, 0];
  return kernel.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

const fastBatchMatMul: KernelFunc = (args) => {
  const { inputs, attrs } = args;
  const backend = args.backend as Backend;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
  const batchA = a.shape.length === 3 ? a.shape[0] : 1;
  const batchB = b.shape.length === 3 ? b.shape[0] : 1;
  if ((!transposeA && !transposeB) || batchA !== 1 || batchB !== 1) return original!(args);
  const temps: tf.TensorInfo[] = [];
  const a2 = transposeA ? transpose(a, backend) : a;
  const b2 = transposeB ? transpose(b, backend) : b;
  if (a2 !== a) temps.push(a2);
  if (b2 !== b) temps.push(b2);
  try {
    return original!({ ...args, inputs: { a: a2, b: b2 }, attrs: { ...attrs, transposeA: false, transposeB: false } });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
};

/** Replaces wasm's BatchMatMul with the transpose-then-XNNPACK version. Idempotent. */
export function registerFastBatchMatMul(): void {
  if (original) return;
  const existing = tf.getKernel('BatchMatMul', 'wasm');
  if (!existing) throw new Error('wasm BatchMatMul kernel missing: is @tensorflow/tfjs-backend-wasm loaded?');
  original = existing.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...existing, kernelFunc: fastBatchMatMul });
}
