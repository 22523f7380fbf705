// The seed-notebook preset against the notebook itself, run in PyTorch (scripts/torch_reference.py
// wrote the fixture). Both sides load the same formula-generated parameters and noise; TensorFlow.js
// must give the same loss parts, the same gradient norm for every parameter, and the same loss
// after one Adam step, on the cpu backend and on the project's wasm kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { buildDecoder, buildEncoder } from '../src/main/engine/model.ts';
import { elbo } from '../src/main/engine/loss.ts';
import { makeOptimizer } from '../src/main/engine/optimizer.ts';
import { findPreset } from '../src/shared/presets.ts';

interface Parts {
  recon: number;
  kl: number;
  total: number;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/torch-notebook.json', import.meta.url), 'utf8')) as {
  recipe: { name: string; shape: number[]; phase: number; scale: number; offset: number }[];
  x: number[];
  eps: number[];
  before: Parts;
  gradNorms: number[];
  afterAdamStep: Parts;
};

/** PyTorch module path -> layer name in model.ts. */
const LAYER_OF: Record<string, string> = {
  'encoder.h1.net.0': 'conv1',
  'encoder.h1.net.3': 'conv2',
  'encoder.h1.net.7': 'fc1',
  'encoder.h1.net.9': 'fc2',
  'encoder.h2': 'sigma_head',
  'encoder.g2': 'mean',
  'decoder.net.0': 'fc',
  'decoder.net.1': 'layer_norm',
};

function values(r: { shape: number[]; phase: number; scale: number; offset: number }): Float64Array {
  const n = r.shape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, (_, i) => r.offset + r.scale * Math.sin(0.7 * i + 1.3 * r.phase + 0.1));
}

/** A PyTorch parameter in TensorFlow.js layout. */
function toTf(name: string, shape: number[], v: Float64Array): tf.Tensor {
  if (shape.length === 4) {
    // Conv weight [out, in, kh, kw] -> kernel [kh, kw, in, out].
    return tf.tensor4d(Array.from(v), shape as [number, number, number, number]).transpose([2, 3, 1, 0]);
  }
  if (shape.length === 2) {
    const [out, inp] = shape as [number, number];
    if (name === 'encoder.h1.net.7.weight') {
      // PyTorch flattens conv features as (c, h, w); tfjs as (h, w, c): reorder fc1's inputs.
      const kernel = new Float64Array(inp * out);
      for (let o = 0; o < out; o++)
        for (let c = 0; c < 64; c++)
          for (let h = 0; h < 5; h++)
            for (let w = 0; w < 5; w++) kernel[((h * 5 + w) * 64 + c) * out + o] = v[o * inp + c * 25 + h * 5 + w]!;
      return tf.tensor2d(Array.from(kernel), [inp, out]);
    }
    return tf.tensor2d(Array.from(v), [out, inp]).transpose();
  }
  return tf.tensor1d(Array.from(v));
}

function close(actual: number, expected: number, what: string, rel = 2e-4): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs PyTorch ${expected}`);
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`seed-notebook in TensorFlow.js (${backend}) equals the notebook in PyTorch`, async () => {
    await initBackend(backend);
    const { model } = findPreset('seed-notebook')!.config;
    const image = { height: 28, width: 28 };
    const encoder = buildEncoder(model, image, 1);
    const decoder = buildDecoder(model, image, 1);
    const byLayer = new Map<string, tf.Tensor[]>();
    const variables: tf.Variable[] = [];
    for (const r of fixture.recipe) {
      const [path, kind] = [r.name.slice(0, r.name.lastIndexOf('.')), r.name.slice(r.name.lastIndexOf('.') + 1)];
      const layer = LAYER_OF[path]!;
      const list = byLayer.get(layer) ?? [];
      list[kind === 'weight' ? 0 : 1] = toTf(r.name, r.shape, values(r));
      byLayer.set(layer, list);
    }
    for (const [name, weights] of byLayer)
      (encoder.layers.find((l) => l.name === name) ?? decoder.getLayer(name)).setWeights(weights);
    // Trainable variables in the fixture's parameter order, for gradient norms.
    for (const r of fixture.recipe) {
      const path = r.name.slice(0, r.name.lastIndexOf('.'));
      const layer = encoder.layers.find((l) => l.name === LAYER_OF[path]) ?? decoder.getLayer(LAYER_OF[path]!);
      const w = layer.trainableWeights[r.name.endsWith('weight') ? 0 : 1] as unknown as { read(): tf.Variable };
      variables.push(w.read());
    }
    const x = tf.tensor2d(fixture.x, [1, 784]);
    const eps = tf.tensor3d(fixture.eps, [3, 1, model.latentDim]);
    const lossParts = () => {
      const [mean, head] = encoder.apply(x.reshape([1, 28, 28, 1])) as [tf.Tensor2D, tf.Tensor2D];
      return elbo({
        x,
        mean,
        head,
        eps,
        sigma: model.sigma,
        likelihood: 'gaussian',
        beta: 1,
        decode: (z) => (decoder.apply(z) as tf.Tensor).reshape([z.shape[0], 784]) as tf.Tensor2D,
      });
    };
    const read = (): Parts =>
      tf.tidy(() => {
        const p = lossParts();
        const [recon, kl] = [p.recon.dataSync()[0]!, p.kl.dataSync()[0]!];
        return { recon, kl, total: recon + kl };
      });

    const before = read();
    for (const part of ['recon', 'kl', 'total'] as const) close(before[part], fixture.before[part], `${backend} ${part}`);

    const { grads } = tf.variableGrads(() => lossParts().objective, variables);
    variables.forEach((v, i) => {
      const norm = tf.tidy(() => tf.norm(grads[v.name]!).dataSync()[0]!);
      close(norm, fixture.gradNorms[i]!, `${backend} gradient norm of ${fixture.recipe[i]!.name}`, 2e-3);
    });
    const adam = makeOptimizer({ optimizer: 'adam', learningRate: 0.1 });
    adam.applyGradients(grads);
    const after = read();
    for (const part of ['recon', 'kl', 'total'] as const)
      close(after[part], fixture.afterAdamStep[part], `${backend} after one Adam step, ${part}`, 2e-3);
    tf.dispose([x, eps, ...Object.values(grads)]);
    adam.dispose();
    encoder.dispose();
    decoder.dispose();
  });
}
