// Conv2DBackpropFilter for the wasm backend, which tfjs 4.22 ships without (so conv training and
// conv2dTranspose's gradient throw there).
//
// dW[r, s, c, o] = sum over (n, oy, ox) of x[n, oy*sh + r*dh - pt, ox*sw + s*dw - pl, c] * dy[n, oy, ox, o]
// is one matrix product of the im2col patches (M = N*oh*ow rows, K = fh*fw*ci columns) with dy
// (M rows, co columns). Plain JS writes the patches straight into the wasm heap (cheaper than a
// strided-slice kernel per filter tap plus a concat), then the backend's own BatchMatMul kernel
// multiplies. Two properties of that kernel shape the code:
// - It reaches XNNPACK's SIMD GEMM only when neither operand is transposed and the batch is 1;
//   otherwise it runs a scalar loop several times slower. So transposes are materialised here.
// - XNNPACK repacks the right operand on every call (it caches by tensor id, and every dy is new),
//   at 3-7 ns a value: as much as the product itself for these shapes. So the narrower of the
//   patches and dy goes on the right, at the price of a JS transpose (~2 ns a value) of the other.
// bench/conv-grad.ts measures this against the alternatives.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

/** Attrs as tfjs-core passes them, plus dilations, which direct runKernel callers may add. */
export interface Conv2DBackpropFilterKernelAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  dilations?: number | [number, number];
}

type ConvInfo = tf.backend_util.Conv2DInfo;

export function conv2DBackpropFilterInfo(xShape: readonly number[], attrs: Conv2DBackpropFilterKernelAttrs): ConvInfo {
  if (attrs.dataFormat === 'NCHW') {
    // The wasm Conv2D forward kernel rejects NCHW too, so no model on this backend produces it.
    throw new Error('wasm Conv2DBackpropFilter supports only dataFormat NHWC');
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * Writes the patches transposed, [K, M]: row k = (r*fw + s)*ci + c holds, for every output
 * position m = (n*oh + oy)*ow + ox, the input value that filter tap (r, s, c) multiplies there
 * (0 where the tap falls into padding).
 */
export function im2colTransposed(x: Float32Array, info: ConvInfo, out: Float32Array): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const m = n * oh * ow;
  const xRowStride = w * ci;
  const xImageStride = h * xRowStride;
  const pixelStride = sw * ci;
  for (let r = 0; r < fh; r++) {
    for (let s = 0; s < fw; s++) {
      const colOffset = s * dw - pl;
      // Output columns whose input column lies inside the image; the rest read padding.
      const oxLo = Math.min(ow, Math.max(0, Math.ceil(-colOffset / sw)));
      const oxHi = Math.max(oxLo, Math.min(ow, Math.floor((w - 1 - colOffset) / sw) + 1));
      for (let c = 0; c < ci; c++) {
        let dst = ((r * fw + s) * ci + c) * m;
        for (let b = 0; b < n; b++) {
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh + r * dh - pt;
            if (iy < 0 || iy >= h) {
              out.fill(0, dst, dst + ow);
              dst += ow;
              continue;
            }
            for (let ox = 0; ox < oxLo; ox++) out[dst + ox] = 0;
            let src = b * xImageStride + iy * xRowStride + (oxLo * sw + colOffset) * ci + c;
            for (let ox = oxLo; ox < oxHi; ox++) {
              out[dst + ox] = x[src]!;
              src += pixelStride;
            }
            for (let ox = oxHi; ox < ow; ox++) out[dst + ox] = 0;
            dst += ow;
          }
        }
      }
    }
  }
}

/** Writes the patches as [M, K]: row m holds the K values under the filter at output position m. */
export function im2colRows(x: Float32Array, info: ConvInfo, out: Float32Array): void {
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  let dst = 0;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let r = 0; r < fh; r++) {
          const iy = oy * sh + r * dh - pt;
          const rowInside = iy >= 0 && iy < h;
          const rowStart = (b * h + iy) * w;
          for (let s = 0; s < fw; s++) {
            const ix = ox * sw + s * dw - pl;
            if (!rowInside || ix < 0 || ix >= w) {
              for (let c = 0; c < ci; c++) out[dst++] = 0;
              continue;
            }
            const src = (rowStart + ix) * ci;
            for (let c = 0; c < ci; c++) out[dst++] = x[src + c]!;
          }
        }
      }
    }
  }
}

/** dst[c * rows + r] = src[r * cols + c], in row blocks so reads and writes both stay in cache. */
export function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const block = 32;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c = 0; c < cols; c++) {
      let d = c * rows + r0;
      let s = r0 * cols + c;
      for (let r = r0; r < r1; r++, s += cols) dst[d++] = src[s]!;
    }
  }
}

function float32View(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

function matMul(a: tf.TensorInfo, b: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  // Called as a kernel function on TensorInfos, the way wasm kernels call each other: going
  // through the engine here would create tracked Tensors (and tape entries) mid-kernel.
  const kernel = tf.getKernel('BatchMatMul', 'wasm');
  if (kernel === undefined) throw new Error('wasm kernel BatchMatMul is not registered');
  const attrs = { transposeA: false, transposeB: false };
  return kernel.kernelFunc({ inputs: { a, b }, attrs, backend }) as tf.TensorInfo;
}

/** Which operand of the matrix product holds the patches; see filterGradient. */
export type PatchSide = 'left' | 'right';

/**
 * Chooses where the patches go. Right costs a transpose of dy (~2 ns a value) plus packing M*K;
 * left costs packing M*co. Measured break-even is near K = co/2 (bench/conv-grad.ts).
 */
export function choosePatchSide(k: number, co: number): PatchSide {
  return 2 * k < co ? 'right' : 'left';
}

/**
 * The filter gradient as a TensorInfo the caller owns. `side` is normally chosen by shape;
 * bench/conv-grad.ts forces each to compare them.
 */
export function filterGradient(
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  attrs: Conv2DBackpropFilterKernelAttrs,
  backend: BackendWasm,
  side?: PatchSide,
): tf.TensorInfo {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`wasm Conv2DBackpropFilter needs float32 tensors, got ${x.dtype} and ${dy.dtype}`);
  }
  const info = conv2DBackpropFilterInfo(x.shape, attrs);
  const { outHeight: oh, outWidth: ow, outChannels: co } = info;
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== info.outShape[i])) {
    throw new Error(`wasm Conv2DBackpropFilter: dy shape ${dy.shape} is not the convolution's output shape ${info.outShape}`);
  }
  const filterShape = [...attrs.filterShape];
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const m = info.batchSize * oh * ow;
  if (m === 0 || k * co === 0) {
    const zeros = backend.makeOutput(filterShape, 'float32');
    float32View(backend, zeros).fill(0);
    return zeros;
  }

  // Every buffer is allocated before any heap view is taken: an allocation can grow the wasm
  // heap, which detaches views taken earlier.
  const temps: tf.TensorInfo[] = [];
  const temp = (shape: number[]) => {
    const t = backend.makeOutput(shape, 'float32');
    temps.push(t);
    return t;
  };
  const dyMatrix = { dataId: dy.dataId, shape: [m, co], dtype: 'float32' as const };
  try {
    if ((side ?? choosePatchSide(k, co)) === 'left') {
      // dW[K, co] = patchesT[K, M] . dy[M, co]. dy is copied because wasm keys its cache of packed
      // right operands by tensor id alone, so the caller's dy would keep a stale [M, co] entry
      // that a later matMul on the same data with another shape would silently reuse.
      const patchesT = temp([k, m]);
      const dyCopy = temp([m, co]);
      im2colTransposed(float32View(backend, x), info, float32View(backend, patchesT));
      float32View(backend, dyCopy).set(float32View(backend, dyMatrix));
      const product = matMul(patchesT, dyCopy, backend);
      // Already in [fh, fw, ci, co] order; only the shape label changes.
      product.shape = filterShape;
      return product;
    }
    // dW^T[co, K] = dy^T[co, M] . patches[M, K], transposed into the output.
    const patches = temp([m, k]);
    const dyT = temp([co, m]);
    im2colRows(float32View(backend, x), info, float32View(backend, patches));
    transposeInto(float32View(backend, dyMatrix), m, co, float32View(backend, dyT));
    const productT = matMul(dyT, patches, backend);
    temps.push(productT);
    const out = backend.makeOutput(filterShape, 'float32');
    transposeInto(float32View(backend, productT), co, k, float32View(backend, out));
    return out;
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: CONV2D_BACKPROP_FILTER,
  backendName: 'wasm',
  kernelFunc: (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    return filterGradient(x, dy, args.attrs as unknown as Conv2DBackpropFilterKernelAttrs, args.backend as BackendWasm);
  },
};
