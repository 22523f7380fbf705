// The project's wasm kernels on the colour models' shapes (issue 11) against the cpu backend: the
// conv-64 model's stride-2 4x4 'same' convolutions and transposed convolutions at 64x64 with 3
// channels, forward and both gradients, and a whole colour conv VAE's gradients.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { buildDecoder, buildEncoder } from '../src/main/engine/model.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { maxAbsDiff, on, randomArray, size } from './kernel-helpers.ts';

type Shape4 = [number, number, number, number];

/** Float32 sums of thousands of terms: the tolerance scales with the values compared. */
function assertClose(wasm: Float32Array, cpu: Float32Array, what: string): void {
  let scale = 1;
  for (const v of cpu) scale = Math.max(scale, Math.abs(v));
  const diff = maxAbsDiff(wasm, cpu);
  assert.ok(diff <= 2e-5 * scale, `${what}: max diff ${diff} (largest value ${scale})`);
}

// [image, filter] of stride-2 4x4 blocks as the conv-64 model has them, at batch 1 and with fewer
// filters (the cpu reference is slow): 64x64 RGB in (and, transposed, out), and deeper blocks with
// 8 or more channels in and out. The decoder's transposed convolutions run them backwards.
const BLOCKS: [Shape4, Shape4][] = [
  [
    [1, 64, 64, 3],
    [4, 4, 3, 8],
  ],
  [
    [1, 16, 16, 16],
    [4, 4, 16, 32],
  ],
  [
    [1, 8, 12, 32],
    [4, 4, 32, 16],
  ],
];

const outShape = ([n, h, w]: Shape4, [, , , co]: Shape4): Shape4 => [n, h / 2, w / 2, co];

describe('wasm kernels on colour and 64x64 shapes', () => {
  before(async () => {
    await initBackend('wasm');
  });

  test('stride-2 4x4 conv2d: output, input and filter gradients equal the cpu backend', async () => {
    for (const [i, [xShape, fShape]] of BLOCKS.entries()) {
      const x = randomArray(size(xShape), 5 + i);
      const f = randomArray(size(fShape), 17 + i, 0.2);
      const u = randomArray(size(outShape(xShape, fShape)), 29 + i);
      const run = () =>
        tf.tidy(() => {
          const ut = tf.tensor4d(u, outShape(xShape, fShape));
          const forward = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
          const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => forward(a, b).mul(ut).sum())([
            tf.tensor4d(x, xShape),
            tf.tensor4d(f, fShape),
          ]);
          return [forward(tf.tensor4d(x, xShape), tf.tensor4d(f, fShape)), dx!, df!].map((t) => t.dataSync() as Float32Array);
        });
      const wasm = await on('wasm', run);
      const cpu = await on('cpu', run);
      ['output', 'input gradient', 'filter gradient'].forEach((what, j) =>
        assertClose(wasm[j]!, cpu[j]!, `conv2d ${what}, x ${xShape.join('x')} f ${fShape.join('x')}`),
      );
    }
  });

  test('stride-2 4x4 conv2dTranspose up to 64x64x3: output and both gradients equal the cpu backend', async () => {
    for (const [i, [xShape, fShape]] of BLOCKS.entries()) {
      const yShape = outShape(xShape, fShape);
      const y = randomArray(size(yShape), 41 + i);
      const f = randomArray(size(fShape), 53 + i, 0.2);
      const u = randomArray(size(xShape), 67 + i);
      const run = () =>
        tf.tidy(() => {
          const ut = tf.tensor4d(u, xShape);
          const forward = (a: tf.Tensor, b: tf.Tensor) =>
            tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, xShape, 2, 'same');
          const [dy, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => forward(a, b).mul(ut).sum())([
            tf.tensor4d(y, yShape),
            tf.tensor4d(f, fShape),
          ]);
          return [forward(tf.tensor4d(y, yShape), tf.tensor4d(f, fShape)), dy!, df!].map((t) => t.dataSync() as Float32Array);
        });
      const wasm = await on('wasm', run);
      const cpu = await on('cpu', run);
      ['output', 'input gradient', 'filter gradient'].forEach((what, j) =>
        assertClose(wasm[j]!, cpu[j]!, `conv2dTranspose ${what}, to ${xShape.join('x')} f ${fShape.join('x')}`),
      );
    }
  });

  test("a colour conv VAE's loss and every weight gradient equal the cpu backend's", async () => {
    const model = {
      ...DEFAULT_CONFIG.model,
      latentDim: 3,
      encoder: 'conv' as const,
      convChannels: [4, 8],
      decoder: 'deconv' as const,
      deconvChannels: [8, 4],
    };
    const image = { height: 16, width: 24, channels: 3 as const };
    const x = randomArray(2 * 16 * 24 * 3, 7, 0.5).map((v) => v + 0.5);
    const run = () => {
      const encoder = buildEncoder(model, image, 4);
      const decoder = buildDecoder(model, image, 4);
      try {
        return tf.tidy(() => {
          const weights = [...encoder.trainableWeights, ...decoder.trainableWeights].map((w) => w.read() as tf.Variable);
          const xt = tf.tensor4d(x, [2, 16, 24, 3]);
          const { value, grads } = tf.variableGrads(() => {
            const [mean] = encoder.apply(xt) as tf.Tensor[];
            const logits = decoder.apply(mean!) as tf.Tensor;
            return tf.sum(tf.square(tf.sub(tf.sigmoid(logits), xt)));
          }, weights);
          // In the order of `weights`: names differ between the two builds (tfjs adds suffixes).
          return [value, ...Object.values(grads)].map((t) => t.dataSync() as Float32Array);
        });
      } finally {
        encoder.dispose();
        decoder.dispose();
      }
    };
    const wasm = await on('wasm', run);
    const cpu = await on('cpu', run);
    assert.equal(wasm.length, cpu.length);
    assert.ok(wasm.length > 10, `${wasm.length - 1} weight gradients`);
    wasm.forEach((w, j) => assertClose(w, cpu[j]!, j === 0 ? 'loss' : `gradient ${j}`));
  });
});
