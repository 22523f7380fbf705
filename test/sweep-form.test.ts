// The sweep mode of the New experiment form, without a DOM: axis text to values, the definition it
// builds, the live count and names, and each problem sorted back to the axis it is about. Also the
// sweep views' arithmetic (progress by status, the best run, the Compare address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldSpec, setPath } from '../src/shared/config.ts';
import { findPreset } from '../src/shared/presets.ts';
import { expandSweep, type SweepRecord } from '../src/shared/sweep.ts';
import type { RunRecord, RunStatus } from '../src/shared/training.ts';
import {
  axisFromDraft,
  baseOverrides,
  newAxis,
  parseAxisText,
  previewSweep,
  pruningSummary,
  sweepableFields,
  type AxisDraft,
  type SweepableField,
  type SweepFormState,
} from '../src/renderer/src/lib/sweep-form.ts';
import {
  bestRun,
  canCancel,
  canPause,
  canResume,
  compareRoute,
  describeAxis,
  runsOfSweep,
  sweepProgress,
} from '../src/renderer/src/lib/sweep-view.ts';
import { routeHash } from '../src/renderer/src/lib/route.ts';
import { runRecord } from './run-record.ts';

const quick = findPreset('quick')!.config;
const spec = (path: string) => fieldSpec(path) as SweepableField;
const list = (path: string, text: string): AxisDraft => ({ ...newAxis(spec(path), quick), text });

function form(axes: AxisDraft[], patch: Partial<SweepFormState> = {}): SweepFormState {
  return {
    name: '',
    axes,
    method: 'grid',
    draws: '10',
    drawSeed: '1',
    seeds: '2',
    parallel: '1',
    pruning: false,
    reduction: '3',
    ...patch,
  };
}

test('sweepable settings: numbers, integers, choices and integer lists, never text or the seed', () => {
  const paths = sweepableFields().map((f) => f.path);
  for (const p of ['model.latentDim', 'loss.beta', 'optim.optimizer', 'model.encoderHidden', 'data.limit'])
    assert.ok(paths.includes(p as never), p);
  for (const p of ['run.name', 'data.path', 'run.seed']) assert.ok(!paths.includes(p as never), p);
});

test('list text: commas or spaces, decimals only, repeats dropped; integer lists split by ;', () => {
  assert.deepEqual(parseAxisText(spec('model.latentDim'), '2, 8 16,8'), { ok: true, value: [2, 8, 16] });
  assert.deepEqual(parseAxisText(spec('loss.beta'), '0.5, 1e-1'), { ok: true, value: [0.5, 0.1] });
  const bad = parseAxisText(spec('loss.beta'), '0.5, 0x10');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.message : '', /"0x10" is not a number/);
  assert.equal(parseAxisText(spec('loss.beta'), '  ').ok, false);
  assert.deepEqual(parseAxisText(spec('model.encoderHidden'), '512 256; 400'), { ok: true, value: [[512, 256], [400]] });
  const frac = parseAxisText(spec('model.encoderHidden'), '512 2.5');
  assert.match(!frac.ok ? frac.message : '', /"2.5" is not a whole number/);
});

test('an axis from its draft: a choice from its toggles in schema order, a numeric range from its fields', () => {
  const opt: AxisDraft = { ...newAxis(spec('optim.optimizer'), quick), options: ['sgd', 'adam'] };
  assert.deepEqual(axisFromDraft(opt), { ok: true, value: { path: 'optim.optimizer', values: ['adam', 'sgd'] } });
  assert.equal(axisFromDraft({ ...opt, options: [] }).ok, false);
  const range: AxisDraft = {
    ...newAxis(spec('optim.learningRate'), quick),
    mode: 'range',
    from: '1e-4',
    to: '1e-2',
    count: '3',
    scale: 'log',
  };
  assert.deepEqual(axisFromDraft(range), {
    ok: true,
    value: { path: 'optim.learningRate', range: { from: 1e-4, to: 1e-2, count: 3, scale: 'log' } },
  });
  const badCount = axisFromDraft({ ...range, count: '2.5' });
  assert.match(!badCount.ok ? badCount.message : '', /count "2.5"/);
});

test('a new axis starts from the base value', () => {
  assert.equal(newAxis(spec('model.latentDim'), quick).text, String(quick.model.latentDim));
  assert.deepEqual(newAxis(spec('optim.optimizer'), quick).options.length, 2);
});

test('the base holds only what differs from the preset', () => {
  assert.deepEqual(baseOverrides('quick', quick), {});
  const edited = setPath(setPath(quick, 'data.limit', 200), 'optim.epochs', 1);
  assert.deepEqual(baseOverrides('quick', edited), { data: { limit: 200 }, optim: { epochs: 1 } });
});

test('3 latent sizes x 2 betas x 2 seeds: 12 runs, named from their values, the definition expandSweep accepts', () => {
  const config = setPath(setPath(setPath(quick, 'data.limit', 200), 'optim.epochs', 1), 'optim.batchSize', 50);
  const p = previewSweep(form([list('model.latentDim', '2, 8, 16'), list('loss.beta', '0.5, 4')]), 'quick', config);
  assert.equal(p.ok, true, JSON.stringify(p.otherErrors));
  assert.equal(p.count, 12);
  assert.deepEqual(p.names, ['z2 β0.5 seed1', 'z2 β0.5 seed2', 'z2 β4 seed1', 'z2 β4 seed2']);
  const expanded = expandSweep(p.definition);
  assert.ok(expanded.ok);
  assert.equal(expanded.value.points.length, 12);
  assert.equal(expanded.value.points[0]!.config.data.limit, 200);
});

test('a value outside the schema is named on its axis; unreadable text too, before any count', () => {
  const p = previewSweep(form([list('model.latentDim', '2, 8'), list('loss.beta', '0.5, -1')]), 'quick', quick);
  assert.equal(p.ok, false);
  assert.equal(p.axisErrors[0], undefined);
  assert.match(p.axisErrors[1] ?? '', /^-1 must be at least 0$/);
  assert.equal(p.count, 8);

  const q = previewSweep(form([list('model.latentDim', '2, eight')]), 'quick', quick);
  assert.equal(q.ok, false);
  assert.equal(q.count, null);
  assert.match(q.axisErrors[0] ?? '', /"eight" is not a number/);
});

test('problems not about one axis: seeds, runs at once, too many runs', () => {
  const p = previewSweep(form([list('model.latentDim', '2, 8')], { seeds: 'x', parallel: '0' }), 'quick', quick);
  assert.deepEqual(p.otherErrors.map((e) => e.field).sort(), ['parallel', 'seeds']);
  const big = previewSweep(
    form([{ ...newAxis(spec('loss.beta'), quick), mode: 'range', from: '0.1', to: '10', count: '100', scale: 'log' }], {
      seeds: '20',
    }),
    'quick',
    quick,
  );
  assert.equal(big.count, 2000);
  assert.match(big.otherErrors.map((e) => e.message).join(), /2000 runs; a sweep has at most 1000/);
});

test("pruning's reduction factor: sent when pruning is on, named when out of range, ignored when off", () => {
  const axes = [list('model.latentDim', '2, 8')];
  const on = previewSweep(form(axes, { pruning: true, reduction: '4' }), 'quick', quick);
  assert.equal(on.ok, true, JSON.stringify(on.otherErrors));
  assert.deepEqual(on.definition.pruning, { kind: 'asha', reduction: 4 });
  for (const reduction of ['1', '11', '2.5', 'abc']) {
    const bad = previewSweep(form(axes, { pruning: true, reduction }), 'quick', quick);
    assert.equal(bad.ok, false, reduction);
    assert.deepEqual(
      bad.otherErrors.map((e) => `${e.field} ${e.message}`),
      ['pruning.reduction must be a whole number from 2 to 10'],
      reduction,
    );
  }
  const off = previewSweep(form(axes, { pruning: false, reduction: 'abc' }), 'quick', quick);
  assert.equal(off.ok, true, 'a factor typed for pruning that is off holds nothing back');
  assert.deepEqual(off.definition.pruning, { kind: 'none', reduction: 3 });
  assert.match(pruningSummary(3), /^At epochs 1, 3, 9, …, runs outside the best third /);
  assert.match(pruningSummary(2), /1, 2, 4, …, runs outside the best half /);
  assert.match(pruningSummary(5), /1, 5, 25, …, runs outside the best 1\/5 /);
});

test('random search counts draws times seeds', () => {
  const p = previewSweep(form([list('loss.beta', '0.5, 1, 4')], { method: 'random', draws: '5', seeds: '3' }), 'quick', quick);
  assert.equal(p.ok, true);
  assert.equal(p.count, 15);
});

const T0 = Date.UTC(2026, 10, 20);
function run(id: number, status: RunStatus, heldOut: number | null, sweepIndex: number, config = quick): RunRecord {
  const loss = (t: number) => ({ recon: t * 0.9, kl: t * 0.1, total: t });
  return runRecord({
    id,
    config,
    status,
    createdAt: T0 + id,
    startedAt: T0 + id,
    finishedAt: null,
    totalSteps: 10,
    finalHeldOut: heldOut === null ? null : loss(heldOut),
    sweepId: 3,
    sweepIndex,
  });
}

function sweep(status: SweepRecord['status'], total: number): SweepRecord {
  const def = expandSweep({ axes: [{ path: 'loss.beta', values: [1, 4] }], seeds: 2 });
  assert.ok(def.ok);
  return {
    id: 3,
    name: '',
    definition: def.value.definition,
    status,
    statusMessage: '',
    createdAt: T0,
    finishedAt: null,
    owner: null,
    total,
    counts: { queued: total, running: 0, paused: 0, completed: 0, failed: 0, interrupted: 0, pruned: 0 },
    bestRunId: null,
    bestHeldOut: null,
    queue: null,
  };
}

test('progress counts the runs by status, finished = completed + pruned + failed; the record when no runs are at hand', () => {
  const runs = [
    run(5, 'completed', 100, 0),
    run(6, 'pruned', 120, 1),
    run(7, 'running', null, 2),
    run(8, 'failed', null, 3),
    run(9, 'queued', null, 4),
  ];
  const p = sweepProgress(sweep('running', 5), runs);
  assert.deepEqual([p.total, p.finished, p.completed, p.pruned, p.failed, p.training, p.queued], [5, 3, 1, 1, 1, 1, 1]);
  assert.equal(sweepProgress(sweep('running', 12), []).queued, 12);
});

test('the best run is the lowest held-out −ELBO; runs in sweep order; the Compare address groups by the axes', () => {
  const runs = [
    run(9, 'completed', 101, 1),
    run(8, 'completed', 99.5, 0),
    run(10, 'running', null, 2),
    { ...run(11, 'completed', 1, 3), sweepId: 4 },
  ];
  const own = runsOfSweep(runs, 3);
  assert.deepEqual(
    own.map((r) => r.id),
    [8, 9, 10],
  );
  assert.equal(bestRun(own)?.id, 8);
  assert.equal(bestRun([run(10, 'running', null, 0)]), null);
  assert.equal(routeHash(compareRoute(sweep('completed', 3), own)), '#/compare/8,9,10?group=loss.beta');
});

test('controls follow the status; an axis reads as its values', () => {
  assert.deepEqual([canPause('running'), canResume('running'), canCancel('running')], [true, false, true]);
  assert.deepEqual([canPause('paused'), canResume('paused'), canCancel('paused')], [false, true, true]);
  assert.deepEqual([canPause('completed'), canResume('completed'), canCancel('completed')], [false, false, false]);
  assert.deepEqual([canPause('cancelled'), canResume('cancelled'), canCancel('cancelled')], [false, true, false]);
  assert.equal(describeAxis({ path: 'model.latentDim', values: [2, 8] }), '2, 8');
  assert.equal(
    describeAxis({ path: 'optim.learningRate', range: { from: 0.0001, to: 0.01, count: 3, scale: 'log' } }),
    '0.0001 → 0.01, 3 log-spaced: 0.0001, 0.001, 0.01',
  );
});
