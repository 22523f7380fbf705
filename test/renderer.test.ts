// The renderer's pure logic, without a DOM: smoothing, image grids, event aggregation, chart series,
// run table sorting and filtering, form parsing and routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunDetail } from '../src/shared/contract.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { EpochMetric, ImageGrid, RunRecord, StepMetric, TrainingEvent } from '../src/shared/training.ts';
import { fieldSpec, type DataConfig, type ExperimentConfig } from '../src/shared/config.ts';
import { validateConfig } from '../src/shared/validate.ts';
import { Ema, emaSmooth } from '../src/renderer/src/lib/ema.ts';
import { gridToRgba } from '../src/renderer/src/lib/grid-rgba.ts';
import { applyEvent, createAggregate, mergeHistory, resetAggregate } from '../src/renderer/src/lib/run-aggregate.ts';
import { LossSeries } from '../src/renderer/src/lib/loss-series.ts';
import { architecture, parseTags, runDuration } from '../src/renderer/src/lib/runs-table.ts';
import { sortByColumn } from '../src/renderer/src/lib/run-columns.ts';
import { filterRuns } from '../src/shared/run-query.ts';
import {
  errorsByField,
  evaluationLabel,
  evaluationText,
  fieldErrorsOf,
  formatFieldValue,
  parseFieldInput,
  plannedSplit,
  settingText,
  watchedText,
  visibleFields,
} from '../src/renderer/src/lib/config-form.ts';
import { bernoulliWarning } from '../src/shared/data-split.ts';
import { parseRoute, routeHash, type Route } from '../src/renderer/src/lib/route.ts';
import { formatDuration, formatLoss, formatNumber } from '../src/renderer/src/lib/format.ts';
import { runRecord } from './run-record.ts';

const quick = findPreset('quick')!.config;
const loss = (total: number) => ({ recon: total * 0.9, kl: total * 0.1, total });

function stepEvent(runId: number, step: number, total = 100 - step): TrainingEvent {
  return {
    type: 'step',
    runId,
    epoch: 1,
    step,
    totalSteps: 100,
    loss: loss(total),
    imagesPerSec: 500,
    etaSeconds: 10,
    wallMs: step * 10,
  };
}

function epochMetric(epoch: number, step: number, heldOut: number | null): EpochMetric {
  return { epoch, step, train: loss(50), heldOut: heldOut === null ? null : loss(heldOut), imagesPerSec: 500, wallMs: 1000 };
}

function record(overrides: Partial<RunRecord> = {}): RunRecord {
  return runRecord({ name: 'run', config: quick, ...overrides });
}

function detail(run: RunRecord, steps: number[], epochs: EpochMetric[] = []): RunDetail {
  const metrics: StepMetric[] = steps.map((s) => ({ step: s, epoch: 1, loss: loss(200 - s), imagesPerSec: 400, wallMs: s }));
  return { run, steps: metrics, epochs, images: [], imageSteps: { reconstruction: [], samples: [] }, checkpoints: [] };
}

test('EMA: weight 0 is the identity, debiasing starts at the first value, non-finite values pass through', () => {
  assert.deepEqual(emaSmooth([3, 1, 4], 0), [3, 1, 4]);
  const s = emaSmooth([10, 10, 10], 0.9);
  for (const v of s) assert.ok(Math.abs(v - 10) < 1e-9, `debiased EMA of a constant stays constant, got ${v}`);
  const ema = new Ema(0.5);
  assert.equal(ema.next(2), 2);
  assert.ok(Number.isNaN(ema.next(NaN)));
  // (0.5*2*0.5 + 0.5*4) / (1 - 0.25) = 3.333…
  assert.ok(Math.abs(ema.next(4) - 10 / 3) < 1e-9);
  assert.throws(() => new Ema(1), RangeError);
});

test('grid to RGBA: gray bytes copied to r, g, b, opaque; gaps transparent; pairs spaced', () => {
  // 2x2 cells of 2x1 pixels: the mosaic rows are [a b | c d], [e f | g h] ... as bytes 1..8.
  const grid: ImageGrid = { rows: 2, cols: 2, height: 1, width: 2, pixels: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) };
  const out = gridToRgba(grid, { gap: 1 });
  assert.equal(out.width, 5);
  assert.equal(out.height, 3);
  const px = (x: number, y: number) => Array.from(out.data.subarray((y * out.width + x) * 4, (y * out.width + x) * 4 + 4));
  assert.deepEqual(px(0, 0), [1, 1, 1, 255]);
  assert.deepEqual(px(1, 0), [2, 2, 2, 255]);
  assert.deepEqual(px(2, 0), [0, 0, 0, 0], 'the column gap is transparent');
  assert.deepEqual(px(3, 0), [3, 3, 3, 255]);
  assert.deepEqual(px(0, 1), [0, 0, 0, 0], 'the row gap is transparent');
  assert.deepEqual(px(4, 2), [8, 8, 8, 255]);

  const paired = gridToRgba(
    { rows: 4, cols: 1, height: 2, width: 2, pixels: new Uint8Array(16).fill(9) },
    { gap: 1, pairGap: 3 },
  );
  // rows at 0, 3, 9 (3 + 3 + 3 extra), 12; height = 12 + 2.
  assert.equal(paired.height, 14);
  assert.equal(paired.data[9 * 2 * 4 + 3], 255, 'third row starts after the pair gap');
  assert.equal(paired.data[7 * 2 * 4 + 3], 0);
  assert.throws(() => gridToRgba({ rows: 1, cols: 1, height: 2, width: 2, pixels: new Uint8Array(3) }), RangeError);
});

test("grid to RGBA: a colour grid keeps each cell's r, g, b, at non-square sizes; a short grid is refused", () => {
  // 2 rows x 3 cols of cells 2 high and 3 wide, RGB: pixel (cell, y, x) = [cell*10 + y, 100 + x, 200 + cell].
  const [rows, cols, h, w] = [2, 3, 2, 3];
  const pixels = new Uint8Array(rows * cols * h * w * 3);
  for (let cell = 0; cell < rows * cols; cell++) {
    const r = Math.floor(cell / cols);
    const c = cell % cols;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) pixels.set([cell * 10 + y, 100 + x, 200 + cell], (((r * h + y) * cols + c) * w + x) * 3);
  }
  const grid: ImageGrid = { rows, cols, height: h, width: w, channels: 3, pixels };
  const out = gridToRgba(grid, { gap: 1 });
  assert.deepEqual([out.width, out.height], [cols * w + 2, rows * h + 1]);
  for (let cell = 0; cell < rows * cols; cell++) {
    const r = Math.floor(cell / cols);
    const c = cell % cols;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const at = ((r * (h + 1) + y) * out.width + c * (w + 1) + x) * 4;
        assert.deepEqual(
          Array.from(out.data.subarray(at, at + 4)),
          [cell * 10 + y, 100 + x, 200 + cell, 255],
          `cell ${cell} (${x}, ${y})`,
        );
      }
  }
  assert.equal(out.data[(0 * out.width + w) * 4 + 3], 0, 'the gap between colour cells is transparent');
  // The same bytes read as grayscale would be three times too many: refused, naming the sizes.
  assert.throws(() => gridToRgba({ ...grid, channels: 1 }), /2x3x2x3x1 = 36 bytes, got 108 bytes/);
  assert.throws(() => gridToRgba({ ...grid, pixels: pixels.subarray(1) }), RangeError);
});

test('aggregate: step events append; a replayed step (resume) drops what followed it', () => {
  const agg = createAggregate(7);
  assert.equal(applyEvent(agg, stepEvent(8, 1)), false, 'other runs are ignored');
  for (let s = 1; s <= 5; s++) applyEvent(agg, stepEvent(7, s));
  assert.deepEqual(
    agg.steps.map((p) => p.step),
    [1, 2, 3, 4, 5],
  );
  assert.equal(agg.progress.step, 5);
  assert.equal(agg.progress.totalSteps, 100);
  const generation = agg.generation;
  applyEvent(agg, {
    type: 'started',
    runId: 7,
    backend: 'wasm',
    backendNote: '',
    trainSize: 90,
    heldOutSize: 10,
    stepsPerEpoch: 50,
    totalSteps: 100,
    fromStep: 3,
  });
  assert.deepEqual(
    agg.steps.map((p) => p.step),
    [1, 2, 3],
  );
  assert.ok(agg.generation > generation, 'truncation is signalled to incremental readers');
  applyEvent(agg, stepEvent(7, 4));
  applyEvent(agg, stepEvent(7, 2));
  assert.deepEqual(
    agg.steps.map((p) => p.step),
    [1, 2],
    'a step at or before the last one replaces the tail',
  );
  assert.equal(agg.status, 'running');
  applyEvent(agg, { type: 'status', runId: 7, status: 'failed', message: 'loss became NaN' });
  assert.equal(agg.status, 'failed');
  assert.equal(agg.statusMessage, 'loss became NaN');
  assert.equal(agg.progress.etaSeconds, null);
});

test('aggregate: epochs are replaced on replay, images keep the newest per kind', () => {
  const agg = createAggregate(1);
  applyEvent(agg, { type: 'epoch', runId: 1, metric: epochMetric(1, 10, 90) });
  applyEvent(agg, { type: 'epoch', runId: 1, metric: epochMetric(2, 20, 80) });
  applyEvent(agg, { type: 'epoch', runId: 1, metric: epochMetric(2, 20, 70) });
  assert.deepEqual(
    agg.epochs.map((e) => e.heldOut?.total),
    [90, 70],
  );
  const grid: ImageGrid = { rows: 1, cols: 1, height: 1, width: 1, pixels: Uint8Array.of(5) };
  applyEvent(agg, { type: 'image', runId: 1, epoch: 1, step: 10, kind: 'samples', grid });
  assert.equal(agg.images.samples?.step, 10);
  assert.equal(agg.images.reconstruction, undefined);
});

test('history merge: older logged steps fill in before live ones; live ones win; progress from metrics', () => {
  const agg = createAggregate(1);
  for (const s of [40, 41]) applyEvent(agg, stepEvent(1, s));
  const run = record({ status: 'running', step: 0 });
  mergeHistory(agg, detail(run, [10, 20, 30, 40, 41], [epochMetric(1, 25, 80)]));
  assert.deepEqual(
    agg.steps.map((p) => p.step),
    [10, 20, 30, 40, 41],
  );
  assert.equal(agg.steps[3]!.total, 100 - 40, 'the live point is kept over the logged one');
  assert.equal(agg.epochs.length, 1);
  assert.equal(agg.status, 'running');
  assert.ok(agg.historyLoaded);

  // Opened after the fact: the record's step counter may be stale, the metrics are not.
  const done = createAggregate(2);
  mergeHistory(done, detail(record({ id: 2, status: 'completed', step: 0, epoch: 0 }), [50, 100], [epochMetric(3, 100, 70)]));
  assert.equal(done.progress.step, 100);
  assert.equal(done.progress.epoch, 3);
  const stopped = createAggregate(3);
  mergeHistory(stopped, detail(record({ id: 3, status: 'interrupted', totalSteps: 300 }), [50, 120]));
  assert.equal(stopped.progress.step, 120);

  // Export needs weights: known from the history's checkpoints or from a live checkpoint event.
  assert.equal(stopped.hasCheckpoint, false);
  const saved = createAggregate(4);
  mergeHistory(saved, {
    ...detail(record({ id: 4, status: 'failed' }), [10]),
    checkpoints: [{ step: 10, epoch: 1, atEpochEnd: true, best: false }],
  });
  assert.equal(saved.hasCheckpoint, true);
  applyEvent(stopped, { type: 'checkpoint', runId: 3, epoch: 1, step: 120 });
  assert.equal(stopped.hasCheckpoint, true);
});

test('after missed events (a reconnect), a reset aggregate takes the whole history again, with no gap', () => {
  const agg = createAggregate(5);
  mergeHistory(agg, detail(record({ id: 5, status: 'running' }), [1, 2]));
  // Live steps 3 and 4 arrive; 5 to 7 are lost while the socket is down; 8 arrives after.
  for (const s of [3, 4, 8]) applyEvent(agg, stepEvent(5, s, 100 - s));
  assert.deepEqual(
    agg.steps.map((p) => p.step),
    [1, 2, 3, 4, 8],
    'the gap a merge alone cannot fill',
  );
  const generation = agg.generation;
  resetAggregate(agg);
  assert.equal(agg.historyLoaded, false);
  assert.equal(agg.steps.length, 0);
  assert.ok(agg.generation > generation, 'charts rebuild instead of appending');
  mergeHistory(agg, detail(record({ id: 5, status: 'running' }), [1, 2, 3, 4, 5, 6, 7, 8]));
  assert.deepEqual(
    agg.steps.map((p) => p.step),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  assert.ok(agg.historyLoaded);
});

test('loss series: incremental appends, restart on truncation or option change, log scale drops non-positive values', () => {
  const agg = createAggregate(1);
  const series = new LossSeries();
  for (let s = 1; s <= 3; s++) applyEvent(agg, stepEvent(1, s, 10 * s));
  assert.ok(series.update(agg, { smoothing: 0, logScale: false }));
  const first = series.raw.total;
  assert.deepEqual(
    first.map((p) => [p.x, p.y]),
    [
      [1, 10],
      [2, 20],
      [3, 30],
    ],
  );
  assert.equal(series.smoothed.total.length, 0, 'no smoothed curve without smoothing');
  applyEvent(agg, stepEvent(1, 4, 40));
  series.update(agg, { smoothing: 0, logScale: false });
  assert.equal(series.raw.total, first, 'new points are appended to the same array');
  assert.equal(series.pointCount, 4);
  assert.equal(series.update(agg, { smoothing: 0, logScale: false }), false, 'nothing new, nothing changed');

  series.update(agg, { smoothing: 0.5, logScale: false });
  assert.notEqual(series.raw.total, first, 'an option change rebuilds');
  assert.deepEqual(
    series.smoothed.total.map((p) => p.y),
    emaSmooth([10, 20, 30, 40], 0.5),
  );

  applyEvent(agg, {
    type: 'step',
    runId: 1,
    epoch: 1,
    step: 5,
    totalSteps: 100,
    loss: { recon: 1, kl: 0, total: NaN },
    imagesPerSec: 1,
    etaSeconds: 1,
    wallMs: 1,
  });
  series.update(agg, { smoothing: 0, logScale: true });
  assert.equal(series.raw.total.length, 4, 'NaN is never plotted');
  assert.equal(series.raw.kl.length, 4, 'a zero KL has no place on a log axis');
  assert.equal(series.raw.recon.length, 5);

  applyEvent(agg, stepEvent(1, 2, 5));
  series.update(agg, { smoothing: 0, logScale: true });
  assert.deepEqual(
    series.raw.total.map((p) => p.x),
    [1, 2],
    'a replayed step rebuilds from the truncated history',
  );

  applyEvent(agg, { type: 'epoch', runId: 1, metric: epochMetric(1, 2, 33) });
  applyEvent(agg, { type: 'epoch', runId: 1, metric: epochMetric(2, 4, null) });
  assert.ok(series.update(agg, { smoothing: 0, logScale: true }));
  assert.deepEqual(series.heldOut.total, [{ x: 2, y: 33 }], 'epochs without a held-out set add no point');
});

test('loss series keeps up with 100,000 steps appended in batches: each value is smoothed once, no array rebuilt', (t) => {
  // Counted, not timed: a chart that rebuilt or re-smoothed its history on every batch would make
  // ~150 million EMA steps here instead of 300,000.
  // (Counted by hand: node:test's mock.method records every call's arguments, which is slow here.)
  // eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called with an instance's `this`, below
  const next = Ema.prototype.next;
  let emaSteps = 0;
  Ema.prototype.next = function (this: Ema, x: number) {
    emaSteps++;
    return next.call(this, x);
  };
  t.after(() => {
    Ema.prototype.next = next;
  });
  const agg = createAggregate(1);
  const steps = agg.steps;
  const series = new LossSeries();
  series.update(agg, { smoothing: 0.9, logScale: false });
  const raw = series.raw.total;
  const smoothed = series.smoothed.total;
  for (let batch = 0; batch < 1000; batch++) {
    for (let i = 1; i <= 100; i++) applyEvent(agg, stepEvent(1, batch * 100 + i, 100 + Math.sin(i)));
    series.update(agg, { smoothing: 0.9, logScale: false });
  }
  assert.equal(series.pointCount, 100_000);
  assert.equal(emaSteps, 3 * 100_000, 'one EMA step per logged value and loss part');
  assert.equal(agg.steps, steps, 'the aggregate appends to its history rather than copying it');
  assert.equal(series.raw.total, raw, 'the chart appends to its points rather than rebuilding them');
  assert.equal(series.smoothed.total, smoothed);
});

test('runs table: sort by any column with missing values last, filter by name, preset, tag and status', () => {
  const a = record({ id: 1, name: 'Alpha', preset: 'quick', finalHeldOut: loss(120), createdAt: 3, tags: ['baseline'] });
  const b = record({ id: 2, name: 'beta', preset: 'seed-notebook', finalHeldOut: loss(100), createdAt: 2, status: 'failed' });
  const c = record({
    id: 3,
    name: 'Gamma',
    preset: 'quick',
    finalHeldOut: null,
    createdAt: 1,
    status: 'running',
    finishedAt: null,
  });
  const runs = [a, b, c];
  assert.deepEqual(
    sortByColumn(runs, 'heldOut.total', 'asc').map((r) => r.id),
    [2, 1, 3],
  );
  assert.deepEqual(
    sortByColumn(runs, 'heldOut.total', 'desc').map((r) => r.id),
    [1, 2, 3],
    'a run without a loss stays last',
  );
  assert.deepEqual(
    sortByColumn(runs, 'name', 'asc').map((r) => r.name),
    ['Alpha', 'beta', 'Gamma'],
    'names sort without regard to case',
  );
  assert.deepEqual(
    sortByColumn(runs, 'created', 'desc').map((r) => r.id),
    [1, 2, 3],
  );
  const withLr = [record({ id: 4, config: { ...quick, optim: { ...quick.optim, learningRate: 0.1 } } }), record({ id: 5 })];
  assert.deepEqual(
    sortByColumn(withLr, 'optim.learningRate', 'desc').map((r) => r.id),
    [4, 5],
  );

  assert.deepEqual(
    filterRuns(runs, 'notebook').runs.map((r) => r.id),
    [2],
  );
  assert.deepEqual(
    filterRuns(runs, 'BASELINE').runs.map((r) => r.id),
    [1],
  );
  assert.deepEqual(
    filterRuns(runs, 'quick status:running').runs.map((r) => r.id),
    [3],
    'every term must match',
  );
  assert.equal(filterRuns(runs, '  ').runs.length, 3);

  assert.equal(runDuration(a, 99_000), 10_000);
  assert.equal(runDuration(c, 7_000), 5_000, 'a live run counts up to now');
  assert.equal(runDuration(record({ startedAt: null }), 1), null);
  assert.equal(architecture(quick), 'mlp 256 → mlp 256');
  assert.equal(architecture(findPreset('seed-notebook')!.config), 'seed-conv → seed');
  assert.deepEqual(parseTags(' a, b c ,, a '), ['a', 'b c']);
});

test('config form: text parses to values that validation explains, values format back to text', () => {
  const epochs = fieldSpec('optim.epochs')!;
  const hidden = fieldSpec('model.encoderHidden')!;
  assert.equal(parseFieldInput(epochs, ' 12 '), 12);
  assert.ok(Number.isNaN(parseFieldInput(epochs, '')));
  assert.deepEqual(parseFieldInput(hidden, '512, 256'), [512, 256]);
  assert.deepEqual(parseFieldInput(hidden, '512 256'), [512, 256]);
  assert.equal(parseFieldInput(hidden, '512, x'), '512, x', 'unparseable text is kept for validation to flag');
  // Decimal only, as --set: hex, binary and overflowing exponents are typos, not 16, 1 or Infinity.
  for (const typo of ['0x10', '0b1', '1e400', 'Infinity']) assert.ok(Number.isNaN(parseFieldInput(epochs, typo)), typo);
  assert.equal(parseFieldInput(hidden, '0x10, 4'), '0x10, 4');
  assert.equal(parseFieldInput(fieldSpec('optim.learningRate')!, '1e-3'), 0.001);
  assert.equal(formatFieldValue(hidden, [1, 2]), '1, 2');
  assert.equal(formatFieldValue(epochs, NaN), '');

  const bad = validateConfig({
    ...quick,
    optim: { ...quick.optim, epochs: 0 },
    model: { ...quick.model, encoderHidden: '512, x' },
  });
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    const errors = errorsByField(bad.error.fields);
    assert.match(errors['optim.epochs']!, /at least 1/);
    assert.match(errors['model.encoderHidden']!, /list of whole numbers/);
    assert.deepEqual(fieldErrorsOf(bad.error).length, 2);
  }
  assert.deepEqual(fieldErrorsOf({ code: 'bad-data', message: 'no file', field: 'data.path' }), [
    { field: 'data.path', message: 'no file' },
  ]);
  assert.deepEqual(fieldErrorsOf({ code: 'internal', message: 'boom' }), []);

  const dataFields = (source: string) =>
    visibleFields('data', { ...quick, data: { ...quick.data, source: source as 'csv' } }).map((f) => f.path);
  assert.ok(!dataFields('builtin-mnist').includes('data.path'));
  assert.ok(dataFields('csv').includes('data.path'));
  assert.ok(!dataFields('csv').includes('data.labelsPath'));
  assert.ok(dataFields('idx').includes('data.labelsPath'));
});

test('planned split follows the loader: label filter, then limit, then held-out share', () => {
  const summary = {
    name: 'm',
    fingerprint: 'f',
    count: 100,
    height: 28,
    width: 28,
    labelCounts: [30, 50, 20],
    binary: false,
    test: null,
    testCandidate: null,
  };
  const data = { ...quick.data, source: 'csv' as const, path: 'm.csv' };
  const config = (d: Partial<DataConfig>, optim: Partial<ExperimentConfig['optim']> = {}): ExperimentConfig => ({
    ...quick,
    data: { ...data, ...d },
    optim: { ...quick.optim, ...optim },
  });
  const heldOut = (train: number, held: number) => ({
    used: train + held,
    train,
    heldOut: held,
    validation: 0,
    evaluation: 'held-out',
  });
  assert.deepEqual(plannedSplit(summary, config({ labels: [], limit: 0, heldOutFraction: 0.1 })), heldOut(90, 10));
  assert.deepEqual(plannedSplit(summary, config({ labels: [1, 2], limit: 0, heldOutFraction: 0.1 })), heldOut(63, 7));
  assert.deepEqual(plannedSplit(summary, config({ labels: [], limit: 40, heldOutFraction: 0.25 })), heldOut(30, 10));
  assert.deepEqual(plannedSplit(summary, config({ labels: [], limit: 5, heldOutFraction: 0.01 })), heldOut(4, 1));

  // With a test split: all of both, or under a limit the held-out share of it taken from the test split.
  const withTest = { ...summary, test: { name: 't', count: 20, labelCounts: [5, 10, 5] } };
  const test = (train: number, held: number) => ({ used: train + held, train, heldOut: held, validation: 0, evaluation: 'test' });
  assert.deepEqual(plannedSplit(withTest, config({ labels: [], limit: 0, heldOutFraction: 0.1 })), test(100, 20));
  assert.deepEqual(plannedSplit(withTest, config({ labels: [1], limit: 0, heldOutFraction: 0.1 })), test(50, 10));
  assert.deepEqual(plannedSplit(withTest, config({ labels: [], limit: 40, heldOutFraction: 0.25 })), test(30, 10));
  assert.deepEqual(plannedSplit(withTest, config({ labels: [], limit: 200, heldOutFraction: 0.5 })), test(100, 20));

  // Early stopping or reduce-on-plateau with a test split: the validation share comes out of training.
  const stopping = { earlyStopPatience: 2 };
  assert.deepEqual(
    plannedSplit(withTest, config({ testPath: 't.csv', labels: [], limit: 0, validationFraction: 0.1 }, stopping)),
    {
      used: 120,
      train: 90,
      heldOut: 20,
      validation: 10,
      evaluation: 'test',
    },
  );
  const limited = config(
    { testPath: 't.csv', labels: [], limit: 40, heldOutFraction: 0.25, validationFraction: 0.2 },
    { lrSchedule: 'plateau' },
  );
  assert.deepEqual(plannedSplit(withTest, limited), { used: 40, train: 24, heldOut: 10, validation: 6, evaluation: 'test' });
  // Without a test split they watch the held-out share: nothing more is kept out.
  assert.deepEqual(plannedSplit(summary, config({ labels: [], limit: 0, validationFraction: 0.1 }, stopping)), heldOut(90, 10));
});

test('the form says what a run evaluates on, and warns of a Bernoulli likelihood on grey pixels', () => {
  assert.match(evaluationText(quick.data), /standard test split/);
  const csv = { ...quick.data, source: 'csv' as const, path: 'a.csv' };
  assert.match(evaluationText(csv), /No test split: evaluated on a held-out 10% of the training images/);
  assert.match(evaluationText({ ...csv, testPath: 'b.csv' }), /test file/);
  assert.match(evaluationText({ ...csv, heldOutFraction: 0 }), /no evaluation/);
  assert.equal(evaluationLabel(quick.data), 'MNIST test split');
  assert.equal(evaluationLabel(csv), 'Held-out 10% of training');
  assert.equal(watchedText(quick), null);
  const stopping = { ...quick, optim: { ...quick.optim, earlyStopPatience: 3 } };
  assert.match(watchedText(stopping) ?? '', /validation share \(10% of the training images\), never the test split/);
  assert.equal(watchedText({ ...stopping, data: csv }), null);

  assert.match(bernoulliWarning(quick.data, 'bernoulli', null) ?? '', /not a normalised log-likelihood/);
  assert.equal(bernoulliWarning({ ...quick.data, binarization: 'dynamic' }, 'bernoulli', null), null);
  assert.equal(bernoulliWarning(quick.data, 'gaussian', null), null);
  // A file: only once a check has shown grey pixels; binary files need no binarizing.
  assert.equal(bernoulliWarning(csv, 'bernoulli', null), null);
  assert.equal(bernoulliWarning(csv, 'bernoulli', true), null);
  assert.notEqual(bernoulliWarning(csv, 'bernoulli', false), null);
  // Colour values are not probabilities of binary pixels: warned before any check, pointing to Gaussian.
  const colour = { ...quick.data, source: 'folder' as const, path: 'photos', channels: 3 };
  assert.match(
    bernoulliWarning(colour, 'bernoulli', null) ?? '',
    /colour pixels: each red, green and blue value in \[0, 1\].*Gaussian/,
  );
  assert.equal(bernoulliWarning(colour, 'gaussian', null), null);
  assert.equal(bernoulliWarning(colour, 'bernoulli', true), null);
  assert.match(bernoulliWarning({ ...colour, channels: 1 }, 'bernoulli', false) ?? '', /grey pixels/);
  // Channels read as words wherever a setting is shown (the form offers the same two as a select).
  assert.equal(settingText({ ...quick, data: colour }, 'data.channels'), 'Colour (RGB)');
  assert.equal(settingText(quick, 'data.channels'), 'Greyscale');
  // A run stored before binarization existed reads as none.
  const { binarization: _, ...old } = quick.data;
  assert.notEqual(bernoulliWarning(old as typeof quick.data, 'bernoulli', null), null);
});

test('routes round-trip through the address hash; anything unknown opens the form', () => {
  assert.deepEqual(parseRoute('#/runs/12'), { view: 'run', runId: 12 });
  assert.deepEqual(parseRoute('#/runs'), { view: 'runs' });
  assert.deepEqual(parseRoute(''), { view: 'new' });
  assert.deepEqual(parseRoute('#/runs/abc'), { view: 'new' });
  assert.deepEqual(parseRoute('#/runs/7/latent'), { view: 'latent', runId: 7 });
  assert.deepEqual(parseRoute('#/runs/7/other'), { view: 'new' });
  assert.deepEqual(parseRoute('#/compare/3,5,3,9'), { view: 'compare', runIds: [3, 5, 9] });
  const many = Array.from({ length: 1200 }, (_, i) => i + 1);
  assert.deepEqual(
    parseRoute(`#/compare/${many.join(',')}`),
    { view: 'compare', runIds: many.slice(0, 1000) },
    'at most 1,000 ids',
  );
  assert.deepEqual(parseRoute('#/compare/1,2?group=model.latentDim,loss.beta'), {
    view: 'compare',
    runIds: [1, 2],
    groupBy: ['model.latentDim', 'loss.beta'],
  });
  assert.deepEqual(parseRoute('#/compare/1,2?group=<script>'), { view: 'compare', runIds: [1, 2] }, 'a bad group key is dropped');
  assert.deepEqual(parseRoute('#/sweeps/x'), { view: 'new' });
  assert.deepEqual(parseRoute('#/compare/1,x'), { view: 'compare', runIds: [] });
  const all: Route[] = [
    { view: 'new' },
    { view: 'runs' },
    { view: 'run', runId: 3 },
    { view: 'latent', runId: 4 },
    { view: 'compare', runIds: [2, 8] },
    { view: 'compare', runIds: [] },
    { view: 'compare', runIds: [3, 4, 5], groupBy: ['loss.beta'] },
    { view: 'sweeps' },
    { view: 'sweep', sweepId: 7 },
  ];
  for (const r of all) assert.deepEqual(parseRoute(routeHash(r)), r);
});

test('formatting: losses, learning rates, durations', () => {
  assert.equal(formatLoss(123.456), '123.46');
  assert.equal(formatLoss(null), '—');
  assert.equal(formatLoss(NaN), 'NaN');
  assert.equal(formatNumber(0.001), '1e-3');
  assert.equal(formatNumber(0.003 * 1.0000000000000002), '3e-3');
  assert.equal(formatNumber(0.1), '0.1');
  assert.equal(formatDuration(65_000), '1:05');
  assert.equal(formatDuration(3_725_000), '1:02:05');
  assert.equal(formatDuration(null), '—');
});
