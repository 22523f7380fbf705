// The project's wasm BatchMatMul (transposes materialised, then XNNPACK) against the cpu backend:
// forward products for every transpose combination, and the gradients of a dense layer.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { maxAbsDiff as maxDiff, on as onBackend, randomArray } from './kernel-helpers.ts';

const data = (n: number, seed: number) => randomArray(n, seed + 1);

before(async () => {
  await initBackend('wasm');
});

test('matMul with every transpose combination equals cpu', async () => {
  for (const [m, k, n] of [
    [1, 5, 3],
    [3, 9, 6],
    [4, 33, 8],
    [5, 7, 11],
    [64, 784, 40],
    [128, 20, 400],
  ] as [number, number, number][]) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = data(m * k, m + k);
        const b = data(k * n, k + n);
        const run = () =>
          tf.tidy(
            () =>
              tf
                .matMul(tf.tensor2d(a, ta ? [k, m] : [m, k]), tf.tensor2d(b, tb ? [n, k] : [k, n]), ta, tb)
                .dataSync() as Float32Array,
          );
        const cpu = await onBackend('cpu', run);
        const wasm = await onBackend('wasm', run);
        assert.ok(maxDiff(cpu, wasm) < 1e-4, `m${m} k${k} n${n} ta${ta} tb${tb}: ${maxDiff(cpu, wasm)}`);
      }
    }
  }
});

test('dense layer gradients (dx = dy·Wᵀ, dW = xᵀ·dy) equal cpu, without leaking tensors', async () => {
  const [b, i, o] = [32, 50, 24];
  const x = data(b * i, 1);
  const w = data(i * o, 2);
  const grads = () =>
    tf.tidy(() => {
      const g = tf.grads((xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.square(tf.matMul(xs, ws))));
      return g([tf.tensor2d(x, [b, i]), tf.tensor2d(w, [i, o])]).map((t) => t.dataSync() as Float32Array);
    });
  const cpu = await onBackend('cpu', grads);
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const wasm = grads();
  assert.equal(tf.memory().numTensors, before);
  assert.ok(maxDiff(cpu[0]!, wasm[0]!) < 1e-3, `dx ${maxDiff(cpu[0]!, wasm[0]!)}`);
  assert.ok(maxDiff(cpu[1]!, wasm[1]!) < 1e-3, `dW ${maxDiff(cpu[1]!, wasm[1]!)}`);
});

test('fused dense forward (bias and relu) equals cpu on both paths', async () => {
  // k > 48 matters: wasm's plain loop works in 48-wide blocks of the shared dimension.
  for (const [m, k] of [
    [1, 40],
    [1, 1600],
    [3, 100],
    [64, 100],
  ] as [number, number][]) {
    const n = 24;
    const x = data(m * k, 11);
    const w = data(k * n, 12);
    const bias = data(n, 13);
    const run = () =>
      tf.tidy(
        () =>
          tf.fused
            .matMul({ a: tf.tensor2d(x, [m, k]), b: tf.tensor2d(w, [k, n]), bias: tf.tensor1d(bias), activation: 'relu' })
            .dataSync() as Float32Array,
      );
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    assert.ok(maxDiff(cpu, wasm) < 1e-4, `m${m} k${k}: ${maxDiff(cpu, wasm)}`);
  }
});
