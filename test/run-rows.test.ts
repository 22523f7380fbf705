// The Runs table's logic without a DOM: the virtual window, the row model (groups, expansion,
// ordering), group statistics as text, column sorting, the remembered layout read back from
// storage, and shift-click ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPreset } from '../src/shared/presets.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { DEFAULT_COLUMNS, formatValue, sortByColumn } from '../src/renderer/src/lib/run-columns.ts';
import { buildRows, listedRunIds, meanStd, summaryTitle } from '../src/renderer/src/lib/run-rows.ts';
import { scrollToShow, visibleRange, windowCapacity } from '../src/renderer/src/lib/virtual-window.ts';
import { validatePrefs } from '../src/renderer/src/lib/runs-table-layout.ts';
import { selection } from '../src/renderer/src/lib/stores/selection.svelte.ts';
import { runRecord } from './run-record.ts';

const quick = findPreset('quick')!.config;

function run(id: number, latent: number, seed: number, total: number | null): RunRecord {
  return runRecord({
    id,
    config: { ...quick, model: { ...quick.model, latentDim: latent }, run: { ...quick.run, seed } },
    backend: 'cpu',
    createdAt: id * 1000,
    startedAt: id * 1000,
    finishedAt: id * 1000 + 5000,
    step: 10,
    epoch: 1,
    totalSteps: 10,
    finalHeldOut: total === null ? null : { recon: total - 5, kl: 5, total },
    imagesPerSec: 100,
  });
}

test('the window holds the rows in view plus the overscan, clamped to the list', () => {
  assert.deepEqual(visibleRange(0, 340, 34, 10_000, 5), { start: 0, end: 15 });
  assert.deepEqual(visibleRange(34 * 100, 340, 34, 10_000, 5), { start: 95, end: 115 });
  assert.deepEqual(visibleRange(34 * 9_995, 340, 34, 10_000, 5), { start: 9_990, end: 10_000 });
  assert.deepEqual(visibleRange(0, 340, 34, 0), { start: 0, end: 0 });
  assert.equal(scrollToShow(3, 0, 340, 34), null, 'a row in view needs no scrolling');
  assert.equal(scrollToShow(20, 0, 340, 34), 21 * 34 - 340, 'a row below is brought up to the bottom edge');
  assert.equal(scrollToShow(2, 200, 340, 34), 68, 'a row above is brought to the top edge');
});

test('ungrouped rows are the runs in order; grouped rows list a group and, expanded, its runs', () => {
  const runs = [run(1, 2, 1, 120), run(2, 2, 2, 124), run(3, 8, 1, 100), run(4, 8, 2, null)];
  const sort = { key: 'created', direction: 'desc' as const };
  assert.deepEqual(
    buildRows(runs, [], new Set(), sort).map((r) => r.id),
    ['r1', 'r2', 'r3', 'r4'],
  );
  const collapsed = buildRows(runs, ['model.latentDim'], new Set(), sort);
  assert.deepEqual(
    collapsed.map((r) => r.kind),
    ['group', 'group'],
  );
  const first = collapsed[0]!;
  assert.ok(first.kind === 'group');
  const open = buildRows(runs, ['model.latentDim'], new Set([first.group.id]), sort);
  assert.deepEqual(
    open.map((r) => r.id),
    [first.id, 'r1', 'r2', collapsed[1]!.id],
  );
  assert.deepEqual(listedRunIds(open), [1, 2], "a collapsed group's runs are not in the shift-click order");
  // Sorted by a metric, the group with the best mean comes first (z8: mean 100 of one run; z2: 122).
  const byLoss = buildRows(runs, ['model.latentDim'], new Set(), { key: 'heldOut.total', direction: 'asc' });
  const best = byLoss[0]!;
  assert.ok(best.kind === 'group' && best.group.values['model.latentDim'] === 8);
});

test('group statistics read as mean ± sample std, with min, max and best on hover', () => {
  const f = (v: number) => v.toFixed(2);
  const s = { n: 2, mean: 122, std: Math.SQRT2 * 2, min: 120, max: 124 };
  assert.equal(meanStd(s, f), '122.00 ± 2.83');
  assert.equal(meanStd({ ...s, n: 1, std: Number.NaN }, f), '122.00', 'one run has no spread');
  assert.equal(meanStd(null, f), '—');
  assert.match(summaryTitle('heldOut.total', s, f), /best 120\.00/, 'lower −ELBO is better');
  assert.match(summaryTitle('imagesPerSec', s, f), /best 124\.00/, 'higher throughput is better');
});

test('sorting by a column puts runs without a value last either way', () => {
  const runs = [run(1, 2, 1, 120), run(2, 2, 2, null), run(3, 8, 1, 100), run(4, 8, 2, Number.NaN)];
  assert.deepEqual(
    sortByColumn(runs, 'heldOut.total', 'asc').map((r) => r.id),
    [3, 1, 4, 2],
  );
  assert.deepEqual(
    sortByColumn(runs, 'heldOut.total', 'desc').map((r) => r.id),
    [1, 3, 4, 2],
  );
  assert.deepEqual(
    sortByColumn(runs, 'model.latentDim', 'desc').map((r) => r.id),
    [4, 3, 2, 1],
    'ties fall back to newest first',
  );
  assert.equal(formatValue('durationSec', 65), '1:05');
  assert.equal(formatValue('optim.learningRate', 0.001), '1e-3');
});

test('the remembered layout keeps what is valid and defaults the rest', () => {
  assert.deepEqual(validatePrefs(null), {
    columns: [...DEFAULT_COLUMNS],
    sort: { key: 'created', direction: 'desc' },
    groupBy: [],
  });
  assert.deepEqual(validatePrefs('junk').columns, [...DEFAULT_COLUMNS]);
  const read = validatePrefs({
    columns: ['loss.beta', 'no.such', 'heldOut.total', 'heldOut.kl', 'loss.beta', 'created'],
    sort: { key: 'heldOut.total', direction: 'asc' },
    groupBy: ['model.latentDim', 'heldOut.kl', 42],
  });
  assert.deepEqual(
    read.columns,
    ['loss.beta', 'heldOut.kl', 'created'],
    'unknown, repeated and the pinned key metric are dropped',
  );
  assert.deepEqual(read.sort, { key: 'heldOut.total', direction: 'asc' });
  assert.deepEqual(read.groupBy, [], 'a list with a non-string is not trusted');
  assert.deepEqual(
    validatePrefs({ groupBy: ['model.latentDim', 'heldOut.kl'] }).groupBy,
    ['model.latentDim'],
    'only settings group',
  );
  assert.deepEqual(validatePrefs({ sort: { key: 'loss.beta', direction: 'up' } }).sort, { key: 'created', direction: 'desc' });
});

test('shift-click selects the range from the last clicked run, in the listed order', () => {
  const order = [9, 7, 5, 3, 1];
  selection.replace([]);
  selection.click(7, true, false, order);
  selection.click(3, true, true, order);
  assert.deepEqual(selection.list.sort(), [3, 5, 7]);
  // Unticking with shift clears the range back to the previous click.
  selection.click(9, false, true, order);
  assert.deepEqual(selection.list, []);
  selection.click(1, true, false, order);
  assert.deepEqual(selection.list, [1], 'a plain click touches one run');
  selection.replace([]);
});

test('the window never holds more rows than the pool the table keeps (windowCapacity), wherever it is scrolled', () => {
  for (const viewport of [100, 573, 600, 1000]) {
    const capacity = windowCapacity(viewport, 34);
    let most = 0;
    for (let top = 0; top < 34 * 300; top += 7) {
      const r = visibleRange(top, viewport, 34, 10_000);
      most = Math.max(most, r.end - r.start);
    }
    // Reached, so the pool is no larger than it needs to be either.
    assert.equal(most, capacity, `viewport ${viewport}`);
  }
});
