// Size and channels through the models (issue 11): the conv encoder and deconv decoder at 28, 32, 64
// and non-square sizes with 1 or 3 channels, the MLP and notebook models in colour, the parameter
// count the config predicts, the size rules, the conv-64 preset, and colour preview grids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, ModelConfig } from '../src/shared/config.ts';
import { CONV64_CONFIG, CONV64_PRESET, DEFAULT_CONFIG, PRESETS } from '../src/shared/presets.ts';
import { parameterCount } from '../src/shared/model-size.ts';
import { validateConfig } from '../src/shared/validate.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from '../src/main/engine/model.ts';
import { imageGrid } from '../src/main/engine/grid.ts';
import { architecture } from '../src/shared/model-summary.ts';

function config(data: Partial<ExperimentConfig['data']>, model: Partial<ModelConfig>): ExperimentConfig {
  return {
    ...DEFAULT_CONFIG,
    data: { ...DEFAULT_CONFIG.data, source: 'csv', path: 'x.csv', ...data },
    model: { ...DEFAULT_CONFIG.model, latentDim: 4, ...model },
  };
}

/** Builds both models, checks their shapes and the predicted parameter count, and disposes them. */
function checkShapes(c: ExperimentConfig): void {
  const image = imageShapeOf(c.data);
  const { height: h, width: w, channels: ch } = image;
  const what = `${c.model.encoder}/${c.model.decoder} at ${h}x${w}x${ch}`;
  const encoder = buildEncoder(c.model, image, 1);
  const decoder = buildDecoder(c.model, image, 1);
  try {
    assert.deepEqual(encoder.inputs[0]!.shape, [null, h, w, ch], what);
    assert.deepEqual(decoder.outputs[0]!.shape, [null, h, w, ch], what);
    const L = c.model.latentDim;
    const [mean, head] = encoder.predict(tf.zeros([2, h, w, ch])) as tf.Tensor[];
    assert.deepEqual(
      [mean!.shape, head!.shape],
      [
        [2, L],
        [2, L],
      ],
      what,
    );
    const out = decoder.predict(tf.zeros([2, L])) as tf.Tensor;
    assert.deepEqual(out.shape, [2, h, w, ch], what);
    tf.dispose([mean!, head!, out]);
    assert.equal(parameterCount(c), encoder.countParams() + decoder.countParams(), what);
  } finally {
    encoder.dispose();
    decoder.dispose();
  }
}

test('conv encoder and deconv decoder adapt to 28, 32, 64 and non-square sizes, 1 or 3 channels', () => {
  const cases: [number, number, number[], number[]][] = [
    [28, 28, [8, 16], [16, 8]], // 28 = 7 x 4: two doublings
    [32, 32, [8, 16, 16], [16, 16, 8]],
    [64, 64, [4, 8, 8, 16], [16, 8, 8, 4]],
    [24, 40, [8, 8, 8], [8, 8, 8]], // 3 x 5 after three halvings
    [20, 36, [8, 16], [16, 8]],
  ];
  for (const channels of [1, 3]) {
    for (const [imageHeight, imageWidth, convChannels, deconvChannels] of cases) {
      checkShapes(
        config({ imageHeight, imageWidth, channels }, { encoder: 'conv', convChannels, decoder: 'deconv', deconvChannels }),
      );
    }
  }
  // An odd size halves by rounding up in the encoder: 28 -> 14 -> 7 -> 4 -> 2.
  checkShapes(config({ imageHeight: 28, imageWidth: 28, channels: 3 }, { encoder: 'conv', convChannels: [4, 4, 4, 4] }));
});

test('the MLP models and the notebook architecture take any size and channel count', () => {
  for (const channels of [1, 3]) {
    checkShapes(config({ imageHeight: 20, imageWidth: 12, channels }, { encoder: 'mlp', decoder: 'mlp', encoderHidden: [16] }));
    checkShapes(config({ imageHeight: 28, imageWidth: 28, channels }, { encoder: 'seed-conv', decoder: 'seed' }));
    checkShapes(config({ imageHeight: 16, imageWidth: 24, channels }, { encoder: 'mlp', decoder: 'deconv' }));
  }
  checkShapes(CONV64_CONFIG);
});

test('a grayscale model is built exactly as before: layer names, shapes and initial weights', () => {
  // The two-entry deconv decoder and the 1-channel models keep their layers one for one, so every
  // stored checkpoint and preset still loads; the seed-parity tests hold the values.
  const c = config({}, { encoder: 'seed-conv', decoder: 'deconv', deconvChannels: [32, 16] });
  const decoder = buildDecoder(c.model, { height: 28, width: 28 }, 1);
  const same = buildDecoder(c.model, imageShapeOf(c.data), 1);
  assert.deepEqual(
    decoder.weights.map((w) => `${w.originalName} ${w.shape.join('x')}`),
    [
      'fc/kernel 4x1568',
      'fc/bias 1568',
      'deconv1/kernel 4x4x16x32',
      'deconv1/bias 16',
      'deconv2/kernel 4x4x1x16',
      'deconv2/bias 1',
    ],
  );
  decoder.weights.forEach((w, i) => assert.deepEqual(w.read().dataSync(), same.weights[i]!.read().dataSync(), w.name));
  decoder.dispose();
  same.dispose();
});

test('sizes the deconv decoder cannot reach are refused, naming the field and the multiple', () => {
  const r = validateConfig(config({ imageHeight: 56, imageWidth: 56 }, { decoder: 'deconv', deconvChannels: [64, 32, 16, 8] }));
  assert.ok(!r.ok);
  assert.equal(r.error.field, 'model.decoder');
  assert.match(r.error.message, /multiples of 16; 56x56 is not/);
  const fits = validateConfig(
    config({ imageHeight: 48, imageWidth: 64 }, { decoder: 'deconv', deconvChannels: [64, 32, 16, 8] }),
  );
  assert.ok(fits.ok, !fits.ok ? fits.error.message : '');
  const tooMany = validateConfig(config({}, { encoder: 'conv', convChannels: [1, 2, 3, 4, 5, 6, 7] }));
  assert.ok(!tooMany.ok && tooMany.error.field === 'model.convChannels');
});

test('conv-64: a DCGAN-style 64x64 RGB preset whose model and sizes validate', () => {
  assert.equal(CONV64_PRESET.config, CONV64_CONFIG);
  const c = CONV64_CONFIG;
  assert.deepEqual([c.data.imageHeight, c.data.imageWidth, c.data.channels], [64, 64, 3]);
  assert.deepEqual([c.model.encoder, c.model.convChannels], ['conv', [32, 64, 128, 256]]);
  assert.deepEqual([c.model.decoder, c.model.deconvChannels], ['deconv', [256, 128, 64, 32]]);
  // Until image folders exist no source supplies colour: the rest of the config must validate.
  const r = validateConfig({ ...c, preset: 'custom', data: { ...c.data, source: 'csv', path: 'x.csv', channels: 1 } });
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(architecture(c), 'conv 32-64-128-256 → deconv 256-128-64-32');
  // The existing presets keep their models: none uses the new settings.
  for (const p of PRESETS) assert.notEqual(p.config.model.encoder, 'conv', p.id);
});

test('preview grids: colour cells interleaved (HWC), grayscale byte-identical and without a channels field', () => {
  // Two 2x2 RGB images side by side: red-ish and a gradient.
  const a = Float32Array.from({ length: 12 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const b = Float32Array.from({ length: 12 }, (_, i) => i / 11);
  const grid = imageGrid([a, b], 1, 2, 2, 2, 3);
  assert.equal(grid.channels, 3);
  assert.equal(grid.pixels.length, 1 * 2 * 2 * 2 * 3);
  // Row 0 of the grid: a's row 0 (6 values), then b's row 0.
  assert.deepEqual(Array.from(grid.pixels.subarray(0, 12)), [255, 0, 0, 255, 0, 0, 0, 23, 46, 70, 93, 116]);
  assert.deepEqual(Array.from(grid.pixels.subarray(12, 18)), [255, 0, 0, 255, 0, 0]);
  const gray = imageGrid([Float32Array.of(0, 0.5, 1, 2), null], 1, 2, 2, 2);
  assert.deepEqual(gray, { rows: 1, cols: 2, height: 2, width: 2, pixels: Uint8Array.of(0, 128, 0, 0, 255, 255, 0, 0) });
  assert.ok(!('channels' in gray));
});
