// The ELBO against a plain-JavaScript computation of the same formulas, on fixed tensors, for every
// sigma parametrisation and likelihood.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { elbo } from '../src/main/engine/loss.ts';
import type { LikelihoodKind, SigmaKind } from '../src/shared/config.ts';

const B = 2,
  L = 3,
  K = 2,
  P = 4;
const x = [0, 0.25, 1, 0.5, 0.75, 0.1, 0, 1];
const mean = [0.3, -0.2, 0.5, -1.1, 0.4, 0.05];
const head = [0.7, -0.4, 1.3, 0.2, -0.9, 0.6];
const eps = [0.1, -1.2, 0.8, 0.5, 0.3, -0.7, -0.4, 1.5, 0.2, -0.3, 0.9, 0.6];
const W = [0.5, -0.3, 0.8, 0.1, -0.6, 0.2, 0.4, -0.9, 0.3, 0.7, -0.2, 0.5];

const softplus = (v: number) => Math.log1p(Math.exp(v));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

function byHand(sigmaKind: SigmaKind, likelihood: LikelihoodKind, beta: number) {
  const sigma = head.map((h) => (sigmaKind === 'abs' ? Math.abs(h) : sigmaKind === 'softplus' ? softplus(h) : Math.exp(h / 2)));
  let recon = 0;
  let kl = 0;
  for (let b = 0; b < B; b++) {
    let r = 0;
    for (let k = 0; k < K; k++) {
      const z = [0, 1, 2].map((l) => mean[b * L + l]! + sigma[b * L + l]! * eps[(k * B + b) * L + l]!);
      for (let p = 0; p < P; p++) {
        const logit = z.reduce((s, zl, l) => s + zl * W[l * P + p]!, 0);
        const xv = x[b * P + p]!;
        if (likelihood === 'gaussian') r += 0.5 * (xv - sigmoid(logit)) ** 2;
        else r += -(xv * Math.log(sigmoid(logit)) + (1 - xv) * Math.log(1 - sigmoid(logit)));
      }
    }
    recon += r / K;
    for (let l = 0; l < L; l++) {
      const s2 = sigma[b * L + l]! ** 2;
      kl += 0.5 * (s2 + mean[b * L + l]! ** 2 - 1 - Math.log(s2));
    }
  }
  recon /= B;
  kl /= B;
  return { recon, kl, objective: recon + beta * kl };
}

for (const sigma of ['abs', 'softplus', 'logvar'] as const) {
  for (const likelihood of ['gaussian', 'bernoulli'] as const) {
    test(`ELBO equals the hand computation: sigma ${sigma}, ${likelihood}`, async () => {
      await tf.setBackend('cpu');
      const beta = 0.5;
      const w = tf.tensor2d(W, [L, P]);
      const out = tf.tidy(() => {
        const parts = elbo({
          x: tf.tensor2d(x, [B, P]),
          mean: tf.tensor2d(mean, [B, L]),
          head: tf.tensor2d(head, [B, L]),
          eps: tf.tensor3d(eps, [K, B, L]),
          decode: (z) => tf.matMul(z, w),
          sigma,
          likelihood,
          beta,
        });
        return [parts.recon.dataSync()[0], parts.kl.dataSync()[0], parts.objective.dataSync()[0]];
      });
      w.dispose();
      const expected = byHand(sigma, likelihood, beta);
      assert.ok(Math.abs(out[0]! - expected.recon) < 1e-4, `recon ${out[0]} vs ${expected.recon}`);
      assert.ok(Math.abs(out[1]! - expected.kl) < 1e-4, `kl ${out[1]} vs ${expected.kl}`);
      assert.ok(Math.abs(out[2]! - expected.objective) < 1e-4, `objective ${out[2]} vs ${expected.objective}`);
    });
  }
}

test('the abs parametrisation gives an infinite KL when sigma reaches 0', async () => {
  await tf.setBackend('cpu');
  const kl = tf.tidy(
    () =>
      elbo({
        x: tf.zeros([1, 2]),
        mean: tf.zeros([1, 1]),
        head: tf.zeros([1, 1]),
        eps: tf.zeros([1, 1, 1]),
        decode: (z) => tf.tile(z, [1, 2]),
        sigma: 'abs',
        likelihood: 'gaussian',
        beta: 1,
      }).kl.dataSync()[0],
  );
  assert.equal(kl, Infinity);
});
