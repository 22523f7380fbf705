// Colour end to end in the engine (issue 11): a conv VAE trained a few steps on synthetic RGB images
// (the folder source makes them from files; here they are made in memory and go through the same
// prepareSplit), its preview grids, the conv-64 model at 64x64, IWAE evaluation, the latent
// worker's decode and encode, and the exported Layers models taking and producing [N, H, W, 3].
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { CONV64_CONFIG, DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer } from '../src/main/engine/trainer.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from '../src/main/engine/model.ts';
import { prepareSplit, type Dataset, type DatasetSplit } from '../src/main/data/index.ts';
import { importanceWeightedNll } from '../src/main/eval/iwae.ts';
import { evaluateCheckpoint } from '../src/main/eval/evaluate.ts';
import { decodePoints, encodeImages } from '../src/main/latent/ops.ts';
import { loadExportModel, loadPlainModel, saveModel, type ModelJsonFile } from '../src/main/export/models.ts';
import { imageShapeProblem, manifestModels } from '../src/main/export/image-shape.ts';

before(async () => {
  await initBackend('auto');
});

/** Smooth colour patterns, a different phase per image and channel: something a VAE can learn. */
function rgbImages(count: number, height: number, width: number): Dataset {
  const images = new Float32Array(count * height * width * 3);
  let i = 0;
  for (let n = 0; n < count; n++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++) images[i++] = 0.5 + 0.5 * Math.sin((x + 2 * y) / (3 + c) + n * 0.7 + c);
  return { name: 'synthetic RGB', fingerprint: 'rgb', count, height, width, channels: 3, images, labels: null };
}

function rgbConfig(height: number, width: number, over: Partial<ExperimentConfig['model']> = {}): ExperimentConfig {
  return {
    ...DEFAULT_CONFIG,
    data: {
      ...DEFAULT_CONFIG.data,
      source: 'csv',
      path: 'x',
      imageHeight: height,
      imageWidth: width,
      channels: 3,
      heldOutFraction: 0.25,
    },
    model: {
      ...DEFAULT_CONFIG.model,
      latentDim: 4,
      encoder: 'conv',
      convChannels: [8, 16],
      decoder: 'deconv',
      deconvChannels: [16, 8],
      ...over,
    },
    optim: { ...DEFAULT_CONFIG.optim, batchSize: 8, epochs: 1 },
    run: { ...DEFAULT_CONFIG.run, evalSamples: 0 },
  };
}

function split(cfg: ExperimentConfig, count: number): DatasetSplit {
  return prepareSplit({ ...rgbImages(count, cfg.data.imageHeight, cfg.data.imageWidth), test: null }, cfg.data, cfg.run.seed);
}

const toByte = (v: number) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));

// One small trained colour model shared by the tests below (16x12: non-square on purpose).
const CFG = rgbConfig(16, 12);
let trainer: Trainer;
before(() => {
  trainer = new Trainer(CFG, split(CFG, 32));
  for (let i = 0; i < 3; i++) {
    const loss = trainer.trainStep();
    assert.ok(Number.isFinite(loss.total), `step ${i + 1}: ${loss.total}`);
  }
});

test('a conv VAE trains on RGB images, and its previews are colour grids of the inputs and their reconstructions', () => {
  assert.equal(trainer.data.train.channels, 3);
  const recon = trainer.reconstructionGrid();
  // 8 held-out images: one row of inputs, one of reconstructions, 8 columns.
  assert.deepEqual([recon.rows, recon.cols, recon.height, recon.width, recon.channels], [2, 8, 16, 12, 3]);
  assert.equal(recon.pixels.length, 2 * 8 * 16 * 12 * 3);
  // The first cell's first row is the first held-out image's first row, RGB interleaved.
  const first = trainer.data.heldOut.images.subarray(0, 12 * 3);
  assert.deepEqual(Array.from(recon.pixels.subarray(0, 12 * 3)), Array.from(first, toByte));
  // Reconstructions (second row of cells) are the decoder's pixel means, in colour.
  const means = tf.tidy(() => trainer.decodeMeans(trainer.encodeMeans(trainer.data.heldOut, 0, 1)));
  const firstRecon = means.dataSync().subarray(0, 12 * 3);
  means.dispose();
  const reconRow = (16 * 8 * 12 + 0) * 3;
  assert.deepEqual(Array.from(recon.pixels.subarray(reconRow, reconRow + 12 * 3)), Array.from(firstRecon, toByte));
  const samples = trainer.samplesGrid();
  assert.deepEqual([samples.rows, samples.cols, samples.channels, samples.pixels.length], [4, 8, 3, 32 * 16 * 12 * 3]);
  const held = trainer.evaluate();
  assert.ok(held && Number.isFinite(held.total));
});

test('conv-64: two steps of the 64x64 RGB model, batch 8, with colour previews', () => {
  const cfg: ExperimentConfig = {
    ...CONV64_CONFIG,
    data: { ...CONV64_CONFIG.data, source: 'csv', path: 'x', heldOutFraction: 0.25 },
    optim: { ...CONV64_CONFIG.optim, batchSize: 8, epochs: 1 },
    run: { ...CONV64_CONFIG.run, evalSamples: 0 },
  };
  const big = new Trainer(cfg, split(cfg, 20));
  try {
    const first = big.trainStep();
    // After the first step, which creates Adam's moments: nothing more may stay behind.
    const before = tf.memory().numTensors;
    const second = big.trainStep();
    for (const l of [first, second]) assert.ok(Number.isFinite(l.total) && l.total > 0, JSON.stringify(l));
    const grid = big.reconstructionGrid();
    assert.deepEqual([grid.rows, grid.cols, grid.height, grid.width, grid.channels], [2, 5, 64, 64, 3]);
    assert.equal(tf.memory().numTensors, before, 'training steps and previews leave no tensors behind');
  } finally {
    big.dispose();
  }
});

test('IWAE evaluation reads 3 values a pixel: an RGB image scores as the same values laid out in gray', async () => {
  // An MLP sees [H, W, 3] flattened exactly as [H, 3W, 1]: same weights from the same seed, so the
  // NLL must agree to rounding. Reading H*W values an image, or reshaping to 1 channel, breaks it.
  const colour = rgbConfig(4, 4, { encoder: 'mlp', encoderHidden: [8], decoder: 'mlp', decoderHidden: [8] });
  const gray: ExperimentConfig = { ...colour, data: { ...colour.data, imageWidth: 12, channels: 1 } };
  const data = rgbImages(6, 4, 4);
  const asGray: Dataset = { ...data, width: 12, channels: 1 };
  const results = [];
  for (const [cfg, ds] of [
    [colour, data],
    [gray, asGray],
  ] as const) {
    const image = imageShapeOf(cfg.data);
    const model = { config: cfg, encoder: buildEncoder(cfg.model, image, 5), decoder: buildDecoder(cfg.model, image, 5) };
    const estimate = await importanceWeightedNll(model, ds, { k: 8, count: 6, seed: 11 });
    const result = await evaluateCheckpoint(
      model,
      { images: ds, split: 'held-out', binarization: 'none' },
      {
        checkpointStep: 0,
        k: 8,
        images: 6,
        backend: 'test',
      },
    );
    results.push({ nll: estimate.nll, bits: result.bitsPerDim, evaluatedNll: result.nll });
    model.encoder.dispose();
    model.decoder.dispose();
  }
  const [c, g] = results;
  assert.ok(Number.isFinite(c!.nll) && c!.nll > 0);
  assert.ok(Math.abs(c!.nll - g!.nll) < 1e-3 * Math.abs(g!.nll), `${c!.nll} vs ${g!.nll}`);
  // Bits per dimension count all 48 values of an image.
  assert.ok(Math.abs(c!.bits - c!.evaluatedNll / (48 * Math.LN2)) < 1e-9, `${c!.bits} bits per dimension`);
});

test("the latent worker's decode gives colour grids of the decoder's means; encode takes RGB images", async () => {
  const model = { config: CFG, encoder: trainer.encoder, decoder: trainer.decoder, classes: 0, busy: 0 };
  const z = Float32Array.of(0, 0, 0, 0, 1, -1, 0.5, 2);
  const grid = decodePoints(model, z, 4, 2, null);
  assert.deepEqual([grid.rows, grid.cols, grid.height, grid.width, grid.channels], [1, 2, 16, 12, 3]);
  const means = tf.tidy(() => trainer.decodeMeans(tf.tensor2d(z, [2, 4])));
  const values = means.dataSync();
  means.dispose();
  // Cell 1's first row sits after cell 0's first row in the grid's first pixel row.
  assert.deepEqual(Array.from(grid.pixels.subarray(36, 72)), Array.from(values.subarray(16 * 12 * 3, 16 * 12 * 3 + 36), toByte));
  const encoded = await encodeImages(model, trainer.data.heldOut, 3);
  const expected = trainer.encodeMeans(trainer.data.heldOut, 0, 3);
  const diff = Math.max(...Array.from(expected.dataSync(), (v, i) => Math.abs(v - encoded.means[i]!)));
  expected.dispose();
  assert.ok(diff < 1e-5, `means differ by ${diff}`);
});

test('export: the colour Layers models take and produce [N, H, W, 3]; the manifest states it; import checks it', async () => {
  const blobs = await trainer.checkpoint();
  const files: Record<'encoder' | 'decoder', ModelJsonFile> = {} as never;
  for (const part of ['encoder', 'decoder'] as const) {
    const model = loadExportModel(CFG, part, blobs[part], 0);
    const saved = await saveModel(model);
    model.dispose();
    files[part] = JSON.parse(saved.modelJson) as ModelJsonFile;
    // Loaded as a user would: plain tfjs, nothing registered.
    const plain = await loadPlainModel(files[part], saved.weights);
    if (part === 'encoder') {
      assert.deepEqual(plain.inputs[0]!.shape, [null, 16, 12, 3]);
      const x = tf.tensor4d(trainer.data.heldOut.images.subarray(0, 2 * 16 * 12 * 3), [2, 16, 12, 3]);
      const outputs = plain.predict(x) as tf.Tensor[];
      const got = outputs[0]!.dataSync();
      const want = trainer.encodeMeans(trainer.data.heldOut, 0, 2);
      const diff = Math.max(...Array.from(want.dataSync(), (v, i) => Math.abs(v - got[i]!)));
      assert.ok(diff < 1e-5, `exported encoder differs by ${diff}`);
      tf.dispose([x, want, ...outputs]);
    } else {
      assert.deepEqual(plain.outputs[0]!.shape, [null, 16, 12, 3]);
      const z = tf.tensor2d([0.3, -0.2, 1, 0], [1, 4]);
      const got = plain.predict(z) as tf.Tensor;
      const want = trainer.decodeMeans(z);
      const diff = Math.max(...Array.from(want.dataSync(), (v, i) => Math.abs(v - got.dataSync()[i]!)));
      assert.ok(diff < 1e-5, `exported decoder differs by ${diff}`);
      tf.dispose([z, got, want]);
    }
    plain.dispose();
  }
  const described = manifestModels(CFG, { encoder: 'encoder/model.json', decoder: 'decoder/model.json' });
  assert.match(described.encoder.input, /^images \[N,16,12,3\], pixels 0\.\.1 \(RGB/);
  assert.match(described.decoder.output, /^pixel means \[N,16,12,3\]/);

  const shape = { height: 16, width: 12, channels: 3 as const };
  assert.equal(imageShapeProblem(CFG, shape, files.encoder), null);
  assert.equal(imageShapeProblem(CFG, null, files.encoder), null, 'an export from before the field: the config decides');
  const grayConfig: ExperimentConfig = { ...CFG, data: { ...CFG.data, channels: 1 } };
  const stated = imageShapeProblem(grayConfig, shape, files.encoder);
  assert.equal(stated?.file, 'manifest');
  assert.match(stated!.message, /image says the models take \[N,16,12,3\] images, but its config .* builds \[N,16,12,1\]/);
  const declared = imageShapeProblem(grayConfig, null, files.encoder);
  assert.equal(declared?.file, 'encoder');
  assert.match(declared!.message, /the encoder takes images \[N,16,12,3\], but the manifest's config describes \[N,16,12,1\]/);
});
