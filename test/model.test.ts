// Model factories: shapes, and the training decoder's LayerNorm equal to the stock layer used for export.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildDecoder, buildEncoder } from '../src/main/engine/model.ts';
import { findPreset } from '../src/shared/presets.ts';

before(async () => {
  await tf.setBackend('cpu');
});

const image = { height: 28, width: 28 };

test('seed-conv encoder has the notebook layers and two heads', () => {
  const model = findPreset('seed-notebook')!.config.model;
  const enc = buildEncoder(model, image, 1);
  const shapes = enc.layers.map((l) => l.outputShape);
  assert.deepEqual(shapes.slice(1, 6), [
    [null, 24, 24, 32],
    [null, 12, 12, 32],
    [null, 10, 10, 64],
    [null, 5, 5, 64],
    [null, 1600],
  ]);
  assert.deepEqual(
    enc.outputs.map((o) => o.shape),
    [
      [null, 5],
      [null, 5],
    ],
  );
  enc.dispose();
});

test('every decoder maps z to a 28x28x1 logit image', () => {
  const base = findPreset('quick')!.config.model;
  for (const decoder of ['seed', 'mlp', 'deconv'] as const) {
    const dec = buildDecoder({ ...base, decoder }, image, 1);
    assert.deepEqual(dec.outputs[0]!.shape, [null, 28, 28, 1], decoder);
    dec.dispose();
  }
});

test('the fast LayerNorm equals the stock layer, values and gradients', () => {
  const model = findPreset('seed-notebook')!.config.model;
  const fast = buildDecoder(model, image, 7);
  const stock = buildDecoder(model, image, 7, { exportable: true });
  // Non-trivial gamma and beta, the same in both.
  const weights = fast.getWeights().map((w, i) => tf.randomUniform(w.shape, -1, 1, 'float32', i + 1));
  fast.setWeights(weights);
  stock.setWeights(weights);
  const z = tf.randomNormal([4, model.latentDim], 0, 1, 'float32', 3);
  const loss = (m: tf.LayersModel) => () => tf.sum(tf.square(tf.sigmoid(m.apply(z) as tf.Tensor))) as tf.Scalar;
  const a = tf.variableGrads(
    loss(fast),
    fast.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read()),
  );
  const b = tf.variableGrads(
    loss(stock),
    stock.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read()),
  );
  assert.ok(Math.abs(a.value.dataSync()[0]! - b.value.dataSync()[0]!) < 1e-3);
  const ga = Object.values(a.grads).map((g) => g.dataSync());
  const gb = Object.values(b.grads).map((g) => g.dataSync());
  assert.equal(ga.length, gb.length);
  ga.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - gb[i]![j]!) < 1e-4, `grad ${i}[${j}]: ${v} vs ${gb[i]![j]}`)));
  tf.dispose([...weights, z]);
  fast.dispose();
  stock.dispose();
});
