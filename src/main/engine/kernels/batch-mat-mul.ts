// Faster BatchMatMul and _FusedMatMul for the wasm backend, by choosing which of wasm's two matmul
// paths runs. tfjs 4.22's wasm kernel sends a product to XNNPACK only when neither operand is
// transposed and the batch is 1; otherwise it runs a scalar blocked loop.
//
// - Backpropagation through a dense layer asks for transposed products (dx = dy·Wᵀ, dW = xᵀ·dy),
//   and that loop took ~85% of an MLP VAE's step. Materialising the transpose with the wasm
//   Transpose kernel costs one memory pass, after which XNNPACK applies (3x faster training).
// - XNNPACK repacks the right operand whenever its tensor changes, which for weights is every step
//   (~5 ns a value). When the product has only a few rows (batch-1 training) the packing costs more
//   than the multiply, so those products are steered to the plain loop instead.
// - That plain loop applies a fused bias and activation wrongly: it adds the bias (at index
//   min(i·N + j, N−1), right for row 0 only) and clamps once per 48-wide block of the shared
//   dimension, not once per product. So a few-row fused product runs as a plain product on that
//   loop followed by separate Add and Relu kernels; multi-row and transposed fused products go to
//   XNNPACK, which the stock kernel also failed to do for transposed ones.

import * as tf from '@tensorflow/tfjs';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Backend = tf.KernelBackend & { disposeData(dataId: object): boolean };
interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Rows of the product at or below which packing the right operand is not worth it. */
const SMALL_PRODUCT_ROWS = 4;

function transpose(x: tf.TensorInfo, backend: Backend): tf.TensorInfo {
  const kernel = tf.getKernel('Transpose', 'wasm');
  if (!kernel) throw new Error('wasm Transpose kernel missing');
  const perm = x.shape.length === 3 ? [0, 2, 1] : [1, 0];
  return kernel.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

function kernel(name: string): KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm ${name} kernel missing`);
  return k.kernelFunc;
}

/** A few-row fused product as plain product (on the plain loop) + bias Add + Relu, or null if the activation is another one. */
function smallFused(args: Parameters<KernelFunc>[0], plainMatMul: KernelFunc): tf.TensorInfo | null {
  const backend = args.backend as Backend;
  const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
  const { transposeA, transposeB, activation } = args.attrs as unknown as MatMulAttrs & { activation: string };
  if (activation !== 'linear' && activation !== 'relu') return null;
  let out = plainMatMul({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }) as tf.TensorInfo;
  const then = (name: string, inputs: Record<string, tf.TensorInfo>) => {
    const next = kernel(name)({ inputs, backend, attrs: {} }) as tf.TensorInfo;
    backend.disposeData(out.dataId);
    out = next;
  };
  if (bias) then('Add', { a: out, b: bias });
  if (activation === 'relu') then('Relu', { x: out });
  return out;
}

function routed(original: KernelFunc, fused: boolean): KernelFunc {
  return (args) => {
    const backend = args.backend as Backend;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as MatMulAttrs;
    const batchA = a.shape.length === 3 ? a.shape[0] : 1;
    const batchB = b.shape.length === 3 ? b.shape[0] : 1;
    if (batchA !== 1 || batchB !== 1) return original(args);
    // A rank below 2 has no row count: never the small-product path (as `undefined <= n` was before).
    const rows = (attrs.transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2]) ?? Infinity;
    if (fused && rows <= SMALL_PRODUCT_ROWS) {
      const out = smallFused(args, routedMatMul!);
      if (out) return out;
    }
    const temps: tf.TensorInfo[] = [];
    let a2 = a;
    let b2 = b;
    let flags = { transposeA: attrs.transposeA, transposeB: attrs.transposeB };
    if (!fused && rows <= SMALL_PRODUCT_ROWS) {
      // The plain loop runs whenever some operand is flagged transposed: flag `a` (a tiny copy).
      if (!attrs.transposeA && !attrs.transposeB) {
        a2 = transpose(a, backend);
        temps.push(a2);
        flags = { transposeA: true, transposeB: false };
      }
    } else if (attrs.transposeA || attrs.transposeB) {
      if (attrs.transposeA) temps.push((a2 = transpose(a, backend)));
      if (attrs.transposeB) temps.push((b2 = transpose(b, backend)));
      flags = { transposeA: false, transposeB: false };
    }
    if (temps.length === 0) return original(args);
    try {
      return original({ ...args, inputs: { ...args.inputs, a: a2, b: b2 }, attrs: { ...args.attrs, ...flags } });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

const originals = new Map<string, KernelFunc>();
let routedMatMul: KernelFunc | null = null;

/** Replaces wasm's BatchMatMul and _FusedMatMul with the routed versions. Idempotent. */
export function registerFastBatchMatMul(): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    if (originals.has(name)) continue;
    const existing = tf.getKernel(name, 'wasm');
    if (!existing) throw new Error(`wasm ${name} kernel missing: is @tensorflow/tfjs-backend-wasm loaded?`);
    originals.set(name, existing.kernelFunc);
    const replacement = routed(existing.kernelFunc, name === '_FusedMatMul');
    if (name === 'BatchMatMul') routedMatMul = replacement;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...existing, kernelFunc: replacement });
  }
}
