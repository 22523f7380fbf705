// The wasm Conv2DBackpropFilter kernel against the cpu backend's (the reference implementation of
// tfjs) and against a direct loop, plus backend selection. Data crosses backends as Float32Arrays.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/main/engine/backend.ts';
import {
  conv2DBackpropFilterInfo,
  filterGradient,
  type Conv2DBackpropFilterKernelAttrs,
  type PatchSide,
} from '../src/main/engine/kernels/conv2d-backprop-filter.ts';
import { registerProjectKernels } from '../src/main/engine/kernels/index.ts';
import { maxAbsDiff, on, randomArray, size } from './kernel-helpers.ts';

type Shape4 = [number, number, number, number];
type Pad = Conv2DBackpropFilterKernelAttrs['pad'];

const TOLERANCE = 1e-4;

/** Straight from the definition of the filter gradient, dilations included. */
function referenceFilterGradient(
  x: Float32Array,
  xShape: Shape4,
  dy: Float32Array,
  attrs: Conv2DBackpropFilterKernelAttrs,
): Float32Array {
  const info = conv2DBackpropFilterInfo(xShape, attrs);
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co } = info;
  const [fh, fw] = attrs.filterShape;
  const out = new Float32Array(fh * fw * ci * co);
  for (let r = 0; r < fh; r++)
    for (let s = 0; s < fw; s++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++) {
          let sum = 0;
          for (let b = 0; b < n; b++)
            for (let oy = 0; oy < oh; oy++) {
              const iy = oy * info.strideHeight + r * info.dilationHeight - info.padInfo.top;
              if (iy < 0 || iy >= h) continue;
              for (let ox = 0; ox < ow; ox++) {
                const ix = ox * info.strideWidth + s * info.dilationWidth - info.padInfo.left;
                if (ix < 0 || ix >= w) continue;
                sum += x[((b * h + iy) * w + ix) * ci + c]! * dy[((b * oh + oy) * ow + ox) * co + o]!;
              }
            }
          out[((r * fw + s) * ci + c) * co + o] = sum;
        }
  return out;
}

interface ConvCase {
  xShape: Shape4;
  filterShape: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const EXPLICIT: tf.backend_util.ExplicitPadding = [
  [0, 0],
  [1, 2],
  [0, 1],
  [0, 0],
];

// Shapes cover square and rectangular images and filters, one and several channels, and both
// operand layouts of the kernel (2K < co puts the patches on the right).
const CONV_CASES: ConvCase[] = [];
for (const batch of [1, 3]) {
  for (const [xShape, filterShape] of [
    [
      [batch, 9, 9, 1],
      [3, 3, 1, 4],
    ],
    [
      [batch, 8, 11, 3],
      [2, 3, 3, 5],
    ],
    [
      [batch, 7, 6, 2],
      [1, 1, 2, 16],
    ],
    [
      [batch, 10, 10, 4],
      [4, 4, 4, 2],
    ],
  ] as [Shape4, Shape4][]) {
    for (const strides of [1, 2, [2, 1]] as const) {
      for (const pad of ['valid', 'same', 1, EXPLICIT] as Pad[]) {
        // tfjs-core sizes a numerically padded output with the row stride for both axes, so wasm's
        // own Conv2D overruns its output buffer there: not a case any model can use.
        if (typeof pad === 'number' && Array.isArray(strides)) continue;
        CONV_CASES.push({ xShape, filterShape, strides: strides as ConvCase['strides'], pad });
      }
    }
  }
}

const describeCase = (c: ConvCase) =>
  `x ${c.xShape.join('x')} f ${c.filterShape.join('x')} strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;

/** d/dfilter of sum(conv2d(x, filter) * upstream) on the active backend. */
function conv2dFilterGrad(
  c: ConvCase,
  x: Float32Array,
  filter: Float32Array,
  upstream: Float32Array,
  upstreamShape: Shape4,
): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, c.xShape);
    const u = tf.tensor4d(upstream, upstreamShape);
    const grad = tf.grad((f: tf.Tensor) =>
      tf
        .conv2d(xt, f as tf.Tensor4D, c.strides, c.pad as 'valid')
        .mul(u)
        .sum(),
    );
    return grad(tf.tensor4d(filter, c.filterShape)).dataSync() as Float32Array;
  });
}

describe('wasm Conv2DBackpropFilter', () => {
  before(async () => {
    await initBackend('wasm');
  });

  test('filter gradient of conv2d equals the cpu backend', async () => {
    let checked = 0;
    for (const [i, c] of CONV_CASES.entries()) {
      const info = conv2DBackpropFilterInfo(c.xShape, { ...c, dataFormat: 'NHWC', filterShape: c.filterShape });
      const dyShape = info.outShape;
      if (size(dyShape) === 0) continue;
      const x = randomArray(size(c.xShape), 11 + i);
      const filter = randomArray(size(c.filterShape), 23 + i);
      // Scaled so each gradient entry, a sum over N*oh*ow products, stays O(1).
      const upstream = randomArray(size(dyShape), 37 + i, 1 / Math.sqrt(dyShape[0] * dyShape[1] * dyShape[2]));
      const wasm = await on('wasm', () => conv2dFilterGrad(c, x, filter, upstream, dyShape));
      const cpu = await on('cpu', () => conv2dFilterGrad(c, x, filter, upstream, dyShape));
      assert.ok(maxAbsDiff(wasm, cpu) < TOLERANCE, `${describeCase(c)}: max diff ${maxAbsDiff(wasm, cpu)}`);
      checked++;
    }
    assert.ok(checked > 80, `only ${checked} cases ran`);
  });

  test('filter gradient of conv2dTranspose equals the cpu backend', async () => {
    // conv2dTranspose(y, f) maps y [N, oh, ow, co] to an image [N, H, W, ci]; its filter gradient
    // is Conv2DBackpropFilter with the image's gradient as x and y as dy.
    const cases = CONV_CASES.filter((c) => c.pad === 'valid' || c.pad === 'same');
    for (const [i, c] of cases.entries()) {
      const info = conv2DBackpropFilterInfo(c.xShape, { ...c, dataFormat: 'NHWC', filterShape: c.filterShape });
      const yShape = info.outShape;
      if (size(yShape) === 0) continue;
      const y = randomArray(size(yShape), 101 + i);
      const filter = randomArray(size(c.filterShape), 211 + i);
      const upstream = randomArray(size(c.xShape), 307 + i, 1 / Math.sqrt(c.xShape[0] * yShape[1] * yShape[2]));
      const run = () =>
        tf.tidy(() => {
          const yt = tf.tensor4d(y, yShape);
          const u = tf.tensor4d(upstream, c.xShape);
          const grad = tf.grad((f: tf.Tensor) =>
            tf
              .conv2dTranspose(yt, f as tf.Tensor4D, c.xShape, c.strides, c.pad as 'valid')
              .mul(u)
              .sum(),
          );
          return grad(tf.tensor4d(filter, c.filterShape)).dataSync() as Float32Array;
        });
      const wasm = await on('wasm', run);
      const cpu = await on('cpu', run);
      assert.ok(maxAbsDiff(wasm, cpu) < TOLERANCE, `transpose ${describeCase(c)}: max diff ${maxAbsDiff(wasm, cpu)}`);
    }
  });

  test('the kernel, run directly, matches the cpu kernel and a direct loop, with dilations and both layouts', async () => {
    const dilated: (ConvCase & { dilations: number | [number, number] })[] = [
      ...CONV_CASES.filter((_, i) => i % 3 === 0).map((c) => ({ ...c, dilations: 1 })),
      { xShape: [2, 11, 11, 2], filterShape: [3, 3, 2, 3], strides: 1, pad: 'valid', dilations: 2 },
      { xShape: [1, 9, 12, 1], filterShape: [2, 3, 1, 4], strides: 1, pad: 'same', dilations: [2, 3] },
      { xShape: [3, 10, 10, 3], filterShape: [3, 2, 3, 8], strides: 2, pad: EXPLICIT, dilations: 2 },
      { xShape: [1, 12, 12, 1], filterShape: [2, 2, 1, 16], strides: 1, pad: 2, dilations: 2 },
    ];
    for (const [i, c] of dilated.entries()) {
      const attrs: Conv2DBackpropFilterKernelAttrs = {
        strides: c.strides,
        pad: c.pad,
        dataFormat: 'NHWC',
        filterShape: c.filterShape,
        dilations: c.dilations,
      };
      const dyShape = conv2DBackpropFilterInfo(c.xShape, attrs).outShape;
      if (size(dyShape) === 0) continue;
      const x = randomArray(size(c.xShape), 401 + i);
      const dy = randomArray(size(dyShape), 503 + i, 1 / Math.sqrt(dyShape[0] * dyShape[1] * dyShape[2]));
      const expected = referenceFilterGradient(x, c.xShape, dy, attrs);
      const label = `${describeCase(c)} dilations ${JSON.stringify(c.dilations)}`;

      const viaEngine = await on('wasm', () =>
        tf.tidy(() => {
          const out = tf
            .engine()
            .runKernel(
              'Conv2DBackpropFilter',
              { x: tf.tensor4d(x, c.xShape), dy: tf.tensor4d(dy, dyShape) },
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor;
          assert.deepEqual(out.shape, c.filterShape, label);
          return out.dataSync() as Float32Array;
        }),
      );
      assert.ok(maxAbsDiff(viaEngine, expected) < TOLERANCE, `${label}: kernel vs loop ${maxAbsDiff(viaEngine, expected)}`);

      for (const side of ['left', 'right'] as PatchSide[]) {
        const forced = tf.tidy(() => {
          const backend = tf.backend() as BackendWasm;
          const info = filterGradient(tf.tensor4d(x, c.xShape), tf.tensor4d(dy, dyShape), attrs, backend, side);
          return tf.engine().makeTensorFromTensorInfo(info).dataSync() as Float32Array;
        });
        assert.ok(maxAbsDiff(forced, expected) < TOLERANCE, `${label} patches ${side}: ${maxAbsDiff(forced, expected)}`);
      }

      if (c.dilations === 1) {
        // The cpu kernel ignores dilations (tfjs-core never asks for them), so only these compare.
        const cpu = await on('cpu', () =>
          tf.tidy(
            () =>
              (
                tf
                  .engine()
                  .runKernel(
                    'Conv2DBackpropFilter',
                    { x: tf.tensor4d(x, c.xShape), dy: tf.tensor4d(dy, dyShape) },
                    attrs as unknown as tf.NamedAttrMap,
                  ) as tf.Tensor
              ).dataSync() as Float32Array,
          ),
        );
        assert.ok(maxAbsDiff(viaEngine, cpu) < TOLERANCE, `${label}: kernel vs cpu ${maxAbsDiff(viaEngine, cpu)}`);
      }
    }
  });

  test('rejects NCHW and a dy that does not fit the convolution', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 6, 6, 2]);
    const dy = tf.zeros([1, 4, 4, 3]);
    const run = (attrs: object) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as tf.NamedAttrMap);
    assert.throws(() => run({ strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] }), /NHWC/);
    assert.throws(() => run({ strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] }), /dy shape/);
    tf.dispose([x, dy]);
  });

  test('repeated gradient steps leave no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const previousIsTest = tf.env().getBool('IS_TEST');
    // Makes the engine check every kernel for data ids it allocated but neither returned nor freed.
    tf.env().set('IS_TEST', true);
    try {
      const x = tf.tensor4d(randomArray(4 * 12 * 12 * 3, 5), [4, 12, 12, 3]);
      const filters = [
        tf.variable(tf.tensor4d(randomArray(3 * 3 * 3 * 8, 6), [3, 3, 3, 8])),
        tf.variable(tf.tensor4d(randomArray(2 * 2 * 3 * 16, 7), [2, 2, 3, 16])),
      ];
      const step = () =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const a = tf
              .conv2d(x, filters[0] as tf.Tensor4D, 1, 'same')
              .relu()
              .sum();
            const b = tf
              .conv2d(x, filters[1] as tf.Tensor4D, 2, 'valid')
              .square()
              .sum();
            return a.add(b) as tf.Scalar;
          }, filters);
          return tf.addN(Object.values(grads).map((g) => g.sum())).dataSync()[0];
        });
      step();
      const tensors = tf.memory().numTensors;
      const buffers = tf.memory().numDataBuffers;
      for (let i = 0; i < 5; i++) step();
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal(tf.memory().numDataBuffers, buffers);
      tf.dispose([x, ...filters]);
    } finally {
      tf.env().set('IS_TEST', previousIsTest);
    }
  });
});

describe('initBackend', () => {
  test('auto picks an available backend and explains a missing tfjs-node', async () => {
    const result = await initBackend('auto');
    assert.ok(['tensorflow', 'wasm', 'cpu'].includes(result.name));
    assert.equal(tf.getBackend(), result.name);
    assert.ok(result.note.length > 0);
    if (result.name !== 'tensorflow') assert.match(result.note, /tensorflow unavailable \(.+\)/);
  });

  test('cpu can be forced', async () => {
    const result = await initBackend('cpu');
    assert.equal(result.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  test('wasm twice is harmless and registers the project kernel once', async () => {
    const first = await initBackend('wasm');
    const second = await initBackend('wasm');
    assert.equal(first.name, 'wasm');
    assert.equal(second.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.ok(registerProjectKernels().includes('Conv2DBackpropFilter'));
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
  });

  test('a forced backend that cannot load throws a clear error', async (t) => {
    const hasNode = await import('@tensorflow/tfjs-node' as string).then(
      () => true,
      () => false,
    );
    if (hasNode) return t.skip('@tensorflow/tfjs-node is installed here');
    await assert.rejects(initBackend('tensorflow'), /backend tensorflow could not be initialised: .+/);
  });
});
