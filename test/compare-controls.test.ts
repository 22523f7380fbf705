// Compare's training-controls curves from logged steps: β and the rate as logged, the objective
// smoothed beside its raw points, a fractional-epoch axis, and steps logged before the controls
// existed (no `controls`) left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlCurve } from '../src/renderer/src/lib/compare/controls-series.ts';
import type { StepMetric } from '../src/shared/training.ts';

const step = (n: number, controls?: StepMetric['controls']): StepMetric => ({
  step: n,
  epoch: Math.ceil(n / 4),
  loss: { recon: 1, kl: 1, total: 2 },
  imagesPerSec: 1,
  wallMs: n,
  ...(controls ? { controls } : {}),
});
const steps = [
  step(1),
  step(2, { objective: 10, beta: 0, learningRate: 1e-3 }),
  step(4, { objective: 20, beta: 0.5, learningRate: 5e-4 }),
  step(6, { objective: NaN, beta: 1, learningRate: 2.5e-4 }),
];

test('β and the learning rate are drawn as logged, by step or by epoch; steps without controls are skipped', () => {
  assert.deepEqual(controlCurve(steps, 'beta', 4, 'step', 0.8), {
    raw: [
      { x: 2, y: 0 },
      { x: 4, y: 0.5 },
      { x: 6, y: 1 },
    ],
    smoothed: [],
  });
  assert.deepEqual(controlCurve(steps, 'learningRate', 4, 'epoch', 0.8).raw, [
    { x: 0.5, y: 1e-3 },
    { x: 1, y: 5e-4 },
    { x: 1.5, y: 2.5e-4 },
  ]);
});

test('the objective is smoothed (debiased EMA) beside its raw points; a NaN objective is left out of both', () => {
  const { raw, smoothed } = controlCurve(steps, 'objective', 4, 'step', 0.5);
  assert.deepEqual(raw, [
    { x: 2, y: 10 },
    { x: 4, y: 20 },
  ]);
  // Debiased EMA with weight 0.5: 10, then (0.5·10·0.5 + 0.5·20) / (1 − 0.25) = 16.67.
  assert.equal(smoothed.length, 2);
  assert.equal(smoothed[0]!.y, 10);
  assert.ok(Math.abs(smoothed[1]!.y - 50 / 3) < 1e-9, String(smoothed[1]!.y));
});
