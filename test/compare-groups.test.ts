// Compare's grouped view without a DOM: a group's mean curve and its spread, computed by hand here
// (sample standard deviation, n − 1), on runs that log at different steps and stop at different
// points; the band's edges; the grouped results (mean ± std (n), best mean marked) and settings
// tables; colours beyond the palette; and the picker of runs for the image panels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { groupRuns } from '../src/shared/run-groups.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { presetConfig } from './helpers.ts';
import { assignSlots, PALETTE_SIZE } from '../src/renderer/src/lib/compare/colors.ts';
import { bandEdges, commonGrid, groupSeries, valueAt } from '../src/renderer/src/lib/compare/group-series.ts';
import { groupHyperparamRows, groupMetricRows, meanText } from '../src/renderer/src/lib/compare/group-tables.ts';
import { hyperparamRows } from '../src/renderer/src/lib/compare/hyperparams.ts';
import { KeyedLoader, type LoadRequest } from '../src/renderer/src/lib/compare/keyed-loader.ts';
import type { CompareGroup, CompareRun } from '../src/renderer/src/lib/compare/compare-run.ts';
import { historyPoints, imagePages } from '../src/renderer/src/lib/compare/image-runs.ts';
import { ok, type Result } from '../src/shared/result.ts';
import { runRecord } from './run-record.ts';

function record(id: number, config: ExperimentConfig, overrides: Partial<RunRecord> = {}): RunRecord {
  return runRecord({ id, config, createdAt: 0, startedAt: 1_000, finishedAt: 61_000, totalSteps: 0, ...overrides });
}

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} is not ${expected}`);

// Three runs: A logs every 10 steps to 20, B every 10 to 10 (it stopped early), C at 5 and 15.
const A = [
  { x: 0, y: 2 },
  { x: 10, y: 4 },
  { x: 20, y: 6 },
];
const B = [
  { x: 0, y: 4 },
  { x: 10, y: 8 },
];
const C = [
  { x: 5, y: 1 },
  { x: 15, y: 3 },
];

test('valueAt: linear between logged points, exact on them, nothing outside the run', () => {
  assert.equal(valueAt(A, 10), 4);
  assert.equal(valueAt(A, 5), 3);
  assert.equal(valueAt(A, 17.5), 5.5);
  assert.equal(valueAt(A, 20), 6);
  assert.equal(valueAt(A, 21), null);
  assert.equal(valueAt(C, 4), null);
  assert.equal(valueAt([], 0), null);
});

test('groupSeries: mean and sample std by hand, over the runs that reached each x', () => {
  const band = groupSeries([A, B, C]);
  assert.deepEqual(
    band.map((p) => [p.x, p.n]),
    [
      [0, 2],
      [5, 3],
      [10, 3],
      [15, 2],
      [20, 1],
    ],
    'every logged x, each with the runs covering it',
  );
  const [p0, p5, p10, p15, p20] = band;
  // x = 0: A 2, B 4 (C starts at 5). Mean 3; squared deviations 1 + 1 over n − 1 = 1: std √2.
  close(p0!.mean, 3, 'mean at 0');
  close(p0!.std, Math.SQRT2, 'std at 0');
  // x = 5: A 3 (between 2 and 4), B 6 (between 4 and 8), C 1. Mean 10/3; deviations −1/3, 8/3,
  // −7/3; squares 1/9 + 64/9 + 49/9 = 114/9, over 2: 57/9.
  close(p5!.mean, 10 / 3, 'mean at 5');
  close(p5!.std, Math.sqrt(57 / 9), 'std at 5');
  assert.deepEqual([p5!.min, p5!.max], [1, 6]);
  // x = 10: A 4, B 8, C 2 (between 1 and 3). Mean 14/3; squares 4/9 + 100/9 + 64/9 = 168/9, over 2.
  close(p10!.mean, 14 / 3, 'mean at 10');
  close(p10!.std, Math.sqrt(84 / 9), 'std at 10');
  // x = 15: B has ended; A 5, C 3.
  close(p15!.mean, 4, 'mean at 15');
  close(p15!.std, Math.SQRT2, 'std at 15');
  // x = 20: only A; one run has no spread.
  assert.equal(p20!.mean, 6);
  assert.ok(Number.isNaN(p20!.std));
});

test('commonGrid: the logged xs when few, an even grid over the whole range when many', () => {
  assert.deepEqual(commonGrid([A, B, C]), [0, 5, 10, 15, 20]);
  const long = Array.from({ length: 1000 }, (_, i) => ({ x: i * 3, y: i }));
  const grid = commonGrid([long, [{ x: 1, y: 0 }]], 5);
  assert.deepEqual(grid, [0, 749.25, 1498.5, 2247.75, 2997]);
  const band = groupSeries([long], 5);
  assert.equal(band.length, 5);
  close(band[1]!.mean, 249.75, 'interpolated between logged points on the binned grid');
});

test('bandEdges: ± std, min–max, a lone run closes the band, a log axis never goes below zero', () => {
  const p = { x: 0, mean: 3, std: 2, min: 0.5, max: 6, n: 3 };
  assert.deepEqual(bandEdges(p, 'std'), { lo: 1, hi: 5 });
  assert.deepEqual(bandEdges(p, 'minmax'), { lo: 0.5, hi: 6 });
  assert.deepEqual(bandEdges({ ...p, std: Number.NaN, n: 1 }, 'std'), { lo: 3, hi: 3 });
  assert.deepEqual(bandEdges({ ...p, std: 4 }, 'std', true), { lo: 0.5, hi: 7 });
  assert.deepEqual(bandEdges({ ...p, std: 4 }, 'std', false), { lo: -1, hi: 7 });
});

test('grouped results: mean ± sample std with n, the best mean marked, runs without a value counted out', () => {
  const cfg = presetConfig('quick');
  const loss = (total: number) => ({ total, recon: total - 1, kl: 1 });
  const runs = [
    record(1, cfg, { finalHeldOut: loss(100), imagesPerSec: 10 }),
    record(2, cfg, { finalHeldOut: loss(104), imagesPerSec: 30 }),
    record(3, cfg, { finalHeldOut: loss(90) }),
    record(4, cfg, { finalHeldOut: null }),
  ];
  const rows = groupMetricRows([{ runs: runs.slice(0, 2) }, { runs: runs.slice(2) }]);
  const total = rows.find((r) => r.key === 'heldOut.total')!;
  // Group 1: 100 and 104, mean 102, std √((4 + 4) / 1) = 2.83. Group 2: only run 3 has a value.
  assert.deepEqual(
    total.cells.map((c) => [c.text, c.note, c.best]),
    [
      ['102.00 ± 2.83', 'n = 2', false],
      ['90.00', 'n = 1 of 2', true],
    ],
  );
  const kl = rows.find((r) => r.key === 'heldOut.kl')!;
  assert.ok(
    kl.cells.every((c) => !c.best),
    'KL has no better direction',
  );
  const speed = rows.find((r) => r.key === 'imagesPerSec')!;
  assert.equal(speed.cells[0]!.text, '20 ± 14.1 img/s');
  assert.equal(speed.cells[1]!.text, '—');
  assert.equal(meanText(null, String), '—');
});

test('grouped settings: one value per group, mixed values listed or counted, "differs" as among the runs', () => {
  const cfg = (latentDim: number, seed: number) =>
    presetConfig('quick', { 'model.latentDim': latentDim, 'run.seed': seed, 'run.name': `z${latentDim} s${seed}` });
  const configs = [cfg(2, 1), cfg(2, 2), cfg(8, 1), cfg(8, 2), cfg(8, 3), cfg(8, 4)];
  const runs = configs.map((c, i) => record(i + 1, c));
  const groups = groupRuns(runs, ['model.latentDim']);
  assert.deepEqual(
    groups.map((g) => [g.label, g.runs.length]),
    [
      ['Latent size 2', 2],
      ['Latent size 8', 4],
    ],
  );
  const members = groups.map((g) => g.runs.map((r) => runs.indexOf(r)));
  const rows = groupHyperparamRows(hyperparamRows(configs), members);
  const latent = rows.find((r) => r.path === 'model.latentDim')!;
  assert.deepEqual(latent.values, ['2', '8']);
  const seed = rows.find((r) => r.path === 'run.seed')!;
  assert.deepEqual(seed.values, ['1, 2', '4 values']);
  assert.ok(seed.differs);
  assert.ok(!rows.find((r) => r.path === 'optim.batchSize')!.differs);
});

test('colours: ten, then reused in turn, so fifty runs do not all share one', () => {
  const ids = Array.from({ length: 50 }, (_, i) => i + 1);
  const slots = assignSlots(ids);
  assert.equal(new Set(slots.values()).size, PALETTE_SIZE);
  assert.deepEqual(
    ids.slice(0, 12).map((id) => slots.get(id)),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1],
  );
});

test('loader: at most `concurrency` requests in flight, every run loaded, a run gone before its turn never asked', async () => {
  const loader = new KeyedLoader<number>(3);
  let inFlight = 0;
  let most = 0;
  const asked: number[] = [];
  const pending: (() => void)[] = [];
  const request = (id: number): LoadRequest<number> => ({
    key: 'k',
    load: () => {
      asked.push(id);
      inFlight++;
      most = Math.max(most, inFlight);
      return new Promise<Result<number>>((resolve) =>
        pending.push(() => {
          inFlight--;
          resolve(ok(id * 10));
        }),
      );
    },
  });
  const ids = Array.from({ length: 10 }, (_, i) => i + 1);
  const done = loader.sync(new Map(ids.map((id) => [id, request(id)])));
  // Run 10 leaves the comparison while it still waits for a slot.
  void loader.sync(new Map(ids.slice(0, 9).map((id) => [id, request(id)])));
  while (asked.length < 9 || pending.length > 0) {
    await new Promise((r) => setImmediate(r));
    pending.shift()?.();
  }
  await done;
  assert.equal(most, 3);
  assert.deepEqual(asked, ids.slice(0, 9));
  assert.deepEqual(
    ids.slice(0, 9).map((id) => loader.value(id)),
    ids.slice(0, 9).map((id) => id * 10),
  );
  assert.equal(loader.value(10), null);
});

test('image panels: a page of six runs at a time, or one run per group; the history budget shared by many runs', () => {
  const cfg = presetConfig('quick');
  const runs: CompareRun[] = Array.from({ length: 14 }, (_, i) => ({
    id: i + 1,
    run: record(i + 1, cfg),
    slot: i % PALETTE_SIZE,
    detail: { state: 'loading' },
  }));
  const pages = imagePages(runs, null);
  assert.deepEqual(
    pages.map((p) => [p.label, p.runs.map((r) => r.id)]),
    [
      ['Runs 1–6 of 14', [1, 2, 3, 4, 5, 6]],
      ['Runs 7–12 of 14', [7, 8, 9, 10, 11, 12]],
      ['Runs 13–14 of 14', [13, 14]],
    ],
  );
  assert.deepEqual(
    imagePages(runs.slice(0, 3), null).map((p) => p.label),
    ['All 3 runs'],
  );
  const groups: CompareGroup[] = [
    { id: 'a', label: 'A', slot: 0, runs: runs.slice(0, 5) },
    { id: 'b', label: 'B', slot: 1, runs: runs.slice(5, 14) },
  ];
  assert.deepEqual(
    imagePages(runs, groups).map((p) => [p.label, p.runs.map((r) => r.id)]),
    [['All 2 groups', [1, 6]]],
  );
  assert.equal(historyPoints(3), 2000);
  assert.equal(historyPoints(50), 800);
  assert.equal(historyPoints(1000), 150);
});
