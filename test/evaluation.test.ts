// NLL_k (src/main/eval/iwae.ts) against a float64 hand computation with the same draws; NLL_1 against
// the trainer's negative ELBO in expectation; NLL_k falling with k; the collapse diagnostics on
// encodings whose answer is known.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { makeRng } from '../src/shared/random.ts';
import type { Dataset } from '../src/main/data/index.ts';
import { buildDecoder, buildEncoder } from '../src/main/engine/model.ts';
import { elbo } from '../src/main/engine/loss.ts';
import { importanceWeightedNll, EvaluationCancelled, type EvalModel } from '../src/main/eval/iwae.ts';
import { activeUnits, mutualInformation } from '../src/main/eval/diagnostics.ts';

before(async () => {
  await tf.setBackend('cpu');
});

const SIDE = 4;
const P = SIDE * SIDE;
const L = 2;

function tinyModel(seed = 3, outBias = 0): EvalModel {
  const config: ExperimentConfig = {
    ...DEFAULT_CONFIG,
    data: { ...DEFAULT_CONFIG.data, imageHeight: SIDE, imageWidth: SIDE },
    model: { ...DEFAULT_CONFIG.model, latentDim: L, encoderHidden: [6], decoderHidden: [5], sigma: 'logvar' },
    run: { ...DEFAULT_CONFIG.run, seed },
  };
  const image = { height: SIDE, width: SIDE };
  const encoder = buildEncoder(config.model, image, seed);
  const decoder = buildDecoder(config.model, image, seed);
  if (outBias !== 0) {
    const out = decoder.getLayer('out');
    const [kernel, bias] = out.getWeights();
    out.setWeights([kernel!, tf.fill(bias!.shape, outBias)]);
  }
  return { config, encoder, decoder };
}

function binaryImages(count: number, seed: number): Dataset {
  const rng = makeRng(seed);
  const images = Float32Array.from({ length: count * P }, () => (rng() < 0.4 ? 1 : 0));
  return { name: 'synthetic', fingerprint: '', count, height: SIDE, width: SIDE, images, labels: null };
}

/** Dense layer weights as float64 matrices. */
function dense(model: tf.LayersModel, name: string): { w: Float64Array; b: Float64Array; out: number } {
  const [kernel, bias] = model.getLayer(name).getWeights();
  return { w: Float64Array.from(kernel!.dataSync()), b: Float64Array.from(bias!.dataSync()), out: bias!.shape[0]! };
}

function apply(layer: { w: Float64Array; b: Float64Array; out: number }, x: number[], relu: boolean): number[] {
  const y: number[] = [];
  for (let j = 0; j < layer.out; j++) {
    let s = layer.b[j]!;
    for (let i = 0; i < x.length; i++) s += x[i]! * layer.w[i * layer.out + j]!;
    y.push(relu ? Math.max(0, s) : s);
  }
  return y;
}

/** Noise drawn in JS and remembered, so the hand computation can use the very same draws. */
function recordingNoise() {
  const rng = makeRng(99);
  const drawn = new Map<string, Float64Array>();
  const noise = (shape: [number, number, number], key: string) => {
    const values = new Float64Array(shape[0] * shape[1] * shape[2]);
    for (let i = 0; i < values.length; i++) values[i] = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    drawn.set(key, values);
    return tf.tensor3d(Float32Array.from(values), shape);
  };
  return { noise, drawn };
}

/** -log (1/k) Σ_i p(x, z_i)/q(z_i|x) for image n, in float64, from the noise the product drew. */
function naiveNll(model: EvalModel, x: Float32Array, eps: (i: number) => number[], k: number): number {
  const fc1 = dense(model.encoder, 'fc1');
  const meanL = dense(model.encoder, 'mean');
  const headL = dense(model.encoder, 'sigma_head');
  const dfc1 = dense(model.decoder, 'fc1');
  const out = dense(model.decoder, 'out');
  const h = apply(fc1, Array.from(x), true);
  const mu = apply(meanL, h, false);
  const logVar = apply(headL, h, false);
  const logW: number[] = [];
  for (let i = 0; i < k; i++) {
    const e = eps(i);
    const z = mu.map((m, d) => m + Math.exp(0.5 * logVar[d]!) * e[d]!);
    const logits = apply(out, apply(dfc1, z, true), false);
    let logPx = 0;
    for (let p = 0; p < P; p++) {
      const l = logits[p]!;
      logPx += x[p]! * l - Math.log1p(Math.exp(l)); // log sigmoid(l)^x (1 - sigmoid(l))^(1-x)
    }
    let logPz = 0;
    let logQz = 0;
    for (let d = 0; d < L; d++) {
      logPz += -0.5 * Math.log(2 * Math.PI) - 0.5 * z[d]! ** 2;
      logQz += -0.5 * Math.log(2 * Math.PI) - 0.5 * logVar[d]! - (0.5 * (z[d]! - mu[d]!) ** 2) / Math.exp(logVar[d]!);
    }
    logW.push(logPx + logPz - logQz);
  }
  const max = Math.max(...logW);
  return -(max + Math.log(logW.reduce((s, v) => s + Math.exp(v - max), 0) / k));
}

test('NLL_k matches a float64 loop over the same draws, chunked or not, at any scale of log w', async () => {
  for (const { outBias, k, points } of [
    { outBias: 0, k: 7, points: 2048 },
    // Chunked: 3 images per call and several sample chunks per image.
    { outBias: 0, k: 7, points: 5 },
    // log w near -1,000 nats: exp() of it underflows unless the log-sum-exp is done stably.
    { outBias: -200, k: 300, points: 64 },
  ]) {
    const model = tinyModel(3, outBias);
    const data = binaryImages(5, 11);
    const { noise, drawn } = recordingNoise();
    const est = await importanceWeightedNll(model, data, { k, count: 5, seed: 1, noise, pointsPerCall: points });
    // Reassemble each image's draws from the chunks (keyed `${imageStart}/${sampleStart}`).
    const keys = [...drawn.keys()].map((key) => key.split('/').map(Number) as [number, number]);
    for (let n = 0; n < 5; n++) {
      const eps = (i: number): number[] => {
        const [imageStart, sampleStart] = keys.find(
          ([s, s0]) => s <= n && n < s + imagesIn(s) && s0 <= i && i < s0 + samplesIn(s, s0),
        )!;
        const b = imagesIn(imageStart);
        const values = drawn.get(`${imageStart}/${sampleStart}`)!;
        const off = ((i - sampleStart) * b + (n - imageStart)) * L;
        return [values[off]!, values[off + 1]!];
      };
      function imagesIn(start: number): number {
        return drawn.get(`${start}/0`)!.length / L / Math.min(k, samplesIn(start, 0));
      }
      function samplesIn(start: number, s0: number): number {
        const next = keys.filter(([s, x]) => s === start && x > s0).map(([, x]) => x);
        return (next.length ? Math.min(...next) : k) - s0;
      }
      const expected = naiveNll(model, data.images.subarray(n * P, (n + 1) * P), eps, k);
      assert.ok(Number.isFinite(est.perImage[n]!), `image ${n} finite`);
      assert.ok(
        Math.abs(est.perImage[n]! - expected) < 1e-4 * Math.max(1, Math.abs(expected)),
        `outBias ${outBias} k ${k} image ${n}: ${est.perImage[n]} vs ${expected}`,
      );
    }
    if (outBias === -60) assert.ok(est.nll > 500, `log w is large and negative (${est.nll})`);
    model.encoder.dispose();
    model.decoder.dispose();
  }
});

test('NLL_1 equals the negative ELBO in expectation, and NLL_k falls with k', async () => {
  const model = tinyModel(5);
  const data = binaryImages(40, 12);
  // The trainer's estimate: analytic KL plus reconstruction averaged over many draws.
  const x = tf.tensor2d(data.images, [40, P]);
  const [mean, head] = model.encoder.apply(x.reshape([40, SIDE, SIDE, 1])) as tf.Tensor2D[];
  const eps = tf.randomNormal([400, 40, L], 0, 1, 'float32', 7) as tf.Tensor3D;
  const decode = (z: tf.Tensor2D) => (model.decoder.apply(z) as tf.Tensor).reshape([z.shape[0], P]) as tf.Tensor2D;
  const parts = elbo({ x, mean: mean!, head: head!, eps, decode, sigma: 'logvar', likelihood: 'bernoulli', beta: 1 });
  const negElbo = parts.recon.dataSync()[0]! + parts.kl.dataSync()[0]!;
  tf.dispose([x, mean!, head!, eps, parts.recon, parts.kl, parts.objective]);

  // NLL_1 over many seeds: each is an unbiased draw of the -ELBO; their mean must sit within 4
  // standard errors of the trainer's value.
  const draws: number[] = [];
  for (let seed = 1; seed <= 60; seed++) draws.push((await importanceWeightedNll(model, data, { k: 1, count: 40, seed })).nll);
  const m = draws.reduce((s, v) => s + v, 0) / draws.length;
  const se = Math.sqrt(draws.reduce((s, v) => s + (v - m) ** 2, 0) / (draws.length - 1) / draws.length);
  assert.ok(Math.abs(m - negElbo) < 4 * se + 0.05, `mean NLL_1 ${m} ± ${se} vs -ELBO ${negElbo}`);

  // With k = 1 the bound is the ELBO of the same draws.
  const one = await importanceWeightedNll(model, data, { k: 1, count: 40, seed: 3 });
  assert.ok(Math.abs(one.nll - one.negElbo) < 1e-9);

  // Paired over images (same seed): each larger k must be lower by more than its noise.
  const byK: Awaited<ReturnType<typeof importanceWeightedNll>>[] = [];
  for (const k of [1, 10, 100]) byK.push(await importanceWeightedNll(model, data, { k, count: 40, seed: 4 }));
  for (let i = 1; i < byK.length; i++) {
    const d = Array.from(byK[i - 1]!.perImage, (v, n) => v - byK[i]!.perImage[n]!);
    const md = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - md) ** 2, 0) / (d.length - 1) / d.length);
    assert.ok(md > 2 * sd && md > 0, `NLL_${byK[i - 1]!.k} - NLL_${byK[i]!.k} = ${md} ± ${sd}`);
  }
  // Never above the ELBO of the same draws.
  for (const e of byK) assert.ok(e.nll <= e.negElbo + 1e-9);
  model.encoder.dispose();
  model.decoder.dispose();
});

test('progress is reported per chunk and a cancel ends the computation', async () => {
  const model = tinyModel(2);
  const data = binaryImages(12, 13);
  const seen: number[] = [];
  await importanceWeightedNll(model, data, {
    k: 4,
    count: 12,
    seed: 1,
    pointsPerCall: 16,
    onProgress: (done) => seen.push(done),
  });
  assert.deepEqual(seen, [4, 8, 12]);
  let polls = 0;
  await assert.rejects(
    importanceWeightedNll(model, data, { k: 4, count: 12, seed: 1, pointsPerCall: 16, cancelled: () => ++polls > 2 }),
    EvaluationCancelled,
  );
  model.encoder.dispose();
  model.decoder.dispose();
});

test('active units count dimensions whose posterior mean varies; the mutual information sees it', () => {
  const n = 400;
  const rng = makeRng(5);
  // Dimension 0 carries the image (means spread with variance 1, posterior sd 0.1); dimension 1 is
  // collapsed (mean 0, variance 1 = the prior).
  const means = new Float32Array(n * 2);
  const logVars = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    means[i * 2] = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    logVars[i * 2] = Math.log(0.01);
    means[i * 2 + 1] = 0;
    logVars[i * 2 + 1] = 0;
  }
  assert.equal(activeUnits(means, n, 2), 1);
  // For the Gaussian channel z = x + 0.1 ε with x ~ N(0, 1): I = ½ log(1 + 1/0.01) ≈ 2.31 nats, less
  // the estimator's bias with 400 points; capped above by log N.
  const mi = mutualInformation(means, logVars, n, 2, 1);
  assert.ok(mi > 1.9 && mi < 2.5, `MI ${mi}`);
  const collapsed = new Float32Array(n * 2);
  const priorVars = new Float32Array(n * 2);
  assert.equal(activeUnits(collapsed, n, 2), 0);
  assert.ok(Math.abs(mutualInformation(collapsed, priorVars, n, 2, 1)) < 0.1);
});
