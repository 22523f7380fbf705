// The project's wasm Conv2DBackpropInput (conv2d's input gradient, conv2dTranspose's forward pass)
// against the cpu backend, the reference implementation of tfjs. Data crosses backends as
// Float32Arrays.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/main/engine/backend.ts';
import {
  conv2DBackpropInputInfo,
  inputGradient,
  type Conv2DBackpropInputKernelAttrs,
  type InputGradientMethod,
} from '../src/main/engine/kernels/conv2d-backprop-input.ts';
import { registerProjectKernels } from '../src/main/engine/kernels/index.ts';
import { maxAbsDiff, on, randomArray, size } from './kernel-helpers.ts';

type Shape4 = [number, number, number, number];
type Pad = Conv2DBackpropInputKernelAttrs['pad'];

const TOLERANCE = 1e-4;

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

// Square and rectangular images and filters, one and several channels in and out, filters larger
// than the stride (overlapping taps) and a 1x1 filter (none), the model's 3x3 and 4x4. The kernel
// takes its conv method at stride 1 with 8 or more input channels (the last two), col2im otherwise.
const SHAPES: [Shape4, Shape4][] = [
  [
    [1, 9, 9, 1],
    [3, 3, 1, 4],
  ],
  [
    [1, 8, 11, 3],
    [2, 3, 3, 5],
  ],
  [
    [1, 7, 6, 2],
    [1, 1, 2, 16],
  ],
  [
    [1, 10, 10, 4],
    [4, 4, 4, 2],
  ],
  [
    [1, 8, 8, 8],
    [3, 3, 8, 6],
  ],
  [
    [1, 6, 7, 12],
    [2, 3, 12, 4],
  ],
];

const CONV_CASES: ConvCase[] = [];
for (const batch of [1, 3]) {
  for (const [[, h, w, c], filterShape] of SHAPES) {
    for (const strides of [1, 2, [2, 1]] as const) {
      for (const pad of ['valid', 'same', 1, EXPLICIT] as Pad[]) {
        // tfjs-core sizes a numerically padded output with the row stride and filter height for
        // both axes, so wasm's own Conv2D (conv2dTranspose's input gradient) overruns its output
        // buffer there: not a case any model can use.
        if (typeof pad === 'number' && (Array.isArray(strides) || filterShape[0] !== filterShape[1])) continue;
        CONV_CASES.push({ xShape: [batch, h, w, c], filterShape, strides: strides as ConvCase['strides'], pad });
      }
    }
  }
}

const describeCase = (c: ConvCase) =>
  `x ${c.xShape.join('x')} f ${c.filterShape.join('x')} strides ${JSON.stringify(c.strides)} pad ${JSON.stringify(c.pad)}`;

const attrsOf = (c: ConvCase, extra: Partial<Conv2DBackpropInputKernelAttrs> = {}): Conv2DBackpropInputKernelAttrs => ({
  strides: c.strides,
  pad: c.pad,
  dataFormat: 'NHWC',
  inputShape: c.xShape,
  ...extra,
});

const outShapeOf = (c: ConvCase) => conv2DBackpropInputInfo(c.filterShape, attrsOf(c)).outShape;

/** Runs the Conv2DBackpropInput kernel itself on the active backend. */
function runKernel(
  dy: Float32Array,
  dyShape: Shape4,
  filter: Float32Array,
  filterShape: Shape4,
  attrs: Conv2DBackpropInputKernelAttrs,
): Float32Array {
  return tf.tidy(() => {
    const out = tf
      .engine()
      .runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, filterShape) },
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
    return out.dataSync() as Float32Array;
  });
}

describe('wasm Conv2DBackpropInput', () => {
  before(async () => {
    await initBackend('wasm');
  });

  test('is the project kernel, registered once however often registration runs', () => {
    const first = tf.getKernel('Conv2DBackpropInput', 'wasm');
    assert.ok(registerProjectKernels().includes('Conv2DBackpropInput'));
    assert.ok(registerProjectKernels().includes('Conv2DBackpropInput'));
    assert.equal(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc, first?.kernelFunc);
  });

  test('input gradient of conv2d equals the cpu backend', async () => {
    let checked = 0;
    for (const [i, c] of CONV_CASES.entries()) {
      const dyShape = outShapeOf(c);
      if (size(dyShape) === 0) continue;
      const x = randomArray(size(c.xShape), 11 + i);
      const filter = randomArray(size(c.filterShape), 23 + i);
      const upstream = randomArray(size(dyShape), 37 + i);
      const run = () =>
        tf.tidy(() => {
          const f = tf.tensor4d(filter, c.filterShape);
          const u = tf.tensor4d(upstream, dyShape);
          const grad = tf.grad((xt: tf.Tensor) =>
            tf
              .conv2d(xt as tf.Tensor4D, f, c.strides, c.pad as 'valid')
              .mul(u)
              .sum(),
          );
          return grad(tf.tensor4d(x, c.xShape)).dataSync() as Float32Array;
        });
      const wasm = await on('wasm', run);
      const cpu = await on('cpu', run);
      assert.ok(maxAbsDiff(wasm, cpu) < TOLERANCE, `${describeCase(c)}: max diff ${maxAbsDiff(wasm, cpu)}`);
      checked++;
    }
    assert.ok(checked > 100, `only ${checked} cases ran`);
  });

  test('conv2dTranspose output and both its gradients equal the cpu backend', async () => {
    // conv2dTranspose(y, f, xShape) maps y (a conv2d output) to an image shaped like x.
    let checked = 0;
    for (const [i, c] of CONV_CASES.entries()) {
      const yShape = outShapeOf(c);
      if (size(yShape) === 0) continue;
      const y = randomArray(size(yShape), 101 + i);
      const filter = randomArray(size(c.filterShape), 211 + i);
      const upstream = randomArray(size(c.xShape), 307 + i);
      const run = () =>
        tf.tidy(() => {
          const yt = tf.tensor4d(y, yShape);
          const ft = tf.tensor4d(filter, c.filterShape);
          const u = tf.tensor4d(upstream, c.xShape);
          const forward = (a: tf.Tensor, f: tf.Tensor) =>
            tf.conv2dTranspose(a as tf.Tensor4D, f as tf.Tensor4D, c.xShape, c.strides, c.pad);
          const [dy, df] = tf.grads((a: tf.Tensor, f: tf.Tensor) => forward(a, f).mul(u).sum())([yt, ft]);
          return [forward(yt, ft), dy!, df!].map((t) => t.dataSync() as Float32Array);
        });
      const wasm = await on('wasm', run);
      const cpu = await on('cpu', run);
      for (const [j, what] of ['output', 'input gradient', 'filter gradient'].entries()) {
        const diff = maxAbsDiff(wasm[j]!, cpu[j]!);
        assert.ok(diff < TOLERANCE, `conv2dTranspose ${what}, ${describeCase(c)}: max diff ${diff}`);
      }
      checked++;
    }
    assert.ok(checked > 100, `only ${checked} cases ran`);
  });

  test('each method, forced, and dimRoundingMode match the cpu kernel', async () => {
    const cases: [ConvCase, Partial<Conv2DBackpropInputKernelAttrs>][] = [
      ...CONV_CASES.filter((_, i) => i % 4 === 0).map((c) => [c, {}] as [ConvCase, Partial<Conv2DBackpropInputKernelAttrs>]),
      // Rounding up adds an output row whose taps read past the padded input: a crop.
      [{ xShape: [2, 9, 9, 3], filterShape: [3, 3, 3, 4], strides: 2, pad: 0 }, { dimRoundingMode: 'ceil' }],
      [{ xShape: [2, 10, 7, 2], filterShape: [4, 2, 2, 3], strides: 3, pad: 1 }, { dimRoundingMode: 'round' }],
      [{ xShape: [1, 10, 7, 2], filterShape: [4, 2, 2, 3], strides: 3, pad: 1 }, { dimRoundingMode: 'floor' }],
      // Padding wider than the filter: the correlation would need a negative pad.
      [
        {
          xShape: [2, 6, 6, 2],
          filterShape: [2, 2, 2, 3],
          strides: 1,
          pad: [
            [0, 0],
            [3, 0],
            [0, 3],
            [0, 0],
          ],
        },
        {},
      ],
    ];
    for (const [i, [c, extra]] of cases.entries()) {
      const attrs = attrsOf(c, extra);
      const dyShape = conv2DBackpropInputInfo(c.filterShape, attrs).outShape;
      if (size(dyShape) === 0) continue;
      const dy = randomArray(size(dyShape), 401 + i);
      const filter = randomArray(size(c.filterShape), 503 + i);
      const label = `${describeCase(c)} ${JSON.stringify(extra)}`;
      const cpu = await on('cpu', () => runKernel(dy, dyShape, filter, c.filterShape, attrs));
      const viaEngine = await on('wasm', () => runKernel(dy, dyShape, filter, c.filterShape, attrs));
      assert.ok(maxAbsDiff(viaEngine, cpu) < TOLERANCE, `${label}: kernel vs cpu ${maxAbsDiff(viaEngine, cpu)}`);
      for (const method of ['col2im', 'conv', 'builtin'] as InputGradientMethod[]) {
        const forced = tf.tidy(() => {
          const backend = tf.backend() as BackendWasm;
          const info = inputGradient(tf.tensor4d(dy, dyShape), tf.tensor4d(filter, c.filterShape), attrs, backend, method);
          const out = tf.engine().makeTensorFromTensorInfo(info);
          assert.deepEqual(out.shape, c.xShape, `${label} ${method}`);
          return out.dataSync() as Float32Array;
        });
        assert.ok(maxAbsDiff(forced, cpu) < TOLERANCE, `${label} ${method}: ${maxAbsDiff(forced, cpu)}`);
      }
    }
  });

  test('NCHW goes to the builtin kernel and matches the cpu kernel', async () => {
    const attrs: Conv2DBackpropInputKernelAttrs = { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 8, 8] };
    const filterShape: Shape4 = [3, 3, 3, 4];
    const dyShape: Shape4 = [2, 4, 4, 4];
    const dy = randomArray(size(dyShape), 601);
    const filter = randomArray(size(filterShape), 602);
    const wasm = await on('wasm', () => runKernel(dy, dyShape, filter, filterShape, attrs));
    const cpu = await on('cpu', () => runKernel(dy, dyShape, filter, filterShape, attrs));
    assert.ok(maxAbsDiff(wasm, cpu) < TOLERANCE, `NCHW: ${maxAbsDiff(wasm, cpu)}`);
  });

  test('rejects a dy that does not fit the convolution', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 4, 4, 3]);
    const filter = tf.zeros([3, 3, 2, 3]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 6, 6, 2] };
    assert.throws(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs), /dy shape/);
    tf.dispose([dy, filter]);
  });

  test('repeated training steps through conv2d and conv2dTranspose leave no tensors or wasm buffers behind', async () => {
    await tf.setBackend('wasm');
    const previousIsTest = tf.env().getBool('IS_TEST');
    // Makes the engine check every kernel for data ids it allocated but neither returned nor freed.
    tf.env().set('IS_TEST', true);
    try {
      const x = tf.tensor4d(randomArray(4 * 12 * 12 * 8, 5), [4, 12, 12, 8]);
      const encoder = tf.variable(tf.tensor4d(randomArray(3 * 3 * 8 * 8, 6), [3, 3, 8, 8]));
      const decoder = tf.variable(tf.tensor4d(randomArray(4 * 4 * 8 * 8, 7), [4, 4, 8, 8]));
      const step = () =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            // Scaling x by a variable makes the first conv's input gradient (stride 1, the conv
            // method) needed too, beside the second's and conv2dTranspose's (stride 2, col2im).
            const h = tf.conv2d(x.mul(encoder.sum()) as tf.Tensor4D, encoder as tf.Tensor4D, 1, 'same').relu() as tf.Tensor4D;
            const down = tf.conv2d(h, tf.ones([2, 2, 8, 8]), 2, 'valid');
            const up = tf.conv2dTranspose(down, decoder, [4, 12, 12, 8], 2, 'same');
            return up.sub(x).square().mean() as tf.Scalar;
          }, [encoder, decoder]);
          return tf.addN(Object.values(grads).map((g) => g.sum())).dataSync()[0];
        });
      step();
      const tensors = tf.memory().numTensors;
      const buffers = tf.memory().numDataBuffers;
      for (let i = 0; i < 5; i++) step();
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal(tf.memory().numDataBuffers, buffers);
      tf.dispose([x, encoder, decoder]);
    } finally {
      tf.env().set('IS_TEST', previousIsTest);
    }
  });
});
