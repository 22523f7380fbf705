// A faster Conv2DBackpropInput for the wasm backend. tfjs 4.22's own kernel is a scalar loop: it
// took ~120 ms of a ~250 ms conv VAE training step (the encoder's second convolution, batch 64),
// and it is also the forward pass of conv2dTranspose.
//
// dx[n, iy, ix, c] = sum of dy[n, oy, ox, o] * W[r, s, c, o] over the (oy, r), (ox, s) with
// oy*sh + r - pt = iy and ox*sw + s - pl = ix. Two ways to get there from fast pieces:
// - col2im: cols[M, K] = dy[M, co] . Wᵀ[co, K] (M = N*oh*ow, K = fh*fw*ci) is one XNNPACK matmul;
//   JS then adds each cols entry into the dx value its tap lands on.
// - conv: the full correlation of dy (zero-dilated by the stride, padded by fh-1-pt) with the
//   filter flipped spatially and its channels swapped, run by wasm's XNNPACK Conv2D.
// bench/conv-grad.ts measures both against the builtin kernel; `choose` below follows it.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const CONV2D_BACKPROP_INPUT = 'Conv2DBackpropInput';

/** Attrs as tfjs-core passes them, plus dilations, which direct runKernel callers may add. */
export interface Conv2DBackpropInputKernelAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
  dilations?: number | [number, number];
}

export type InputGradientMethod = 'col2im' | 'conv' | 'builtin';

type ConvInfo = tf.backend_util.Conv2DInfo;
type KernelFunc = tf.KernelConfig['kernelFunc'];

let builtin: KernelFunc | null = null;

export function conv2DBackpropInputInfo(filterShape: readonly number[], attrs: Conv2DBackpropInputKernelAttrs): ConvInfo {
  return tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC'),
  );
}

/**
 * dx from cols[M, K] (row m = (n, oy, ox), column k = (r, s, c)): each cols entry is added to the
 * input value its tap lands on. In NHWC the taps of one filter row that land inside the image are
 * one contiguous run in both cols and dx, so the inner loop is a plain vector add. Reading cols in
 * order this way measured 1.7x faster than gathering the sum of each dx value (3.3 vs 5.4 ms for
 * the 64x12x12x32 input gradient), since the gather's runs are one pixel's channels long.
 */
export function col2imScatter(cols: Float32Array, info: ConvInfo, dx: Float32Array): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const k = fh * fw * ci;
  dx.fill(0);
  let row = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - info.padInfo.top;
      const rLo = Math.max(0, -iy0);
      const rHi = Math.min(fh, h - iy0);
      for (let ox = 0; ox < ow; ox++, row += k) {
        const ix0 = ox * sw - info.padInfo.left;
        const sLo = Math.max(0, -ix0);
        const run = (Math.min(fw, w - ix0) - sLo) * ci;
        if (run <= 0) continue;
        for (let r = rLo; r < rHi; r++) {
          let src = row + (r * fw + sLo) * ci;
          let dst = ((b * h + iy0 + r) * w + ix0 + sLo) * ci;
          for (let i = 0; i < run; i++) dx[dst++]! += cols[src++]!;
        }
      }
    }
  }
}

/** out[o, k] = filter[k, o]: the filter [fh, fw, ci, co] as Wᵀ [co, fh*fw*ci]. */
function transposeFilter(filter: Float32Array, k: number, co: number, out: Float32Array): void {
  for (let o = 0; o < co; o++) {
    let s = o;
    let d = o * k;
    for (let i = 0; i < k; i++, s += co) out[d++] = filter[s]!;
  }
}

/** out[r, s, o, c] = filter[fh-1-r, fw-1-s, c, o]: the filter of the correlation that undoes it. */
function flipFilter(filter: Float32Array, fh: number, fw: number, ci: number, co: number, out: Float32Array): void {
  for (let r = 0; r < fh; r++) {
    for (let s = 0; s < fw; s++) {
      const src = ((fh - 1 - r) * fw + (fw - 1 - s)) * ci * co;
      let dst = (r * fw + s) * co * ci;
      for (let o = 0; o < co; o++) {
        for (let c = 0, si = src + o; c < ci; c++, si += co) out[dst++] = filter[si]!;
      }
    }
  }
}

function float32View(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

function wasmKernel(name: string): KernelFunc {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc;
}

/** Every buffer is allocated before any heap view is taken: allocations can grow the heap, which detaches views. */
function col2im(
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: ConvInfo,
  backend: BackendWasm,
  temps: tf.TensorInfo[],
): tf.TensorInfo {
  const { outChannels: co, filterHeight: fh, filterWidth: fw, inChannels: ci } = info;
  const m = info.batchSize * info.outHeight * info.outWidth;
  const k = fh * fw * ci;
  // Wᵀ goes on the right, where wasm's BatchMatMul caches the packed operand by tensor id alone:
  // a buffer of our own, freed below, can never meet a stale cache entry. dy goes on the left
  // (not packed, not cached) under a [M, co] label over its own data.
  const filterT = backend.makeOutput([co, k], 'float32');
  temps.push(filterT);
  transposeFilter(float32View(backend, filter), k, co, float32View(backend, filterT));
  const dyMatrix = { dataId: dy.dataId, shape: [m, co], dtype: 'float32' as const };
  const cols = wasmKernel('BatchMatMul')({
    inputs: { a: dyMatrix, b: filterT },
    attrs: { transposeA: false, transposeB: false },
    backend,
  }) as tf.TensorInfo;
  temps.push(cols);
  const dx = backend.makeOutput(info.inShape, 'float32');
  col2imScatter(float32View(backend, cols), info, float32View(backend, dx));
  return dx;
}

/** The padding of the equivalent correlation, or null where one side would be negative (a crop). */
function correlationPads(info: ConvInfo): [number, number, number, number] | null {
  const { filterHeight: fh, filterWidth: fw, inHeight: h, inWidth: w } = info;
  const top = fh - 1 - info.padInfo.top;
  const left = fw - 1 - info.padInfo.left;
  const bottom = h + fh - 1 - top - ((info.outHeight - 1) * info.strideHeight + 1);
  const right = w + fw - 1 - left - ((info.outWidth - 1) * info.strideWidth + 1);
  return Math.min(top, left, bottom, right) < 0 ? null : [top, bottom, left, right];
}

function conv(
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: ConvInfo,
  backend: BackendWasm,
  temps: tf.TensorInfo[],
): tf.TensorInfo | null {
  const pads = correlationPads(info);
  if (pads === null) return null;
  const [top, bottom, left, right] = pads;
  const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co, strideHeight: sh, strideWidth: sw } = info;
  // A fresh filter tensor per call: wasm's Conv2D caches its packed operator by filter id and
  // drops the entry when that id is freed.
  const flipped = backend.makeOutput([fh, fw, co, ci], 'float32');
  temps.push(flipped);
  let x = dy;
  let pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
  if (sh !== 1 || sw !== 1) {
    // XNNPACK has no input dilation, so the zeros between dy's pixels are written out.
    const { batchSize: n, outHeight: oh, outWidth: ow } = info;
    const hp = top + (oh - 1) * sh + 1 + bottom;
    const wp = left + (ow - 1) * sw + 1 + right;
    x = backend.makeOutput([n, hp, wp, co], 'float32');
    temps.push(x);
    const src = float32View(backend, dy);
    const dst = float32View(backend, x);
    dst.fill(0);
    let s = 0;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        let d = ((b * hp + top + oy * sh) * wp + left) * co;
        for (let ox = 0; ox < ow; ox++, d += sw * co, s += co) dst.set(src.subarray(s, s + co), d);
      }
    }
    pad = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
  }
  flipFilter(float32View(backend, filter), fh, fw, ci, co, float32View(backend, flipped));
  return wasmKernel('Conv2D')({
    inputs: { x, filter: flipped },
    attrs: { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 },
    backend,
  }) as tf.TensorInfo;
}

/** Below this many input channels (the convolution's output channels) XNNPACK's Conv2D runs slowly. */
const CONV_MIN_IN_CHANNELS = 8;

/**
 * Which way is faster, as measured (bench/conv-grad.ts): the convolution skips col2im's scatter
 * (~2 ns per cols entry), but it multiplies every zero a stride puts into dy (4x the work at
 * stride 2), and XNNPACK produces few output channels slowly (the 5x5 1->32 input gradient took
 * 18 ms as a convolution, 5 ms by col2im).
 */
function choose(info: ConvInfo): Exclude<InputGradientMethod, 'builtin'> {
  const unitStride = info.strideHeight === 1 && info.strideWidth === 1;
  return unitStride && info.inChannels >= CONV_MIN_IN_CHANNELS ? 'conv' : 'col2im';
}

/** The input gradient as a TensorInfo the caller owns; `method` forces one way, for tests and benchmarks. */
export function inputGradient(
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  attrs: Conv2DBackpropInputKernelAttrs,
  backend: BackendWasm,
  method?: InputGradientMethod,
): tf.TensorInfo {
  const dilations = attrs.dilations ?? 1;
  const undilated = Array.isArray(dilations) ? dilations.every((d) => d === 1) : dilations === 1;
  const handled = undilated && attrs.dataFormat !== 'NCHW' && dy.dtype === 'float32' && filter.dtype === 'float32';
  if (method === 'builtin' || !handled) {
    if (builtin === null) throw new Error('the builtin wasm Conv2DBackpropInput was not saved');
    return builtin({ inputs: { dy, filter }, attrs: attrs as unknown as tf.NamedAttrMap, backend }) as tf.TensorInfo;
  }
  const info = conv2DBackpropInputInfo(filter.shape, attrs);
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== info.outShape[i])) {
    throw new Error(`wasm Conv2DBackpropInput: dy shape ${dy.shape} is not the convolution's output shape ${info.outShape}`);
  }
  if (info.outShape.some((d) => d === 0) || info.inShape.some((d) => d === 0)) {
    const zeros = backend.makeOutput(info.inShape, 'float32');
    float32View(backend, zeros).fill(0);
    return zeros;
  }
  const temps: tf.TensorInfo[] = [];
  try {
    if ((method ?? choose(info)) === 'conv') {
      const out = conv(dy, filter, info, backend, temps);
      if (out !== null) return out;
    }
    return col2im(dy, filter, info, backend, temps);
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

const fastConv2DBackpropInput: KernelFunc = (args) => {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  return inputGradient(dy, filter, args.attrs as unknown as Conv2DBackpropInputKernelAttrs, args.backend as BackendWasm);
};

/** Replaces wasm's Conv2DBackpropInput, keeping the builtin for what this one does not handle. Idempotent. */
export function registerFastConv2DBackpropInput(): void {
  if (builtin) return;
  const existing = tf.getKernel(CONV2D_BACKPROP_INPUT, 'wasm');
  if (!existing) throw new Error('wasm Conv2DBackpropInput kernel missing: is @tensorflow/tfjs-backend-wasm loaded?');
  builtin = existing.kernelFunc;
  tf.unregisterKernel(CONV2D_BACKPROP_INPUT, 'wasm');
  tf.registerKernel({ ...existing, kernelFunc: fastConv2DBackpropInput });
}
