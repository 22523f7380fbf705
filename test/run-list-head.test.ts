// The Runs table's first screenful (listRunsHead, src/shared/run-list-head.ts): the rows the table
// would show first, in its own sort and filter, and the counts; and its arguments are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateArgs } from '../src/shared/contract-validate.ts';
import { filterRuns } from '../src/shared/run-query.ts';
import { MAX_HEAD_ROWS, runListHead, type RunListHeadArgs } from '../src/shared/run-list-head.ts';
import { sortByColumn } from '../src/shared/run-sort.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { runRecord } from './run-record.ts';

const quick = findPreset('quick')!.config;

/** 40 runs: latent sizes, β and losses spread so that every sort below reorders them. */
function manyRuns(): RunRecord[] {
  return Array.from({ length: 40 }, (_, i) => {
    const latentDim = [2, 8, 16, 32][i % 4]!;
    const beta = [0.5, 1, 4][i % 3]!;
    const total = 100 + ((i * 37) % 40);
    return runRecord({
      id: i + 1,
      name: `z${latentDim} β${beta} #${i}`,
      createdAt: 1_000 + i * 10,
      config: { ...quick, model: { ...quick.model, latentDim }, loss: { ...quick.loss, beta } },
      // Every seventh run has no held-out loss yet: missing values go last whichever way.
      finalHeldOut: i % 7 === 3 ? null : { recon: total - 10, kl: 10, total },
    });
  }).reverse();
}

test('the head is the first rows of the table in its sort and filter, with the counts', () => {
  const runs = manyRuns();
  const cases: RunListHeadArgs[] = [
    { sort: { key: 'created', direction: 'desc' }, query: '', count: 12 },
    { sort: { key: 'heldOut.total', direction: 'asc' }, query: '', count: 12 },
    { sort: { key: 'heldOut.total', direction: 'desc' }, query: 'latent>=8', count: 5 },
    { sort: { key: 'model.latentDim', direction: 'asc' }, query: 'beta=4', count: 50 },
    { sort: { key: 'name', direction: 'asc' }, query: 'name~z16', count: 3 },
  ];
  for (const args of cases) {
    const table = sortByColumn(filterRuns(runs, args.query).runs, args.sort.key, args.sort.direction, 0);
    const got = runListHead(runs, args, 0);
    const what = JSON.stringify(args);
    assert.deepEqual(
      got.head.map((r) => r.id),
      table.slice(0, args.count).map((r) => r.id),
      what,
    );
    assert.equal(got.matched, table.length, what);
    assert.equal(got.total, 40, what);
    assert.ok(got.head.length <= args.count, what);
  }
  // The cases above differ: a head that ignored the sort or filter would fail at least one.
  const firsts = new Set(cases.map((args) => runListHead(runs, args, 0).head[0]?.id));
  assert.ok(firsts.size >= 4, `first rows ${[...firsts].join(', ')}`);
});

test('a query with an error filters nothing, as in the table; an earlier order is reused as given', () => {
  const runs = manyRuns();
  const bad = runListHead(runs, { sort: { key: 'created', direction: 'desc' }, query: 'beta>>1', count: 5 }, 0);
  assert.equal(bad.matched, 40);
  const args: RunListHeadArgs = { sort: { key: 'created', direction: 'asc' }, query: '', count: 3 };
  const first = runListHead(runs, args, 0);
  const again = runListHead(runs, args, 0, first.sorted);
  assert.equal(again.sorted, first.sorted, 'the order passed in is used, not worked out again');
  assert.deepEqual(
    again.head.map((r) => r.id),
    [1, 2, 3],
  );
});

test('listRunsHead arguments are checked, naming the field', () => {
  const ok: RunListHeadArgs = { sort: { key: 'created', direction: 'desc' }, query: '', count: 30 };
  assert.equal(validateArgs('listRunsHead', ok).ok, true);
  const refused: [unknown, string | undefined][] = [
    [undefined, undefined],
    [{ ...ok, count: 0 }, 'count'],
    [{ ...ok, count: MAX_HEAD_ROWS + 1 }, 'count'],
    [{ ...ok, count: 2.5 }, 'count'],
    [{ ...ok, query: 3 }, 'query'],
    [{ ...ok, query: 'x'.repeat(5000) }, 'query'],
    [{ ...ok, sort: { key: 'created', direction: 'up' } }, 'sort.direction'],
    [{ ...ok, sort: { key: 7, direction: 'asc' } }, 'sort.key'],
    [{ ...ok, sort: { key: 'created', direction: 'asc', extra: 1 } }, 'sort.extra'],
    [{ ...ok, sort: 'created' }, 'sort'],
    [{ ...ok, more: true }, 'more'],
  ];
  for (const [args, field] of refused) {
    const r = validateArgs('listRunsHead', args);
    assert.equal(r.ok, false, JSON.stringify(args)?.slice(0, 80));
    if (!r.ok) assert.equal(r.error.field, field, JSON.stringify(args)?.slice(0, 80));
  }
});
