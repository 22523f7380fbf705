// The objectives beside the K-sample ELBO, on fixed tensors against float64 loops: free bits' floor
// on each dimension's KL, the IWAE bound (K samples inside the log), and gradient-norm clipping.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { elbo, freeBitsKl, klPerDimension } from '../src/main/engine/loss.ts';
import { clipByGlobalNorm } from '../src/main/engine/controls.ts';
import type { LikelihoodKind } from '../src/shared/config.ts';

const B = 2,
  L = 3,
  K = 3,
  P = 4;
const x = [0, 0.25, 1, 0.5, 0.75, 0.1, 0, 1];
const mean = [0.3, -0.2, 1.5, -1.1, 0.04, 0.05];
// Log-variances: dimension 1 is near the prior, so its KL falls under a floor of 0.1 nats.
const head = [0.7, -0.04, 1.3, 0.2, 0.02, 0.6];
const eps = [0.1, -1.2, 0.8, 0.5, 0.3, -0.7, -0.4, 1.5, 0.2, -0.3, 0.9, 0.6, 1.1, -0.5, 0.05, -0.8, 0.4, 0.25];
const W = [0.5, -0.3, 0.8, 0.1, -0.6, 0.2, 0.4, -0.9, 0.3, 0.7, -0.2, 0.5];

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

before(async () => {
  await tf.setBackend('cpu');
});

/** Per image and sample, in float64: -log p(x|z), and log p(z) - log q(z|x) (2π terms cancel). */
function samplesByHand(likelihood: LikelihoodKind) {
  const out: { recon: number; logPrior: number }[][] = [];
  for (let b = 0; b < B; b++) {
    const row: { recon: number; logPrior: number }[] = [];
    for (let k = 0; k < K; k++) {
      let logPz = 0;
      let logQz = 0;
      const z: number[] = [];
      for (let l = 0; l < L; l++) {
        const lv = head[b * L + l]!;
        const e = eps[(k * B + b) * L + l]!;
        const zl = mean[b * L + l]! + Math.exp(lv / 2) * e;
        z.push(zl);
        logPz += -0.5 * zl * zl;
        logQz += -0.5 * e * e - 0.5 * lv;
      }
      let recon = 0;
      for (let p = 0; p < P; p++) {
        const logit = z.reduce((s, zl, l) => s + zl * W[l * P + p]!, 0);
        const xv = x[b * P + p]!;
        recon +=
          likelihood === 'gaussian'
            ? 0.5 * (xv - sigmoid(logit)) ** 2
            : -(xv * Math.log(sigmoid(logit)) + (1 - xv) * Math.log(1 - sigmoid(logit)));
      }
      row.push({ recon, logPrior: logPz - logQz });
    }
    out.push(row);
  }
  return out;
}

function klDimsByHand(): number[][] {
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: L }, (_, l) => {
      const lv = head[b * L + l]!;
      return 0.5 * (Math.exp(lv) + mean[b * L + l]! ** 2 - 1 - lv);
    }),
  );
}

function run(opts: { likelihood: LikelihoodKind; beta: number; freeBits?: number; objective?: 'elbo' | 'iwae' }) {
  const w = tf.tensor2d(W, [L, P]);
  const out = tf.tidy(() => {
    const parts = elbo({
      x: tf.tensor2d(x, [B, P]),
      mean: tf.tensor2d(mean, [B, L]),
      head: tf.tensor2d(head, [B, L]),
      eps: tf.tensor3d(eps, [K, B, L]),
      decode: (z) => tf.matMul(z, w),
      sigma: 'logvar',
      ...opts,
    });
    return { recon: parts.recon.dataSync()[0]!, kl: parts.kl.dataSync()[0]!, objective: parts.objective.dataSync()[0]! };
  });
  w.dispose();
  return out;
}

test('free bits: the objective floors each dimension’s batch-mean KL at λ, and the logged KL stays the true one', () => {
  const dims = klDimsByHand();
  const perDim = [0, 1, 2].map((l) => (dims[0]![l]! + dims[1]![l]!) / 2);
  const lambda = 0.1;
  assert.ok(perDim.filter((v) => v < lambda).length === 1, `one dimension under the floor: ${perDim.join(', ')}`);
  const trueKl = perDim.reduce((a, b) => a + b, 0);
  const floored = perDim.reduce((a, v) => a + Math.max(lambda, v), 0);
  const samples = samplesByHand('bernoulli');
  const recon = samples.flat().reduce((a, s) => a + s.recon, 0) / (K * B);
  const beta = 0.5;
  const got = run({ likelihood: 'bernoulli', beta, freeBits: lambda });
  assert.ok(Math.abs(got.kl - trueKl) < 1e-5, `kl ${got.kl} vs ${trueKl}`);
  assert.ok(Math.abs(got.recon - recon) < 1e-4, `recon ${got.recon} vs ${recon}`);
  assert.ok(Math.abs(got.objective - (recon + beta * floored)) < 1e-4, `objective ${got.objective} vs ${recon + beta * floored}`);
  assert.ok(floored > trueKl + 0.01, 'the floor changed the objective');
  // With λ = 0 the objective is the β-weighted ELBO.
  const off = run({ likelihood: 'bernoulli', beta, freeBits: 0 });
  assert.ok(Math.abs(off.objective - (recon + beta * trueKl)) < 1e-4);

  // Under the floor a dimension's KL gives the optimizer no gradient; above it, the usual one.
  const grad = tf.tidy(() => {
    const g = tf.grad((m: tf.Tensor) =>
      freeBitsKl(klPerDimension(m as tf.Tensor2D, tf.tensor2d(head, [B, L]), 'logvar'), lambda),
    );
    return Array.from(g(tf.tensor2d(mean, [B, L])).dataSync());
  });
  const under = perDim.findIndex((v) => v < lambda);
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const expected = l === under ? 0 : mean[b * L + l]! / B;
      assert.ok(Math.abs(grad[b * L + l]! - expected) < 1e-6, `d/dmean[${b},${l}] = ${grad[b * L + l]}, expected ${expected}`);
    }
  }
});

for (const likelihood of ['bernoulli', 'gaussian'] as const) {
  for (const beta of [1, 0.5]) {
    test(`IWAE objective equals a float64 log-sum-exp over the K samples: ${likelihood}, β ${beta}`, () => {
      const samples = samplesByHand(likelihood);
      let bound = 0;
      let mcElbo = 0;
      for (const row of samples) {
        const logW = row.map((s) => -s.recon + beta * s.logPrior);
        const max = Math.max(...logW);
        bound += max + Math.log(logW.reduce((a, v) => a + Math.exp(v - max), 0) / K);
        mcElbo += logW.reduce((a, v) => a + v, 0) / K;
      }
      const expected = -bound / B;
      const got = run({ likelihood, beta, objective: 'iwae' });
      assert.ok(Math.abs(got.objective - expected) < 1e-4, `objective ${got.objective} vs ${expected}`);
      // Jensen: the importance-weighted bound is tighter than the same samples' ELBO.
      assert.ok(got.objective < -mcElbo / B, 'tighter than the Monte Carlo ELBO of the same samples');
      // The logged parts stay the ELBO's: the sample-averaged reconstruction and the analytic KL.
      const elboParts = run({ likelihood, beta });
      assert.ok(Math.abs(got.recon - elboParts.recon) < 1e-4 && Math.abs(got.kl - elboParts.kl) < 1e-6);
    });
  }
}

test('clipping scales every gradient by maxNorm / global norm when above it, and leaves it alone below', () => {
  const [clipped, norm, untouched] = tf.tidy(() => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor2d([[0, 4]]) };
    const c = clipByGlobalNorm(grads, 1);
    const u = clipByGlobalNorm(grads, 10);
    return [
      [...c.grads.a!.dataSync(), ...c.grads.b!.dataSync()],
      c.norm.dataSync()[0]!,
      [...u.grads.a!.dataSync(), ...u.grads.b!.dataSync()],
    ];
  }) as unknown as [number[], number, number[]];
  assert.ok(Math.abs(norm - 5) < 1e-6);
  [0.6, 0, 0, 0.8].forEach((v, i) => assert.ok(Math.abs(clipped[i]! - v) < 1e-6, `clipped ${clipped.join(', ')}`));
  assert.deepEqual(untouched, [3, 0, 0, 4]);
});
