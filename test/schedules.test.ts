// Every schedule against a table computed by hand (the comments show the arithmetic), and the
// epoch-end controls (reduce-on-plateau, early stopping, the best epoch) on a fixed score sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { betaAt, endEpoch, initialControlState, learningRateAt, type ControlState } from '../src/shared/schedules.ts';
import { validateConfig } from '../src/shared/validate.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { presetConfig } from './helpers.ts';

const close = (actual: number[], expected: number[], what: string) => {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((a, i) =>
    assert.ok(Math.abs(a - expected[i]!) < 1e-12, `${what}: step ${i} gave ${a}, expected ${expected[i]}`),
  );
};

const steps = (n: number) => Array.from({ length: n }, (_, i) => i);

test('β: constant, linear warm-up and cyclical annealing match the hand-computed tables', () => {
  const cfg = (o: Record<string, unknown>) => presetConfig('quick', o).loss;
  const clock = (step: number, stepsPerEpoch: number, totalSteps: number) => ({ step, stepsPerEpoch, totalSteps });
  close(
    steps(6).map((s) => betaAt(cfg({ 'loss.beta': 0.7 }), clock(s, 4, 16))),
    [0.7, 0.7, 0.7, 0.7, 0.7, 0.7],
    'constant',
  );
  // β = 2 * min(1, (step / 4 steps per epoch) / 2 epochs) = step / 4, capped at 2.
  close(
    steps(10).map((s) => betaAt(cfg({ 'loss.beta': 2, 'loss.klSchedule': 'linear', 'loss.klWarmupEpochs': 2 }), clock(s, 4, 16))),
    [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2],
    'linear',
  );
  // 8 steps in 2 cycles of 4: τ = 0, 1/4, 1/2, 3/4; rising over R = 1/2: τ/R = 0, 1/2, then 1.
  const cyc = cfg({ 'loss.beta': 1, 'loss.klSchedule': 'cyclical', 'loss.klCycles': 2, 'loss.klCycleRise': 0.5 });
  close(
    steps(8).map((s) => betaAt(cyc, clock(s, 4, 8))),
    [0, 0.5, 1, 1, 0, 0.5, 1, 1],
    'cyclical',
  );
  // 9 steps in 2 cycles of 4.5: τ = s/4.5 mod 1; rising over R = 0.8, β = 4 τ / 0.8 = 5 τ.
  const cyc2 = cfg({ 'loss.beta': 4, 'loss.klSchedule': 'cyclical', 'loss.klCycles': 2, 'loss.klCycleRise': 0.8 });
  close(
    steps(9).map((s) => betaAt(cyc2, clock(s, 3, 9))),
    [0, 5 / 4.5, 10 / 4.5, 15 / 4.5, 4, 5 * (0.5 / 4.5), 5 * (1.5 / 4.5), 5 * (2.5 / 4.5), 5 * (3.5 / 4.5)],
    'cyclical, cycles not whole steps',
  );
});

test('learning rate: constant, step, exponential and cosine match the hand-computed tables', () => {
  // 5 epochs of 2 steps; lr0 = 0.1.
  const at = (o: Record<string, unknown>) => {
    const c = presetConfig('quick', { 'optim.learningRate': 0.1, ...o });
    const state = initialControlState(c.optim);
    return steps(10).map((s) => learningRateAt(c.optim, { step: s, stepsPerEpoch: 2, totalSteps: 10 }, state));
  };
  close(at({}), Array<number>(10).fill(0.1), 'constant');
  // Epoch e = floor(step / 2); × 0.5 every 2 epochs.
  close(
    at({ 'optim.lrSchedule': 'step', 'optim.lrStepEpochs': 2, 'optim.lrFactor': 0.5 }),
    [0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025],
    'step',
  );
  close(
    at({ 'optim.lrSchedule': 'exponential', 'optim.lrFactor': 0.5 }),
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625, 0.00625],
    'exponential',
  );
  // 0.01 + 0.09 (1 + cos(π s / 9)) / 2: s = 3 gives cos(π/3) = 1/2, s = 6 cos(2π/3) = -1/2.
  const cosine = at({ 'optim.lrSchedule': 'cosine', 'optim.lrMin': 0.01 });
  close([cosine[0]!, cosine[3]!, cosine[6]!, cosine[9]!], [0.1, 0.01 + 0.09 * 0.75, 0.01 + 0.09 * 0.25, 0.01], 'cosine');
  assert.ok(
    cosine.every((v, i) => i === 0 || v < cosine[i - 1]!),
    'cosine falls at every step',
  );
});

const SCORES = [10, 9, 9.5, 9.2, 9.1, 8, 8.5, 8.6, 8.7, 8.8];

function replay(config: ExperimentConfig, scores: number[]) {
  let state: ControlState = initialControlState(config.optim);
  const rates: number[] = [];
  const verdicts: { improved: boolean; stop: boolean }[] = [];
  scores.forEach((score, i) => {
    const v = endEpoch(config, state, i + 1, score);
    state = v.state;
    verdicts.push({ improved: v.improved, stop: v.stop });
    rates.push(learningRateAt(config.optim, { step: (i + 1) * 2, stepsPerEpoch: 2, totalSteps: 40 }, state));
  });
  return { state, rates, verdicts };
}

test('reduce-on-plateau: the rate halves after more than `patience` epochs without improvement, down to the minimum', () => {
  const c = presetConfig('quick', {
    'optim.learningRate': 0.1,
    'optim.lrSchedule': 'plateau',
    'optim.lrPatience': 1,
    'optim.lrFactor': 0.5,
    'optim.lrMin': 0.02,
  });
  // Epochs 3-4 fail to beat 9 (wait 1, 2 > 1: halve at 4); 5 fails (wait 1); 6 improves; 7-8 fail
  // (halve at 8); 9-10 fail (halve at 10, floored at 0.02).
  const { rates, state } = replay(c, SCORES);
  close(rates, [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.02], 'plateau');
  assert.deepEqual({ best: state.plateauBest, wait: state.plateauWait }, { best: 8, wait: 0 });
});

test('early stopping stops `patience` epochs after the best one, which it marks', () => {
  const c = presetConfig('quick', { 'optim.earlyStopPatience': 3 });
  const { verdicts, state } = replay(c, SCORES.slice(0, 5));
  // Best at epoch 2 (9); epochs 3, 4, 5 do not beat it: stop after epoch 5.
  assert.deepEqual(
    verdicts.map((v) => v.stop),
    [false, false, false, false, true],
  );
  assert.deepEqual(
    verdicts.map((v) => v.improved),
    [true, true, false, false, false],
  );
  assert.deepEqual({ best: state.best, bestEpoch: state.bestEpoch }, { best: 9, bestEpoch: 2 });
  // Off by default: it never stops, and the best epoch is still tracked.
  const off = replay(presetConfig('quick'), SCORES);
  assert.ok(off.verdicts.every((v) => !v.stop));
  assert.equal(off.state.bestEpoch, 6);
});

test('the controls are validated with errors naming the field, and every preset keeps them off', () => {
  const bad = (input: object, field: string, message: RegExp) => {
    const r = validateConfig(input);
    assert.equal(r.ok, false, JSON.stringify(input));
    if (!r.ok) {
      assert.ok(
        r.error.fields?.some((f) => f.field === field && message.test(f.message)),
        r.error.message,
      );
    }
  };
  bad({ loss: { klSchedule: 'sigmoid' } }, 'loss.klSchedule', /one of constant, linear, cyclical/);
  bad({ loss: { klCycleRise: 0 } }, 'loss.klCycleRise', /greater than 0/);
  bad({ loss: { klCycleRise: 1.5 } }, 'loss.klCycleRise', /at most 1/);
  bad({ loss: { freeBits: -1 } }, 'loss.freeBits', /at least 0/);
  bad({ loss: { freeBits: 0.5, objective: 'iwae' } }, 'loss.freeBits', /elbo objective only/);
  bad({ optim: { lrFactor: 0 } }, 'optim.lrFactor', /greater than 0/);
  bad({ optim: { lrSchedule: 'cosine', lrMin: 0.01, learningRate: 0.001 } }, 'optim.lrMin', /below the learning rate/);
  bad({ optim: { earlyStopPatience: 1.5 } }, 'optim.earlyStopPatience', /whole number/);
  bad({ optim: { clipNorm: -2 } }, 'optim.clipNorm', /at least 0/);
  for (const id of ['quick', 'seed-notebook', 'mlp-bernoulli']) {
    const c = presetConfig(id);
    assert.deepEqual(
      [c.loss.klSchedule, c.loss.freeBits, c.loss.objective, c.optim.lrSchedule, c.optim.earlyStopPatience, c.optim.clipNorm],
      ['constant', 0, 'elbo', 'constant', 0, 0],
      id,
    );
  }
});
