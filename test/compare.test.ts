// The Compare view's pure logic, without a DOM: colours that stay with their runs, curves on every
// x-axis (cumulative wall time across resumes), hover lookups on different grids, the hyperparameter
// diff, the results table's best marks, latent-space grouping and image reshaping, active-dimension
// counts, the per-run loader, the reconstruction requests and the shared selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecodedImages, LatentEncoding, RunDetail } from '../src/shared/contract.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { ok, type Result } from '../src/shared/result.ts';
import type { EpochMetric, ImageGrid, RunRecord, StepMetric } from '../src/shared/training.ts';
import { presetConfig } from './helpers.ts';
import { assignSlots, slotColor } from '../src/renderer/src/lib/compare/colors.ts';
import {
  buildCurve,
  cumulativeWall,
  durationTickStep,
  nearestIndex,
  pointsAt,
  shownPoints,
  stepsPerEpoch,
  type CurveOptions,
  type CurveSource,
} from '../src/renderer/src/lib/compare/series.ts';
import { groupRows, hyperparamRows, shownRows } from '../src/renderer/src/lib/compare/hyperparams.ts';
import { bestHeldOut, markBest, metricRows } from '../src/renderer/src/lib/compare/metrics.ts';
import { groupByLatentDim, latentPoints, meanRows, regrid, sameImageSize } from '../src/renderer/src/lib/compare/latent.ts';
import { ACTIVE_KL, activeDims, rankDims } from '../src/renderer/src/lib/latent/active-dims.ts';
import { KeyedLoader } from '../src/renderer/src/lib/compare/keyed-loader.ts';
import { latestCheckpoint, modelReadiness, type CompareRun } from '../src/renderer/src/lib/compare/compare-run.ts';
import { reconstruct, type LatentClient } from '../src/renderer/src/lib/compare/requests.ts';
import { selection } from '../src/renderer/src/lib/stores/selection.svelte.ts';
import { runRecord } from './run-record.ts';

const loss = (total: number) => ({ recon: total * 0.8, kl: total * 0.2, total });

function stepMetric(step: number, total: number, wallMs: number, epoch = 1): StepMetric {
  return { step, epoch, loss: loss(total), imagesPerSec: 100, wallMs };
}

function epochMetric(epoch: number, step: number, heldOut: number | null, wallMs = 0): EpochMetric {
  return { epoch, step, train: loss(50), heldOut: heldOut === null ? null : loss(heldOut), imagesPerSec: 200, wallMs };
}

function record(id: number, config: ExperimentConfig, overrides: Partial<RunRecord> = {}): RunRecord {
  return runRecord({ id, config, createdAt: 0, startedAt: 1_000, finishedAt: 61_000, totalSteps: 0, ...overrides });
}

const OPTIONS: CurveOptions = { part: 'total', split: 'train', xAxis: 'step', smoothing: 0, logScale: false };

test('colours: runs take slots in order, keep them when another is removed, and a newcomer takes the lowest free one', () => {
  const first = assignSlots([7, 3, 9]);
  assert.deepEqual(
    [...first],
    [
      [7, 0],
      [3, 1],
      [9, 2],
    ],
  );
  const removed = assignSlots([7, 9], first);
  assert.deepEqual(
    [...removed],
    [
      [7, 0],
      [9, 2],
    ],
    'run 9 keeps its colour when run 3 goes',
  );
  const added = assignSlots([7, 9, 4], removed);
  assert.equal(added.get(4), 1, 'the freed slot is reused');
  const six = assignSlots([1, 2, 3, 4, 5, 6]);
  assert.equal(new Set(six.values()).size, 6, 'six runs, six colours');
  assert.equal(slotColor(2), 'var(--run-2)');
});

test('wall time: cumulative across resumes, with epoch metrics on the same timeline', () => {
  // Ran to step 20 in 2 s (epoch 1 ended at step 10), resumed from step 20: its clock restarted.
  const steps = [stepMetric(10, 5, 1_000), stepMetric(20, 4, 2_000), stepMetric(30, 3, 500), stepMetric(40, 2, 1_500)];
  const epochs = [epochMetric(1, 10, 9, 1_100), epochMetric(2, 40, 8, 1_600)];
  const wall = cumulativeWall(steps, epochs);
  assert.deepEqual(wall.steps, [1_000, 2_000, 2_500, 3_500]);
  assert.deepEqual(wall.epochs, [1_100, 3_600]);
  // Two resumes add up.
  assert.deepEqual(
    cumulativeWall([stepMetric(1, 1, 300), stepMetric(2, 1, 100), stepMetric(3, 1, 50)], []).steps,
    [300, 400, 450],
  );
});

test('curves: each x-axis from the same steps; held-out per epoch; log scale drops what it cannot show', () => {
  const config = presetConfig('quick', { 'optim.batchSize': 32, 'optim.epochs': 2 });
  const source: CurveSource = {
    config,
    totalSteps: 40,
    steps: [stepMetric(10, 5, 1_000), stepMetric(20, 4, 2_000), stepMetric(30, 0, 500, 2), stepMetric(40, 2, 1_500, 2)],
    epochs: [epochMetric(1, 20, 9, 2_100), epochMetric(2, 40, null, 1_600)],
  };
  assert.equal(stepsPerEpoch(source), 20);
  const xs = (o: Partial<CurveOptions>) => buildCurve(source, { ...OPTIONS, ...o }).raw.map((p) => p.x);
  assert.deepEqual(xs({ xAxis: 'step' }), [10, 20, 30, 40]);
  assert.deepEqual(xs({ xAxis: 'epoch' }), [0.5, 1, 1.5, 2]);
  assert.deepEqual(xs({ xAxis: 'images' }), [320, 640, 960, 1280], 'images seen = step × batch size');
  assert.deepEqual(xs({ xAxis: 'wall' }), [1, 2, 2.6, 3.6], 'seconds, cumulative over the resume after epoch 1');

  const kl = buildCurve(source, { ...OPTIONS, part: 'kl' }).raw.map((p) => p.y);
  assert.deepEqual(kl, [1, 0.8, 0, 0.4]);
  assert.deepEqual(
    buildCurve(source, { ...OPTIONS, logScale: true }).raw.map((p) => p.x),
    [10, 20, 40],
    'a zero loss has no place on a log axis',
  );

  const heldOut = buildCurve(source, { ...OPTIONS, split: 'heldOut', xAxis: 'epoch', smoothing: 0.9 });
  assert.deepEqual(heldOut.raw, [{ x: 1, y: 9 }], 'epochs without a held-out measurement are skipped');
  assert.deepEqual(heldOut.smoothed, [], 'held-out points are shown as measured');
});

test('curves: smoothing is a debiased EMA next to the raw points, and hovering reads the smoothed one', () => {
  const source: CurveSource = {
    config: presetConfig('quick'),
    totalSteps: 0,
    steps: [stepMetric(1, 10, 0), stepMetric(2, 20, 0), stepMetric(3, 20, 0)],
    epochs: [],
  };
  const curve = buildCurve(source, { ...OPTIONS, smoothing: 0.5 });
  assert.deepEqual(
    curve.raw.map((p) => p.y),
    [10, 20, 20],
  );
  // (0.5·10 + 20)·0.5 / 0.75 = 16.67; the first point is the value itself.
  assert.equal(curve.smoothed[0]!.y, 10);
  assert.ok(Math.abs(curve.smoothed[1]!.y - 50 / 3) < 1e-9);
  assert.equal(shownPoints(curve), curve.smoothed);
  assert.equal(shownPoints(buildCurve(source, OPTIONS)).length, 3, 'without smoothing the raw points are shown');
  // Without a planned total, a completed epoch gives the epoch length; without either, the logged epoch is used.
  assert.equal(stepsPerEpoch({ ...source, epochs: [epochMetric(2, 50, 1)] }), 25);
  assert.deepEqual(
    buildCurve(source, { ...OPTIONS, xAxis: 'epoch' }).raw.map((p) => p.x),
    [1, 1, 1],
  );
});

test('hover: every curve reports its own nearest point, and nothing far beyond its end', () => {
  const coarse = [
    { x: 0, y: 1 },
    { x: 10, y: 2 },
    { x: 20, y: 3 },
  ];
  const fine = Array.from({ length: 41 }, (_, i) => ({ x: i, y: i }));
  const short = [
    { x: 0, y: 5 },
    { x: 4, y: 6 },
  ];
  assert.equal(nearestIndex(coarse, 14), 1);
  assert.equal(nearestIndex(coarse, 16), 2);
  assert.equal(nearestIndex(coarse, -5), 0);
  assert.equal(nearestIndex(coarse, 99), 2);
  assert.equal(nearestIndex([], 3), -1);
  const at = pointsAt([coarse, fine, short], 13, 1);
  assert.deepEqual(at, [{ x: 10, y: 2 }, { x: 13, y: 13 }, null], 'the short run ended at 4: too far to report at 13');
  assert.deepEqual(pointsAt([short], 4.5, 1), [{ x: 4, y: 6 }], 'just past the end still counts');
});

test('wall-time ticks land on round durations', () => {
  assert.equal(durationTickStep(50), 10);
  assert.equal(durationTickStep(600), 120);
  assert.equal(durationTickStep(7 * 3600), 3600);
  assert.equal(durationTickStep(3), 1);
});

test('hyperparameters: only differing rows by default, labels from the schema, inapplicable settings as —', () => {
  const a = presetConfig('quick', { 'run.name': 'a', 'optim.learningRate': 0.001 });
  const b = presetConfig('quick', { 'run.name': 'b', 'optim.learningRate': 0.01 });
  const c = presetConfig('quick', { 'run.name': 'c', 'optim.learningRate': 0.001, 'model.encoder': 'seed-conv' });
  const rows = hyperparamRows([a, b, c]);
  const differing = shownRows(rows, false);
  assert.deepEqual(
    differing.map((r) => r.path),
    ['model.encoder', 'model.encoderHidden', 'optim.learningRate'],
  );
  const lr = differing.find((r) => r.path === 'optim.learningRate')!;
  assert.equal(lr.label, 'Learning rate');
  assert.deepEqual(lr.values, ['1e-3', '0.01', '1e-3']);
  assert.deepEqual(
    differing.find((r) => r.path === 'model.encoderHidden')!.values,
    ['256', '256', '—'],
    'seed-conv has no hidden sizes',
  );
  assert.equal(differing.find((r) => r.path === 'model.encoder')!.values[2], 'Seed conv (notebook)');
  assert.ok(!rows.some((r) => r.path === 'run.name'), 'names head the columns instead');
  assert.ok(!rows.some((r) => r.path === 'data.path'), 'a CSV path applies to none of these MNIST runs');
  const all = shownRows(rows, true);
  assert.ok(all.length > differing.length + 10);
  assert.deepEqual(all.find((r) => r.path === 'data.labels')!.values, ['all', 'all', 'all']);
  assert.deepEqual(
    groupRows(all).map((g) => g.group),
    ['Data', 'Model', 'Loss', 'Optimisation', 'Run'],
  );
  assert.equal(groupRows(all).at(-1)!.rows[0]!.path, 'preset');
  assert.deepEqual(shownRows(hyperparamRows([a, a]), false), [], 'identical runs differ nowhere');
});

test('results: best values per row (ties all marked, no direction no mark), best held-out epoch, live durations not ranked', () => {
  assert.deepEqual(markBest([3, 1, 2], 'lower'), [false, true, false]);
  assert.deepEqual(markBest([3, 1, 3], 'higher'), [true, false, true]);
  assert.deepEqual(markBest([2, null, 2], 'lower'), [false, false, false], 'all equal: nothing stands out');
  assert.deepEqual(markBest([5, null], 'lower'), [false, false], 'one value has nothing to beat');
  assert.deepEqual(markBest([1, 2], null), [false, false]);

  const config = presetConfig('quick');
  const epochsA = [epochMetric(1, 10, 120), epochMetric(2, 20, 110), epochMetric(3, 30, 115)];
  assert.equal(bestHeldOut(epochsA)?.epoch, 2);
  const a = record(1, config, { finalHeldOut: loss(115), imagesPerSec: 900, startedAt: 0, finishedAt: 60_000 });
  const b = record(2, config, { finalHeldOut: loss(112), imagesPerSec: 1200, startedAt: 0, finishedAt: 90_000 });
  const c = record(3, config, { status: 'running', startedAt: 0, finishedAt: null, imagesPerSec: 100 });
  const rows = metricRows(
    [
      { run: a, epochs: epochsA },
      { run: b, epochs: [epochMetric(1, 10, 112)] },
      { run: c, epochs: null },
    ],
    1_000,
  );
  const row = (key: string) => rows.find((r) => r.key === key)!;
  assert.deepEqual(
    row('final-heldout').cells.map((x) => x.best),
    [false, true, false],
  );
  assert.deepEqual(
    row('final-heldout').cells.map((x) => x.text),
    ['115.00', '112.00', '—'],
  );
  assert.deepEqual(
    row('best-heldout').cells.map((x) => x.best),
    [true, false, false],
  );
  assert.equal(row('best-heldout').cells[0]!.note, 'epoch 2');
  assert.deepEqual(
    row('speed').cells.map((x) => x.best),
    [false, true, false],
  );
  assert.deepEqual(
    row('duration').cells.map((x) => x.best),
    [true, false, false],
    'the live run’s 1 s is not a result',
  );
  assert.equal(row('duration').cells[2]!.text, '0:01');
  assert.deepEqual(
    row('heldout-kl').cells.map((x) => x.best),
    [false, false, false],
  );
  assert.deepEqual(
    row('epochs').cells.map((x) => x.text),
    ['3 / 3', '1 / 3', '— / 3'],
    'unknown until the history loads',
  );
  assert.equal(row('backend').cells[0]!.text, 'wasm');
});

test('latent helpers: active dimensions, ranking, groups by latent size, image sizes, means to rows', () => {
  assert.equal(ACTIVE_KL, 0.01);
  assert.deepEqual(activeDims([2.5, 0.004, 0.01, 0]), { active: 2, total: 4 });
  assert.deepEqual(
    rankDims([0.1, 3, 0.1, 1]).map((d) => d.dim),
    [1, 3, 0, 2],
  );

  // A CSV data set of 32×28 images (validation holds built-in MNIST to 28×28).
  const cfg = (latentDim: number, h = 28) =>
    h === 28
      ? presetConfig('quick', { 'model.latentDim': latentDim })
      : presetConfig('quick', {
          'model.latentDim': latentDim,
          'data.source': 'csv',
          'data.path': '/x.csv',
          'data.imageHeight': h,
        });
  const members = [
    { id: 1, config: cfg(16) },
    { id: 2, config: cfg(2) },
    { id: 3, config: cfg(2, 32) },
    { id: 4, config: cfg(8) },
  ];
  assert.deepEqual(groupByLatentDim(members), [
    { latentDim: 2, runIds: [2, 3] },
    { latentDim: 16, runIds: [1] },
    { latentDim: 8, runIds: [4] },
  ]);
  assert.deepEqual(sameImageSize(members), { included: [1, 2, 4], skipped: [{ id: 3, reason: '32×28 images, not 28×28' }] });
  // Same size, other channels: an RGB model cannot encode grayscale images, nor the other way round.
  const rgb = { id: 5, config: { ...cfg(2), data: { ...cfg(2).data, channels: 3 } } };
  assert.deepEqual(sameImageSize([...members, rgb]).skipped.at(-1), { id: 5, reason: '28×28 RGB images, not 28×28' });
  assert.deepEqual(sameImageSize([rgb, members[0]!]).skipped, [{ id: 1, reason: '28×28 images, not 28×28 RGB' }]);
  assert.deepEqual(meanRows([1, 2, 3, 4, 5, 6], 3, 2), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  assert.throws(() => meanRows([1, 2, 3], 2, 2), RangeError);
});

test('regrid: a column of images becomes a row with every pixel in its cell', () => {
  // Three 2×2 images stacked (rows=3, cols=1): image i holds 10i+0..3.
  const column: ImageGrid = {
    rows: 3,
    cols: 1,
    height: 2,
    width: 2,
    pixels: Uint8Array.from([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]),
  };
  const row = regrid(column, 1, 3);
  assert.deepEqual([row.rows, row.cols], [1, 3]);
  // Mosaic rows of width 6: [img0 row0, img1 row0, img2 row0], then the second pixel rows.
  assert.deepEqual(Array.from(row.pixels), [0, 1, 10, 11, 20, 21, 2, 3, 12, 13, 22, 23]);
  const back = regrid(row, 3, 1);
  assert.deepEqual(Array.from(back.pixels), Array.from(column.pixels));
  const padded = regrid(column, 2, 2);
  assert.deepEqual(
    Array.from(padded.pixels),
    [0, 1, 10, 11, 2, 3, 12, 13, 20, 21, 0, 0, 22, 23, 0, 0],
    'the fourth cell is blank',
  );
});

test('regrid: colour cells move whole, r, g and b together', () => {
  // Two 1×2 RGB images stacked; image i's bytes are 100i + 0..5.
  const column: ImageGrid = {
    rows: 2,
    cols: 1,
    height: 1,
    width: 2,
    channels: 3,
    pixels: Uint8Array.from([0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105]),
  };
  const row = regrid(column, 1, 2);
  assert.deepEqual([row.rows, row.cols, row.channels], [1, 2, 3]);
  assert.deepEqual(Array.from(row.pixels), Array.from(column.pixels), 'one pixel row: the two images side by side');
  const square = regrid(column, 2, 2);
  assert.deepEqual(Array.from(square.pixels), [0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105, ...new Array(12).fill(0)]);
});

test('latent points: the same seed gives the same draw for every decoder; a grid spans the chosen dimensions', () => {
  const a = latentPoints(5, { kind: 'prior', seed: 7, count: 4 });
  assert.equal(a.length, 4);
  assert.ok(a.every((z) => z.length === 5));
  assert.deepEqual(latentPoints(5, { kind: 'prior', seed: 7, count: 4 }), a);
  assert.notDeepEqual(latentPoints(5, { kind: 'prior', seed: 8, count: 4 }), a);
  const grid = latentPoints(4, { kind: 'grid', dims: [1, 3], size: 3, range: 2, spacing: 'linear' });
  assert.equal(grid.length, 9);
  assert.deepEqual(grid[0], [0, -2, 0, 2], 'top-left: x at its lowest, y at its highest, the rest at 0');
  assert.deepEqual(grid[8], [0, 2, 0, -2]);
});

test('keyed loader with settleMs: answers are stored together, at most that often, and stale ones dropped', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const loader = new KeyedLoader<string>(Infinity, 100);
  const resolvers = new Map<string, (r: Result<string>) => void>();
  const request = (key: string) => ({ key, load: () => new Promise<Result<string>>((resolve) => resolvers.set(key, resolve)) });
  const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));
  const synced = loader.sync(
    new Map([
      [1, request('a')],
      [2, request('b')],
      [3, request('c')],
    ]),
  );
  resolvers.get('a')!(ok('A'));
  await flushMicrotasks();
  assert.equal(loader.get(1).state, 'loading', 'an answer waits for the batch');
  resolvers.get('b')!(ok('B'));
  await flushMicrotasks();
  // Run 3 is asked for anew before its first answer is stored: that answer is stale.
  void loader.sync(
    new Map([
      [1, request('a')],
      [2, request('b')],
      [3, request('c2')],
    ]),
  );
  resolvers.get('c')!(ok('C'));
  await flushMicrotasks();
  assert.deepEqual([loader.get(1).state, loader.get(2).state], ['loading', 'loading']);
  t.mock.timers.tick(100);
  await flushMicrotasks();
  assert.deepEqual(
    [loader.value(1), loader.value(2), loader.value(3)],
    ['A', 'B', null],
    'stored together; the stale one dropped',
  );
  resolvers.get('c2')!(ok('C2'));
  await flushMicrotasks();
  assert.equal(loader.value(3), null);
  t.mock.timers.tick(100);
  await synced;
  await flushMicrotasks();
  assert.equal(loader.value(3), 'C2');
});

test('keyed loader: fetches on a new key only, keeps the old value while refreshing, drops stale answers, forgets removed runs', async () => {
  const loader = new KeyedLoader<string>();
  const resolvers: ((r: Result<string>) => void)[] = [];
  let calls = 0;
  const request = (key: string) => ({
    key,
    load: () => {
      calls++;
      return new Promise<Result<string>>((resolve) => resolvers.push(resolve));
    },
  });
  const first = loader.sync(new Map([[1, request('a')]]));
  assert.equal(loader.get(1).state, 'loading');
  void loader.sync(new Map([[1, request('a')]]));
  assert.equal(calls, 1, 'the same key does not fetch again');
  resolvers[0]!(ok('A'));
  await first;
  assert.deepEqual(loader.get(1), { state: 'ready', value: 'A', refreshing: false });

  const second = loader.sync(new Map([[1, request('b')]]));
  assert.deepEqual(loader.get(1), { state: 'ready', value: 'A', refreshing: true }, 'the old value stays up while refreshing');
  const third = loader.sync(new Map([[1, request('c')]]));
  resolvers[2]!(ok('C'));
  await third;
  resolvers[1]!(ok('B'));
  await second;
  assert.equal(loader.value(1), 'C', 'the answer to an outdated request is dropped');

  const failing = loader.sync(
    new Map([
      [1, request('c')],
      [2, { key: 'x', load: async () => ({ ok: false, error: { code: 'internal', message: 'boom' } }) }],
    ]),
  );
  await failing;
  assert.deepEqual(loader.get(2), { state: 'error', message: 'boom' });
  await loader.sync(new Map([[2, { key: 'x', load: async () => ok('never') }]]));
  assert.equal(loader.get(2).state, 'error', 'a failure is not retried until its key changes');
  await loader.sync(new Map());
  assert.equal(loader.get(1).state, 'loading', 'a removed run is forgotten');
  assert.equal(loader.value(1), null);
});

test('readiness: a run shows images only once it has a checkpoint, and says why not otherwise', () => {
  const config = presetConfig('quick');
  const detail = (checkpoints: number[]): RunDetail => ({
    run: record(1, config),
    steps: [],
    epochs: [],
    images: [],
    imageSteps: { reconstruction: [], samples: [] },
    checkpoints: checkpoints.map((step, i) => ({ step, epoch: i + 1, atEpochEnd: true, best: false })),
  });
  const member = (status: RunRecord['status'], d: CompareRun['detail']): CompareRun => ({
    id: 1,
    run: record(1, config, { status }),
    slot: 0,
    detail: d,
  });
  assert.equal(latestCheckpoint(detail([10, 20])), 20);
  assert.equal(latestCheckpoint(null), null);
  assert.deepEqual(modelReadiness(member('completed', { state: 'ready', value: detail([10, 20]), refreshing: false })), {
    ready: true,
    step: 20,
  });
  assert.match(
    (modelReadiness(member('queued', { state: 'ready', value: detail([]), refreshing: false })) as { message: string }).message,
    /Queued/,
  );
  assert.match(
    (modelReadiness(member('running', { state: 'ready', value: detail([]), refreshing: false })) as { message: string }).message,
    /end of epoch 1/,
  );
  assert.deepEqual(modelReadiness(member('completed', { state: 'error', message: 'gone' })), {
    ready: false,
    message: 'Could not load the run: gone',
    error: true,
  });
});

test('reconstruct: encodes the source run’s images with each run and decodes exactly their means, one row', async () => {
  const seen: { encode?: unknown; decode?: { points: number[][]; cols?: number; step?: number } } = {};
  const image = (v: number): number[] => [v, v, v, v];
  const client: LatentClient = {
    async encodeImages(args) {
      seen.encode = args;
      const value: LatentEncoding = {
        runId: args.runId,
        step: 30,
        epoch: 3,
        sourceRunId: args.sourceRunId ?? args.runId,
        source: 'held-out',
        count: 2,
        latentDim: 3,
        means: [1, 2, 3, 4, 5, 6],
        labels: null,
        klPerDim: [0.5, 0, 0.2],
        images: args.includeImages
          ? { rows: 2, cols: 1, height: 2, width: 2, pixels: Uint8Array.from([...image(1), ...image(2)]) }
          : null,
      };
      return ok(value);
    },
    async decodeLatents(args) {
      seen.decode = args;
      const value: DecodedImages = {
        runId: args.runId,
        step: 30,
        epoch: 3,
        grid: { rows: 1, cols: 2, height: 2, width: 2, pixels: new Uint8Array(8) },
        decodeMs: 1,
      };
      return ok(value);
    },
  };
  const result = await reconstruct(client, 5, 30, 2, 10, true);
  assert.ok(result.ok);
  assert.deepEqual(seen.encode, { runId: 5, step: 30, count: 10, sourceRunId: 2, includeImages: true });
  assert.deepEqual(seen.decode, {
    runId: 5,
    step: 30,
    points: [
      [1, 2, 3],
      [4, 5, 6],
    ],
    cols: 2,
  });
  assert.deepEqual([result.value.originals!.rows, result.value.originals!.cols], [1, 2], 'the originals become one row');
  assert.deepEqual(Array.from(result.value.originals!.pixels), [1, 1, 2, 2, 1, 1, 2, 2]);
  assert.equal(result.value.epoch, 3);

  const failed = await reconstruct(
    { ...client, encodeImages: async () => ({ ok: false, error: { code: 'not-found', message: 'no checkpoint' } }) },
    5,
    30,
    2,
    10,
    false,
  );
  assert.deepEqual(failed, { ok: false, error: { code: 'not-found', message: 'no checkpoint' } });
});

test('selection: kept in the order picked, replaced by a comparison, pruned of deleted runs, every run compared', () => {
  selection.replace([]);
  selection.set(4, true);
  selection.set(2, true);
  selection.set(4, true);
  assert.deepEqual(selection.list, [4, 2]);
  selection.replace([1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(selection.forCompare, [1, 2, 3, 4, 5, 6, 7]);
  selection.retain(new Set([2, 5, 7]));
  assert.deepEqual(selection.list, [2, 5, 7]);
  selection.set(5, false);
  assert.equal(selection.size, 2);
  assert.ok(!selection.has(5));
  selection.replace([]);
});
