// Micro-benchmark of ways to compute conv gradients on the wasm backend, for the conv VAE's two
// encoder convolutions and the deconv decoder's two transposed ones.
// Run: npx tsx bench/conv-grad.ts [--quick] [--only filter|input]
//
// Conv2DBackpropFilter alternatives:
// Alternatives (all NHWC, valid padding, stride 1, as in the model):
//   transposed-conv       the filter gradient as a convolution of x^T (batch as channels) with dy^T
//   slices+matMulT        im2col from one strided slice per filter tap, concat, matMul(transposeA)
//   slices+matMul         the same patches transposed first, so BatchMatMul can use XNNPACK
//   conv3d-builtin        the wasm backend's own Conv3DBackpropFilterV2 on depth-1 tensors
//   im2col patches-left   JS im2col into [K, M] . dy [M, co] (one XNNPACK matMul)
//   im2col patches-right  dy^T [co, M] . JS im2col [M, K], transposed back
//   kernel                the registered project kernel, which picks one of the two by shape
//   cpu                   the cpu backend's kernel, for reference
// matMul here is whatever BatchMatMul registerProjectKernels leaves registered (the project's
// transpose-then-XNNPACK one), so matMulT is not tfjs's scalar fallback.
//
// Conv2DBackpropInput alternatives (conv2d's input gradient; conv2dTranspose's forward pass):
//   builtin               tfjs 4.22's wasm kernel (a scalar loop)
//   col2im                dy [M, co] . W^T [co, K] (one XNNPACK matMul), then a JS gather into dx
//   conv                  XNNPACK Conv2D of dy (zero-dilated by the stride) with the flipped filter
//   kernel                the registered project kernel, which picks one of the two by shape
//   cpu                   the cpu backend's kernel, for reference
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/main/engine/backend.ts';
import { filterGradient, type PatchSide } from '../src/main/engine/kernels/conv2d-backprop-filter.ts';
import {
  conv2DBackpropInputInfo,
  inputGradient,
  type Conv2DBackpropInputKernelAttrs,
  type InputGradientMethod,
} from '../src/main/engine/kernels/conv2d-backprop-input.ts';

interface Case {
  label: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
}

const quick = process.argv.includes('--quick');
const budgetMs = quick ? 150 : 600;
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;

const CASES: Case[] = [64, 1].flatMap(
  (n) =>
    [
      { label: `conv1 5x5 1->32, x ${n}x28x28x1`, xShape: [n, 28, 28, 1], filterShape: [5, 5, 1, 32] },
      { label: `conv2 3x3 32->64, x ${n}x12x12x32`, xShape: [n, 12, 12, 32], filterShape: [3, 3, 32, 64] },
    ] as Case[],
);

type Impl = (x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: Case['filterShape']) => tf.Tensor;

const kernelAttrs = (filterShape: Case['filterShape']) =>
  ({ strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape }) as unknown as tf.NamedAttrMap;

const projectKernel: Impl = (x, dy, filterShape) =>
  tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, kernelAttrs(filterShape)) as tf.Tensor;

const im2colSide =
  (side: PatchSide): Impl =>
  (x, dy, filterShape) => {
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape } as const;
    const info = filterGradient(x, dy, attrs, tf.backend() as BackendWasm, side);
    return tf.engine().makeTensorFromTensorInfo(info);
  };

const transposedConv: Impl = (x, dy, [fh, fw]) =>
  tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]); // [ci, H, W, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, N, co]
    const g = tf.conv2d(xT, dyT, 1, 'valid'); // [ci, fh', fw', co], fh' >= fh
    const cropped = g.shape[1] === fh && g.shape[2] === fw ? g : tf.slice(g, [0, 0, 0, 0], [-1, fh, fw, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });

function slicePatches(x: tf.Tensor4D, dy: tf.Tensor4D, fh: number, fw: number): tf.Tensor2D {
  const [n, oh, ow] = dy.shape;
  const ci = x.shape[3];
  const taps: tf.Tensor4D[] = [];
  for (let r = 0; r < fh; r++) {
    for (let s = 0; s < fw; s++) {
      taps.push(tf.slice(x, [0, r, s, 0], [n, oh, ow, ci]));
    }
  }
  return tf.reshape(tf.concat(taps, 3), [n * oh * ow, fh * fw * ci]);
}

const slicesMatMulT: Impl = (x, dy, filterShape) =>
  tf.tidy(() => {
    const [fh, fw, , co] = filterShape;
    const patches = slicePatches(x, dy, fh, fw);
    return tf.reshape(tf.matMul(patches, tf.reshape(dy, [-1, co]), true, false), filterShape);
  });

const slicesMatMul: Impl = (x, dy, filterShape) =>
  tf.tidy(() => {
    const [fh, fw, , co] = filterShape;
    const patches = tf.transpose(slicePatches(x, dy, fh, fw));
    return tf.reshape(tf.matMul(patches, tf.reshape(dy, [-1, co])), filterShape);
  });

const conv3dBuiltin: Impl = (x, dy, filterShape) =>
  tf.tidy(() => {
    const [n, h, w, ci] = x.shape;
    const [, oh, ow, co] = dy.shape;
    const g = tf.engine().runKernel(
      'Conv3DBackpropFilterV2',
      { x: tf.reshape(x, [n, 1, h, w, ci]), dy: tf.reshape(dy, [n, 1, oh, ow, co]) },
      {
        strides: [1, 1, 1, 1, 1],
        pad: 'valid',
        filterShape: [1, ...filterShape],
      },
    ) as tf.Tensor;
    return tf.reshape(g, filterShape);
  });

function inputs(c: Case): { x: Float32Array; dy: Float32Array; dyShape: [number, number, number, number] } {
  const [n, h, w] = c.xShape;
  const [fh, fw, , co] = c.filterShape;
  const dyShape: [number, number, number, number] = [n, h - fh + 1, w - fw + 1, co];
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    x: Float32Array.from({ length: size(c.xShape) }, rand),
    dy: Float32Array.from({ length: size(dyShape) }, rand),
    dyShape,
  };
}

/**
 * Median ms per call over as many calls as fit the budget (the machine is shared and noisy), after
 * one warm-up call whose output is returned for checking. Each timed call gets freshly computed
 * inputs (`fresh`), as in training: wasm's BatchMatMul and Conv2D cache XNNPACK operators with
 * their packed weights by tensor id, so reusing one tensor would leave the weight packing out of
 * the time.
 */
function timeCalls(
  call: (inputs: tf.Tensor4D[]) => tf.Tensor,
  inputs: tf.Tensor4D[],
  fresh: (inputs: tf.Tensor4D[]) => tf.Tensor4D[],
  warmOnly = false,
): { ms: number; out: Float32Array } {
  const warmStart = performance.now();
  const warm = call(inputs);
  const out = warm.dataSync() as Float32Array;
  const warmMs = performance.now() - warmStart;
  warm.dispose();
  if (warmOnly) return { ms: warmMs, out };
  const samples: number[] = [];
  let total = 0;
  while (total < budgetMs || samples.length < 3) {
    const freshInputs = fresh(inputs);
    const start = performance.now();
    const g = call(freshInputs);
    g.dataSync();
    const ms = performance.now() - start;
    tf.dispose([g, ...freshInputs.filter((t) => !inputs.includes(t))]);
    samples.push(ms);
    total += ms;
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[samples.length >> 1]!, out };
}

function time(
  impl: Impl,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Case['filterShape'],
  warmOnly = false,
): { ms: number; out: Float32Array } {
  return timeCalls(
    ([xs, dys]) => impl(xs!, dys!, filterShape),
    [x, dy],
    ([xs, dys]) => [xs!, tf.neg(dys!)],
    warmOnly,
  );
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const WASM_IMPLS: [string, Impl][] = [
  ['transposed-conv', transposedConv],
  ['slices+matMulT', slicesMatMulT],
  ['slices+matMul', slicesMatMul],
  ['conv3d-builtin', conv3dBuiltin],
  ['im2col patches-left', im2colSide('left')],
  ['im2col patches-right', im2colSide('right')],
  ['kernel', projectKernel],
];

async function benchFilter(): Promise<void> {
  for (const c of CASES) {
    const data = inputs(c);
    const rows: string[] = [];
    await tf.setBackend('cpu');
    const xc = tf.tensor4d(data.x, c.xShape);
    const dyc = tf.tensor4d(data.dy, data.dyShape);
    // The cpu kernel takes seconds per call at batch 64, so its single (cold) call is the time.
    const reference = time(projectKernel, xc, dyc, c.filterShape, true);
    tf.dispose([xc, dyc]);
    await tf.setBackend('wasm');
    const x = tf.tensor4d(data.x, c.xShape);
    const dy = tf.tensor4d(data.dy, data.dyShape);
    for (const [name, impl] of WASM_IMPLS) {
      const before = tf.memory().numTensors;
      const r = time(impl, x, dy, c.filterShape);
      const leaked = tf.memory().numTensors - before;
      const err = maxAbsDiff(r.out, reference.out);
      rows.push(
        `  ${name.padEnd(22)} ${r.ms.toFixed(2).padStart(8)} ms   max|diff vs cpu| ${err.toExponential(1)}${leaked ? `  LEAK ${leaked}` : ''}`,
      );
    }
    rows.push(`  ${'cpu'.padEnd(22)} ${reference.ms.toFixed(2).padStart(8)} ms`);
    tf.dispose([x, dy]);
    console.log(`${c.label} (dy ${data.dyShape.join('x')})\n${rows.join('\n')}\n`);
  }
}

interface InputCase {
  label: string;
  filterShape: [number, number, number, number];
  attrs: Conv2DBackpropInputKernelAttrs;
}

const nhwc = (inputShape: InputCase['attrs']['inputShape'], strides: number, pad: 'valid' | 'same') =>
  ({ inputShape, strides, pad, dataFormat: 'NHWC' }) as const;

const INPUT_CASES: InputCase[] = [
  ...[64, 1].flatMap((n): InputCase[] => [
    { label: `conv2 dx 3x3 32->64, x ${n}x12x12x32`, filterShape: [3, 3, 32, 64], attrs: nhwc([n, 12, 12, 32], 1, 'valid') },
    { label: `conv1 dx 5x5 1->32, x ${n}x28x28x1`, filterShape: [5, 5, 1, 32], attrs: nhwc([n, 28, 28, 1], 1, 'valid') },
  ]),
  // conv2dTranspose(y, f, outShape) is Conv2DBackpropInput with y as dy and outShape as the input.
  {
    label: 'deconv1 convT 32->16 k4 s2 same, y 64x7x7x32',
    filterShape: [4, 4, 16, 32],
    attrs: nhwc([64, 14, 14, 16], 2, 'same'),
  },
  { label: 'deconv2 convT 16->1 k4 s2 same, y 64x14x14x16', filterShape: [4, 4, 1, 16], attrs: nhwc([64, 28, 28, 1], 2, 'same') },
];

type InputImpl = (dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: Conv2DBackpropInputKernelAttrs) => tf.Tensor;

const inputKernel: InputImpl = (dy, filter, attrs) =>
  tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

const inputMethod =
  (method: InputGradientMethod): InputImpl =>
  (dy, filter, attrs) =>
    tf.engine().makeTensorFromTensorInfo(inputGradient(dy, filter, attrs, tf.backend() as BackendWasm, method));

const INPUT_IMPLS: [string, InputImpl][] = [
  ['builtin', inputMethod('builtin')],
  ['col2im', inputMethod('col2im')],
  ['conv', inputMethod('conv')],
  ['kernel', inputKernel],
];

async function benchInput(): Promise<void> {
  for (const c of INPUT_CASES) {
    const dyShape = conv2DBackpropInputInfo(c.filterShape, c.attrs).outShape;
    let seed = 54321;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
    const dyData = Float32Array.from({ length: dyShape.reduce((a, b) => a * b, 1) }, rand);
    const filterData = Float32Array.from({ length: c.filterShape.reduce((a, b) => a * b, 1) }, rand);
    const run =
      (impl: InputImpl) =>
      ([dy, filter]: tf.Tensor4D[]) =>
        impl(dy!, filter!, c.attrs);
    // In training both change every step: dy is new, and the optimizer gives the filter new data.
    const fresh = (inputs: tf.Tensor4D[]) => inputs.map((t) => tf.neg(t));
    await tf.setBackend('cpu');
    const cpuInputs = [tf.tensor4d(dyData, dyShape), tf.tensor4d(filterData, c.filterShape)];
    const reference = timeCalls(run(inputKernel), cpuInputs, fresh, true);
    tf.dispose(cpuInputs);
    await tf.setBackend('wasm');
    const inputs = [tf.tensor4d(dyData, dyShape), tf.tensor4d(filterData, c.filterShape)];
    const rows: string[] = [];
    for (const [name, impl] of INPUT_IMPLS) {
      const before = tf.memory().numTensors;
      const r = timeCalls(run(impl), inputs, fresh);
      const leaked = tf.memory().numTensors - before;
      const err = maxAbsDiff(r.out, reference.out);
      rows.push(
        `  ${name.padEnd(22)} ${r.ms.toFixed(2).padStart(8)} ms   max|diff vs cpu| ${err.toExponential(1)}${leaked ? `  LEAK ${leaked}` : ''}`,
      );
    }
    rows.push(`  ${'cpu'.padEnd(22)} ${reference.ms.toFixed(2).padStart(8)} ms`);
    tf.dispose(inputs);
    console.log(`${c.label} (dy ${dyShape.join('x')})\n${rows.join('\n')}\n`);
  }
}

const { note } = await initBackend('wasm');
console.log(`backend: ${note}${quick ? ' [quick]' : ''}\n`);
if (only !== 'input') await benchFilter();
if (only !== 'filter') await benchInput();
