// Sweep expansion (src/shared/sweep.ts): grid count and order, reproducible random draws, ranges,
// and errors that name the axis and the value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  axisValues,
  countSweepRuns,
  defaultParallel,
  expandSweep,
  MAX_SWEEP_RUNS,
  type SweepPoint,
} from '../src/shared/sweep.ts';

function points(input: Record<string, unknown>): SweepPoint[] {
  const r = expandSweep({ preset: 'quick', ...input });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.points;
}

function error(input: Record<string, unknown>): { message: string; field?: string } {
  const r = expandSweep({ preset: 'quick', ...input });
  assert.ok(!r.ok, 'expected the sweep to be refused');
  return r.error;
}

test('a grid is every combination, the first axis slowest, seeds innermost', () => {
  const def = {
    axes: [
      { path: 'model.latentDim', values: [2, 8, 16] },
      { path: 'loss.beta', values: [0.5, 1, 4] },
    ],
    seeds: 3,
  };
  const got = points(def);
  assert.equal(got.length, 27);
  assert.equal(countSweepRuns({ ...def, method: 'grid', draws: 10 }), 27);
  assert.deepEqual(
    got.slice(0, 4).map((p) => p.name),
    ['z2 β0.5 seed1', 'z2 β0.5 seed2', 'z2 β0.5 seed3', 'z2 β1 seed1'],
  );
  assert.equal(got[26]!.name, 'z16 β4 seed3');
  assert.deepEqual(
    got.map((p) => p.index),
    Array.from({ length: 27 }, (_, i) => i),
  );
  const last = got[26]!.config;
  assert.deepEqual([last.model.latentDim, last.loss.beta, last.run.seed, last.run.name], [16, 4, 3, 'z16 β4 seed3']);
  assert.equal(last.preset, 'quick');
});

test('random draws are reproducible from drawSeed and differ for another seed', () => {
  const def = (drawSeed: number) => ({
    method: 'random',
    draws: 8,
    drawSeed,
    seeds: 0,
    axes: [
      { path: 'optim.learningRate', range: { from: 1e-4, to: 1e-2, count: 1, scale: 'log' } },
      { path: 'model.latentDim', values: [2, 4, 8, 16] },
    ],
  });
  const values = (seed: number) => points(def(seed)).map((p) => p.values);
  assert.deepEqual(values(7), values(7));
  assert.notDeepEqual(values(7), values(8));
  for (const v of values(7)) {
    const lr = v['optim.learningRate'] as number;
    assert.ok(lr >= 1e-4 && lr <= 1e-2, `${lr} within the range`);
    assert.ok([2, 4, 8, 16].includes(v['model.latentDim'] as number));
  }
  assert.equal(points({ ...def(7), seeds: 2 }).length, 16, 'each draw trained with every seed');
});

test('ranges: linear and log spacing, integers rounded and repeats dropped', () => {
  assert.deepEqual(axisValues({ path: 'loss.beta', range: { from: 0.1, to: 1, count: 3, scale: 'linear' } }), [0.1, 0.55, 1]);
  assert.deepEqual(
    axisValues({ path: 'loss.beta', range: { from: 0.01, to: 100, count: 5, scale: 'log' } }),
    [0.01, 0.1, 1, 10, 100],
  );
  assert.deepEqual(axisValues({ path: 'model.latentDim', range: { from: 2, to: 16, count: 4, scale: 'log' } }), [2, 4, 8, 16]);
  assert.deepEqual(axisValues({ path: 'model.latentDim', range: { from: 1, to: 3, count: 5, scale: 'linear' } }), [1, 2, 3]);
  assert.equal(
    points({ axes: [{ path: 'model.latentDim', range: { from: 1, to: 3, count: 5, scale: 'linear' } }], seeds: 0 }).length,
    3,
  );
});

test('bad axes are refused naming the axis and the value', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ axes: [{ path: 'model.nope', values: [1] }] }, 'axes[0]', /model\.nope: is not a setting/],
    [
      {
        axes: [
          { path: 'loss.beta', values: [1] },
          { path: 'loss.beta', values: [-1, 2] },
        ],
      },
      'axes[1]',
      /loss\.beta: -1 must be at least 0/,
    ],
    [{ axes: [{ path: 'loss.beta', range: { from: -2, to: 1, count: 3, scale: 'linear' } }] }, 'axes[0]', /loss\.beta: -2 /],
    [{ axes: [{ path: 'run.name', values: ['a'] }] }, 'axes[0]', /run\.name: is text and cannot be swept/],
    [
      {
        axes: [
          { path: 'loss.beta', values: [1] },
          { path: 'loss.beta', values: [2] },
        ],
      },
      'axes[1]',
      /loss\.beta: appears twice/,
    ],
    [{ axes: [{ path: 'run.seed', values: [1, 2] }], seeds: 2 }, 'axes[0]', /run\.seed: is already swept by the seeds setting/],
    [
      { axes: [{ path: 'loss.beta', range: { from: 0, to: 1, count: 3, scale: 'log' } }] },
      'axes[0]',
      /log range needs from and to above 0/,
    ],
  ];
  for (const [input, field, pattern] of cases) {
    const e = error(input);
    assert.equal(e.field, field, e.message);
    assert.match(e.message, pattern);
  }
});

test('too many runs, an unknown sweep setting and a bad base are refused before anything is built', () => {
  const big = error({
    axes: [
      { path: 'loss.beta', range: { from: 0.1, to: 10, count: 100, scale: 'log' } },
      { path: 'model.latentDim', values: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
    ],
  });
  assert.match(big.message, new RegExp(`makes 1100 runs; a sweep has at most ${MAX_SWEEP_RUNS}`));
  assert.match(error({ axes: [], paralel: 2 }).message, /paralel is not a sweep setting/);
  assert.match(
    error({ axes: [{ path: 'loss.beta', values: [1] }], base: { optim: { batchSize: 0 } } }).message,
    /base\.optim\.batchSize/,
  );
  assert.match(error({ axes: [], seeds: 1 }).message, /at least one axis, or more than one seed/);
  assert.match(error({ axes: [{ path: 'loss.beta', values: [1] }], parallel: 0 }).message, /parallel must be a whole number/);
});

test('the default parallelism is every core but one, at least one', () => {
  assert.equal(defaultParallel(8), 7);
  assert.equal(defaultParallel(2), 1);
  assert.equal(defaultParallel(1), 1);
});
