// test/threads.test.ts's worker: every kernel that runs on the wasm backend's thread pool, computed
// with 2 threads and on the cpu backend from the same inputs (a thread's tfjs fixes its wasm thread
// count at the first initialisation, so this needs a thread of its own).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { endWasmThreads } from '../src/main/engine/wasm-threads.ts';
import { answerWorkerJob, type Handlers } from '../src/main/worker-threads.ts';
import { maxAbsDiff, randomArray, size } from './kernel-helpers.ts';

export type ThreadedKernelsProtocol = {
  compare: { request: { threads: number }; reply: { note: string; diffs: Record<string, number> } };
};

const t = (shape: number[], seed: number) => tf.tensor(randomArray(size(shape), seed), shape);
const conv = { strides: [2, 2] as [number, number], pad: 'same' as const };

// Shapes big enough that XNNPACK splits each product or convolution over the threads.
const CASES: Record<string, () => tf.Tensor> = {
  BatchMatMul: () => tf.matMul(t([96, 200], 1), t([200, 150], 2)),
  'BatchMatMul transposed': () => tf.matMul(t([200, 96], 3), t([150, 200], 4), true, true),
  _FusedMatMul: () => tf.fused.matMul({ a: t([96, 200], 5), b: t([200, 150], 6), bias: t([150], 7), activation: 'relu' }),
  Conv2D: () => tf.conv2d(t([8, 14, 14, 16], 8) as tf.Tensor4D, t([3, 3, 16, 32], 9) as tf.Tensor4D, 1, 'same'),
  Conv2DBackpropInput: () =>
    tf.conv2dTranspose(t([8, 7, 7, 32], 10) as tf.Tensor4D, t([3, 3, 16, 32], 11) as tf.Tensor4D, [8, 14, 14, 16], 2, 'same'),
  Conv2DBackpropFilter: () =>
    tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x: t([8, 14, 14, 16], 12), dy: t([8, 7, 7, 32], 13) },
        { ...conv, dataFormat: 'NHWC', filterShape: [3, 3, 16, 32] },
      ) as tf.Tensor,
};

function computeAll(): Map<string, Float32Array> {
  return new Map(Object.entries(CASES).map(([name, f]) => [name, tf.tidy(() => f().dataSync() as Float32Array)]));
}

const handlers: Handlers<ThreadedKernelsProtocol> = {
  async compare({ threads }) {
    const { note } = await initBackend('wasm', threads);
    const wasm = computeAll();
    await tf.setBackend('cpu');
    const cpu = computeAll();
    await endWasmThreads();
    return { note, diffs: Object.fromEntries([...wasm].map(([name, v]) => [name, maxAbsDiff(v, cpu.get(name)!)])) };
  },
};

void answerWorkerJob(handlers);
