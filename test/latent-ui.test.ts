// The latent explorer's pure logic, without a DOM: latest-wins decode scheduling, scatter extents,
// ticks, aspect and hit testing, projections (dims, PCA with sign alignment across checkpoints),
// the per-checkpoint scatter history, following checkpoints of a live run, image cells, active
// dimensions and interpolation defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckpointSummary, LatentEncoding } from '../src/shared/contract.ts';
import { pca } from '../src/shared/latent-math.ts';
import { makeRng } from '../src/shared/random.ts';
import type { ImageGrid } from '../src/shared/training.ts';
import { mostActive, sliderOrder } from '../src/renderer/src/lib/latent/active-dims.ts';
import { checkpointLabel, followCheckpoint } from '../src/renderer/src/lib/latent/checkpoints.ts';
import { cellOf } from '../src/renderer/src/lib/latent/image-cells.ts';
import { defaultPair, interpolationPoints, meanOf } from '../src/renderer/src/lib/latent/interpolation.ts';
import { LatestWins } from '../src/renderer/src/lib/latent/latest-wins.ts';
import { labelColor, labelsPresent, LABEL_COLORS } from '../src/renderer/src/lib/latent/palette.ts';
import {
  alignSigns,
  principalAxes,
  projectOnDims,
  projectOnPca,
  projectPoint,
  totalVariance,
} from '../src/renderer/src/lib/latent/projection.ts';
import { ScatterHistory } from '../src/renderer/src/lib/latent/scatter-history.ts';
import {
  equalAspect,
  extentOf,
  formatTick,
  makeScale,
  nearestPoint,
  niceTicks,
  padExtent,
  unionExtent,
} from '../src/renderer/src/lib/latent/scatter-geometry.ts';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

/** A promise with its resolve handle, to finish jobs in the order a test chooses. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((r) => setImmediate(r));

test('latest-wins: one job in flight; inputs meanwhile collapse to the newest, never a queue', async () => {
  const started: number[] = [];
  const jobs: { resolve: (v: string) => void }[] = [];
  const shown: { out: string; input: number; at: number }[] = [];
  let clock = 0;
  const lw = new LatestWins<number, string>({
    run: (input) => {
      started.push(input);
      const d = deferred<string>();
      jobs.push(d);
      return d.promise;
    },
    done: (out, input, at) => shown.push({ out, input, at }),
    now: () => clock,
  });

  lw.request(1);
  assert.deepEqual(started, [1]);
  assert.ok(lw.busy);
  for (const v of [2, 3, 4]) {
    clock += 5;
    lw.request(v);
  }
  assert.deepEqual(started, [1], 'nothing else starts while one is in flight');
  assert.equal(lw.skipped, 2, '2 and 3 were replaced before they ran');

  jobs[0]!.resolve('one');
  await tick();
  assert.deepEqual(started, [1, 4], 'only the newest waiting input runs next');
  assert.deepEqual(shown, [{ out: 'one', input: 1, at: 0 }]);

  jobs[1]!.resolve('four');
  await tick();
  assert.deepEqual(shown[1], { out: 'four', input: 4, at: 15 }, 'the latency base is when the shown input was requested');
  assert.ok(!lw.busy);

  // Idle again: the next input starts at once.
  lw.request(5);
  assert.deepEqual(started, [1, 4, 5]);
  lw.dispose();
  jobs[2]!.resolve('five');
  await tick();
  assert.equal(shown.length, 2, 'nothing is delivered after dispose');
});

test('latest-wins: a failing job is reported and the waiting input still runs', async () => {
  const failures: unknown[] = [];
  const done: number[] = [];
  let first = true;
  const gate = deferred<void>();
  const lw = new LatestWins<number, number>({
    run: async (input) => {
      if (first) {
        first = false;
        await gate.promise;
        throw new Error('boom');
      }
      return input * 10;
    },
    done: (out) => done.push(out),
    failed: (e) => failures.push(e),
  });
  lw.request(1);
  lw.request(2);
  gate.resolve();
  await tick();
  await tick();
  assert.equal(failures.length, 1);
  assert.deepEqual(done, [20]);
});

test('scatter geometry: extents skip non-finite points, merge, pad; a flat axis still gets a scale', () => {
  assert.equal(extentOf([], 0), null);
  const e = extentOf([1, 2, -3, 5, NaN, 100, 4, -1], 4)!;
  assert.deepEqual(e, { xMin: -3, xMax: 4, yMin: -1, yMax: 5 });
  assert.deepEqual(unionExtent(e, { xMin: -5, xMax: 0, yMin: 0, yMax: 9 }), { xMin: -5, xMax: 4, yMin: -1, yMax: 9 });
  assert.equal(unionExtent(null, e), e);
  const padded = padExtent({ xMin: 0, xMax: 10, yMin: 2, yMax: 2 }, 0.1);
  assert.deepEqual(padded, { xMin: -1, xMax: 11, yMin: 1, yMax: 3 });
});

test('scatter geometry: equal aspect widens the short side around its centre', () => {
  // 4 units across and 1 up in a 400 x 200 box: 0.01 units/px across forces 2 units up.
  const e = equalAspect({ xMin: 0, xMax: 4, yMin: 0, yMax: 1 }, 400, 200);
  close(e.xMin, 0);
  close(e.xMax, 4);
  close(e.yMin, -0.5);
  close(e.yMax, 1.5);
  const s = makeScale(e, { left: 0, top: 0, width: 400, height: 200 });
  close(s.x(1) - s.x(0), -(s.y(1) - s.y(0)), 1e-9, 'one unit is as long across as up');
});

test('scatter geometry: ticks are round and inside the range; labels carry the decimals the step needs', () => {
  // The smallest round step that keeps to about `target` intervals.
  assert.deepEqual(niceTicks(-4.3, 2.6, 6), [-4, -2, 0, 2]);
  assert.deepEqual(niceTicks(-4.3, 2.6, 8), [-4, -3, -2, -1, 0, 1, 2]);
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(3, 3), []);
  const ticks = niceTicks(-0.25, 0.25, 5);
  assert.deepEqual(ticks, [-0.2, -0.1, 0, 0.1, 0.2]);
  assert.equal(formatTick(-0.2, ticks), '-0.2');
  assert.equal(formatTick(0, ticks), '0.0');
  assert.equal(formatTick(2, [0, 2, 4]), '2');
});

test('scatter geometry: y grows upwards; the nearest point within reach is found, or none', () => {
  const s = makeScale({ xMin: 0, xMax: 10, yMin: 0, yMax: 10 }, { left: 10, top: 20, width: 100, height: 100 });
  assert.equal(s.x(0), 10);
  assert.equal(s.y(0), 120, 'the minimum is at the bottom');
  assert.equal(s.y(10), 20);
  const px = [0, 0, 10, 0, 10, 10];
  assert.equal(nearestPoint(px, 3, 9, 1, 5), 1);
  assert.equal(nearestPoint(px, 3, 9, 9, 5), 2);
  assert.equal(nearestPoint(px, 3, 50, 50, 5), -1, 'nothing within 5 px');
  assert.equal(nearestPoint(px, 2, 10, 10, 1), -1, 'only the first n points count');
});

/** n points of dimension d from a seeded Gaussian with per-dimension scales. */
function cloud(n: number, scales: number[], seed = 1): Float64Array {
  const rng = makeRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const d = scales.length;
  return Float64Array.from({ length: n * d }, (_, i) => scales[i % d]! * gauss());
}

test('projection on dims: picks the two dimensions; a 1-D space gets a fixed jitter in [-1, 1]', () => {
  const means = [1, 2, 3, 4, 5, 6];
  assert.deepEqual(Array.from(projectOnDims(means, 2, 3, [2, 0])), [3, 1, 6, 4]);
  const strip = projectOnDims([0.5, -1, 2], 3, 1, [0, 0]);
  assert.deepEqual([strip[0], strip[2], strip[4]], [0.5, -1, 2]);
  for (const y of [strip[1]!, strip[3]!, strip[5]!]) assert.ok(y >= -1 && y <= 1);
  assert.deepEqual(Array.from(projectOnDims([0.5, -1, 2], 3, 1, [0, 0])), Array.from(strip), 'the same jitter every time');
});

test('PCA of a large latent space (iterative) agrees with the exact decomposition', () => {
  // 200 dimensions, two dominant directions: the iterative path must find the same axes.
  const d = 200;
  const scales = Array.from({ length: d }, (_, j) => (j === 7 ? 6 : j === 150 ? 3 : 0.3));
  const means = cloud(400, scales, 3);
  const fast = principalAxes(means, 400, d);
  const exact = pca(means, 400, d, 2, { method: 'exact' });
  for (const c of [0, 1]) {
    const dot = fast.components[c]!.reduce((s, v, j) => s + v * exact.components[c]![j]!, 0);
    close(Math.abs(dot), 1, 1e-6, `component ${c} direction`);
    close(fast.variances[c]!, exact.variances[c]!, 1e-6 * exact.variances[c]!, `variance ${c}`);
  }
  assert.ok(Math.abs(fast.components[0]![7]!) > 0.99, 'the first axis is dimension 7');
});

test('PCA projection: explained shares of the total variance; the decoder point projects like the data', () => {
  const means = cloud(2000, [3, 1, 0.5], 5);
  const p = projectOnPca(means, 2000, 3, null);
  const total = totalVariance(means, 2000, 3);
  close(total, 9 + 1 + 0.25, 0.6, 'total variance');
  close(p.explained![0], 9 / 10.25, 0.03);
  const [x, y] = projectPoint([means[3]!, means[4]!, means[5]!], p);
  close(x, p.xy[2]!, 1e-9);
  close(y, p.xy[3]!, 1e-9);
  assert.deepEqual(projectPoint([1, 2, 3], { ...p, pca: null, dims: [2, 0] }), [3, 1]);
});

test('sign alignment: an axis whose coordinates run against the reference is flipped, axes and coordinates together', () => {
  const means = cloud(500, [3, 1], 2);
  const base = projectOnPca(means, 500, 2, null);
  // The same picture with both axes' signs the other way round: aligned to `base`, it is `base` again.
  const flippedPca = { ...base.pca!, components: base.pca!.components.map((c) => c.map((v) => -v)) };
  const flippedXy = base.xy.map((v) => -v);
  const aligned = alignSigns(flippedPca, flippedXy, base.xy);
  assert.deepEqual(Array.from(aligned.xy), Array.from(base.xy));
  assert.deepEqual(Array.from(aligned.pca.components[0]!), Array.from(base.pca!.components[0]!));
  assert.equal(alignSigns(base.pca!, base.xy, null).xy, base.xy, 'no reference, no change');
  assert.equal(alignSigns(base.pca!, base.xy, base.xy.subarray(0, 10)).xy, base.xy, 'a different image count is no reference');
  // Only the axis that disagrees flips.
  const halfFlipped = base.xy.map((v, i) => (i % 2 === 1 ? -v : v));
  const fixed = alignSigns(base.pca!, halfFlipped, base.xy);
  assert.deepEqual(Array.from(fixed.xy), Array.from(base.xy));
  assert.deepEqual(Array.from(fixed.pca.components[0]!), Array.from(base.pca!.components[0]!), 'the agreeing axis is kept');
});

function encoding(
  step: number,
  means: Float64Array | number[],
  latentDim: number,
  labels: number[] | null = null,
): LatentEncoding {
  const count = means.length / latentDim;
  return {
    runId: 1,
    step,
    epoch: step / 10,
    sourceRunId: 1,
    source: 'held-out',
    count,
    latentDim,
    means: Array.from(means),
    labels,
    klPerDim: new Array<number>(latentDim).fill(1),
    images: null,
  };
}

test('scatter history: axes cover every loaded checkpoint; PCA signs stay put from one checkpoint to the next', () => {
  const history = new ScatterHistory();
  const late = cloud(300, [2, 0.5, 0.2], 9);
  // An earlier checkpoint: the same images, the cloud smaller and mirrored in every dimension, so
  // its own principal axes come out with the opposite signs of the later one's picture.
  const early = late.map((v) => -0.5 * v);
  history.add(encoding(20, late, 3));
  const dimsKey = { mode: 'dims' as const, dims: [0, 1] as const };
  const lateOnly = history.extent(dimsKey)!;
  history.add(encoding(10, early, 3));
  const both = history.extent(dimsKey)!;
  const ext = extentOf(history.projection(10, dimsKey)!.xy, 300)!;
  assert.ok(both.xMin <= Math.min(lateOnly.xMin, ext.xMin) && both.xMax >= lateOnly.xMax, 'the extent spans both checkpoints');

  const pcaKey = { mode: 'pca' as const, dims: [0, 1] as const };
  const p20 = history.projection(20, pcaKey)!;
  const p10 = history.projection(10, pcaKey)!;
  // Aligned to step 20, step 10's picture is step 20's scaled by 0.5 (the mirror undone).
  for (let i = 0; i < 20; i++) close(p10.xy[i]!, 0.5 * p20.xy[i]!, 1e-6, `coordinate ${i}`);
  assert.deepEqual(history.steps(), [10, 20]);

  history.retain([20]);
  assert.deepEqual(history.steps(), [20], 'a checkpoint that went away is dropped');
  assert.equal(history.projection(10, pcaKey), null);
});

test('following checkpoints: the newest is followed, an older choice kept, a replaced one moves to the nearest', () => {
  const cp = (step: number, epoch: number, atEpochEnd = true): CheckpointSummary => ({ step, epoch, atEpochEnd, best: false });
  const before = [cp(10, 1), cp(20, 2), cp(25, 2, false)];
  const after = [cp(10, 1), cp(20, 2), cp(30, 3)];
  assert.equal(followCheckpoint([], null, []), null);
  assert.equal(followCheckpoint([], null, [cp(5, 0, false)]), 5, 'the first checkpoint is shown');
  assert.equal(followCheckpoint(before, 25, after), 30, 'watching the newest follows it');
  assert.equal(followCheckpoint(before, 10, after), 10, 'an older choice stays');
  assert.equal(
    followCheckpoint([cp(10, 1), cp(14, 1, false), cp(40, 4)], 14, [cp(10, 1), cp(40, 4)]),
    10,
    'a vanished step moves to the nearest',
  );
  assert.equal(checkpointLabel(cp(20, 2)), 'epoch 2');
  assert.equal(checkpointLabel(cp(25, 2, false)), 'epoch 3 (in progress)');
});

test('image cells: one image out of a column grid (shared bytes) or out of a wide mosaic (copied)', () => {
  const column: ImageGrid = { rows: 3, cols: 1, height: 1, width: 2, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  assert.deepEqual(Array.from(cellOf(column, 1)!.pixels), [3, 4]);
  assert.equal(cellOf(column, 3), null);
  assert.equal(cellOf(column, -1), null);
  // Two cells side by side, 2x2 each: mosaic rows [a a b b], [a a b b].
  const wide: ImageGrid = { rows: 1, cols: 2, height: 2, width: 2, pixels: Uint8Array.from([1, 2, 7, 8, 3, 4, 9, 10]) };
  const b = cellOf(wide, 1)!;
  assert.deepEqual([b.rows, b.cols, b.height, b.width], [1, 1, 2, 2]);
  assert.deepEqual(Array.from(b.pixels), [7, 8, 9, 10]);
});

test('image cells: a colour cell keeps its r, g, b and channels, from a column or a wide mosaic', () => {
  const rgb = (v: number) => [v, v + 1, v + 2];
  // Three 1x2 RGB images stacked: image i's pixels are rgb(30i) and rgb(30i + 10).
  const column: ImageGrid = {
    rows: 3,
    cols: 1,
    height: 1,
    width: 2,
    channels: 3,
    pixels: Uint8Array.from([0, 30, 60].flatMap((v) => [...rgb(v), ...rgb(v + 10)])),
  };
  const second = cellOf(column, 1)!;
  assert.equal(second.channels, 3);
  assert.deepEqual(Array.from(second.pixels), [...rgb(30), ...rgb(40)]);
  // Two 2x1 RGB cells side by side: mosaic rows [a0 b0], [a1 b1].
  const wide: ImageGrid = {
    rows: 1,
    cols: 2,
    height: 2,
    width: 1,
    channels: 3,
    pixels: Uint8Array.from([...rgb(1), ...rgb(100), ...rgb(4), ...rgb(200)]),
  };
  const b = cellOf(wide, 1)!;
  assert.deepEqual([b.rows, b.cols, b.height, b.width, b.channels], [1, 1, 2, 1, 3]);
  assert.deepEqual(Array.from(b.pixels), [...rgb(100), ...rgb(200)]);
  assert.ok(
    !('channels' in cellOf({ rows: 1, cols: 1, height: 1, width: 1, pixels: Uint8Array.of(5) }, 0)!),
    'grayscale stays as it was',
  );
});

test('active dimensions: by KL, largest first; the slider order follows only when asked', () => {
  const kl = [0.01, 3, 0.5, 3, 0];
  assert.deepEqual(mostActive(kl, 5, 2), [1, 3], 'ties keep index order');
  assert.deepEqual(mostActive(null, 5, 2), [0, 1]);
  assert.deepEqual(mostActive([1, 2], 5, 2), [0, 1], 'KL of the wrong length is ignored');
  assert.deepEqual(sliderOrder(kl, 5, true), [1, 3, 2, 0, 4]);
  assert.deepEqual(sliderOrder(kl, 5, false), [0, 1, 2, 3, 4]);
});

test('interpolation: endpoints included, lerp and slerp differ off the line; a first pair of different labels', () => {
  const a = [2, 0];
  const b = [0, 2];
  const lerp = interpolationPoints('lerp', a, b, 5);
  const slerp = interpolationPoints('slerp', a, b, 5);
  assert.equal(lerp.length, 5);
  assert.deepEqual(lerp[0], a);
  assert.deepEqual(lerp[4], b);
  close(Math.hypot(...lerp[2]!), Math.SQRT2, 1e-9, 'the straight line cuts inside');
  close(Math.hypot(...slerp[2]!), 2, 1e-9, 'the arc keeps the norm');
  assert.ok(Array.isArray(slerp[1]), 'plain arrays for the contract');
  assert.deepEqual(meanOf([1, 2, 3, 4, 5, 6], 2, 1), [3, 4]);
  assert.deepEqual(defaultPair([7, 7, 3, 1], 4), [0, 2]);
  assert.deepEqual(defaultPair([7, 7], 2), [0, 1], 'all alike: the first two');
  assert.deepEqual(defaultPair(null, 3), [0, 1]);
  assert.equal(defaultPair(null, 1), null);
});

test('palette: ten distinct label colours, wrapping past ten; legend labels sorted and distinct', () => {
  assert.equal(new Set(LABEL_COLORS).size, 10);
  assert.equal(labelColor(12), labelColor(2));
  assert.equal(labelColor(-1), labelColor(9));
  assert.deepEqual(labelsPresent([3, 1, 3, 0]), [0, 1, 3]);
  assert.deepEqual(labelsPresent(null), []);
});
