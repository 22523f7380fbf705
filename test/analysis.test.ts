// The analysis panels' logic: parallel-coordinates axes and scales (log included), brush hit-testing,
// remembered layouts, bounded redraw work with 1,000 runs, the rate–distortion plane's points and
// lines of equal −ELBO, and "which settings matter" on runs with a known answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  axisKeys,
  brushFromSpan,
  buildAxes,
  buildAxis,
  inBrush,
  position,
  runRow,
  spanOfBrush,
  sweepLogKeys,
  ticks,
  toggleCategory,
  valueAt,
} from '../src/renderer/src/lib/analysis/axes.ts';
import { colorDomain } from '../src/renderer/src/lib/analysis/color-scale.ts';
import {
  dropIndex,
  dropMarkX,
  layoutKey,
  loadLayout,
  moveKey,
  moveKeyTo,
  parseLayout,
  saveLayout,
} from '../src/renderer/src/lib/analysis/layout.ts';
import { parseBrushes, serializeBrushes } from '../src/renderer/src/lib/brush-range.ts';
import { BUCKETS, drawLines, nearestRow, project, work, type LineContext } from '../src/renderer/src/lib/analysis/lines.ts';
import { isoElboLines, rdBox, rdPoints } from '../src/renderer/src/lib/analysis/rate-distortion.ts';
import { settingsImportance } from '../src/renderer/src/lib/analysis/importance.ts';
import { groupRow, keysConstantInGroups } from '../src/renderer/src/lib/analysis/rows.ts';
import { groupRuns, keysButSeed } from '../src/shared/run-groups.ts';
import { syntheticGrid, syntheticRun, type SyntheticPoint } from './analysis-fixtures.ts';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≈ ${b}`);
const gridRuns = () => syntheticGrid().map((p, i) => syntheticRun(i + 1, p));

test('axes: one per varying setting, then the held-out metrics; log where values span over a decade', () => {
  const runs = gridRuns();
  const keys = axisKeys(runs);
  assert.deepEqual(keys, ['model.latentDim', 'loss.beta', 'run.seed', 'heldOut.total', 'heldOut.recon', 'heldOut.kl']);
  const axes = buildAxes(
    runs.map((r) => runRow(r, keys)),
    keys,
  );
  const kinds = Object.fromEntries(axes.map((a) => [a.key, a.kind]));
  assert.equal(kinds['model.latentDim'], 'log', '4..64 spans more than a decade');
  assert.equal(kinds['loss.beta'], 'log');
  assert.equal(kinds['run.seed'], 'linear');
  // A sweep's log range is drawn log even inside a decade.
  assert.equal(buildAxis('loss.beta', [1, 2, 4], false, true)?.kind, 'log');
  assert.equal(buildAxis('loss.beta', [1, 2, 4], false)?.kind, 'linear');
  assert.equal(buildAxis('loss.beta', [0, 2, 40], false)?.kind, 'linear', 'zero rules a log axis out');
  assert.deepEqual(
    [
      ...sweepLogKeys([
        { path: 'loss.beta', range: { from: 1, to: 4, count: 3, scale: 'log' } },
        { path: 'optim.learningRate', range: { from: 1e-3, to: 2e-3, count: 2, scale: 'linear' } },
        { path: 'model.latentDim', values: [2, 8] },
      ]),
    ],
    ['loss.beta'],
  );
});

test('scales: linear and log positions and their inverse; categories evenly spaced in schema order', () => {
  const lin = buildAxis('loss.beta', [2, 4, 10], false)!;
  close(position(lin, 2)!, 0);
  close(position(lin, 6)!, 0.5);
  close(valueAt(lin, 0.25), 4);
  const log = buildAxis('model.latentDim', [1, 10, 100], false)!;
  close(position(log, 10)!, 0.5);
  close(valueAt(log, 0.5), 10);
  assert.equal(position(log, 0), null);
  const cat = buildAxis('optim.optimizer', ['sgd', 'adam', 'rmsprop'], false)!;
  assert.deepEqual(cat.categories, ['adam', 'sgd', 'rmsprop']);
  assert.deepEqual(
    cat.categories.map((c) => position(cat, c)),
    [0, 0.5, 1],
  );
  assert.equal(position(cat, 'lbfgs'), null);
  // A setting's few values (a sweep's) are ticked themselves; a metric gets round values.
  assert.deepEqual(
    ticks(log).map((t) => t.label),
    ['1', '10', '100'],
  );
  const logMetric = buildAxis('heldOut.kl', [1, 10, 100], true)!;
  assert.deepEqual(
    ticks(logMetric).map((t) => t.label),
    ['1', '2', '5', '10', '20', '50', '100'],
  );
  const linMetric = buildAxis('heldOut.total', [2, 4, 10], true)!;
  assert.deepEqual(
    ticks(linMetric).map((t) => t.label),
    ['2', '4', '6', '8', '10'],
  );
});

test('brush hit-testing: a dragged span becomes a value range (log-aware) or the categories inside it', () => {
  const log = buildAxis('model.latentDim', [1, 10, 100], false)!;
  const b = brushFromSpan(log, 0.75, 0.25);
  assert.ok(b && b.kind === 'range');
  close(b.lo, Math.sqrt(10), 1e-9);
  close(b.hi, Math.sqrt(1000), 1e-9);
  assert.ok(inBrush(b, 10) && !inBrush(b, 1) && !inBrush(b, 100) && !inBrush(b, null));
  const span = spanOfBrush(log, b)!;
  close(span[0], 0.25);
  close(span[1], 0.75);
  assert.equal(brushFromSpan(log, 0.4, 0.4), null, 'a click is not a brush');

  const cat = buildAxis('optim.optimizer', ['adam', 'sgd', 'rmsprop'], false)!;
  assert.deepEqual(brushFromSpan(cat, 0.4, 1), { kind: 'values', values: ['sgd', 'rmsprop'] });
  assert.equal(brushFromSpan(cat, 0.1, 0.3), null);
  const one = toggleCategory(undefined, 'adam');
  assert.deepEqual(one, { kind: 'values', values: ['adam'] });
  assert.deepEqual(toggleCategory(one!, 'sgd'), { kind: 'values', values: ['adam', 'sgd'] });
  assert.equal(toggleCategory(one!, 'adam'), null, 'unticking the last category clears the brush');
});

test('dragging an axis title: it lands after every other axis left of the pointer, marked between its new neighbours', () => {
  const xs = [64, 264, 464, 664];
  const order = ['a', 'b', 'c', 'd'];
  // Axis 0 dragged a little: still first. Past b's line: second. Past the last line: last.
  assert.equal(dropIndex(xs, 0, 64 + 150), 0);
  assert.equal(dropIndex(xs, 0, 64 + 250), 1);
  assert.equal(dropIndex(xs, 0, 900), 3);
  assert.equal(dropIndex(xs, 3, 10), 0);
  assert.equal(dropIndex(xs, 2, 300), 2, 'between b and its own place: unmoved');
  assert.deepEqual(moveKeyTo(order, 'a', dropIndex(xs, 0, 500)), ['b', 'c', 'a', 'd']);
  assert.deepEqual(moveKeyTo(order, 'd', 0), ['d', 'a', 'b', 'c']);
  assert.deepEqual(moveKeyTo(order, 'b', 99), ['a', 'c', 'd', 'b'], 'clamped at the end');
  assert.deepEqual(moveKeyTo(order, 'gone', 1), order);
  // The mark: halfway between the axes the dragged one will sit between, half a gap past an end.
  assert.equal(dropMarkX(xs, 0, 2), (464 + 664) / 2);
  assert.equal(dropMarkX(xs, 3, 0), 64 - 100);
  assert.equal(dropMarkX(xs, 0, 3), 664 + 100);
});

test('layout: remembered per set of axes, versioned and validated field by field', () => {
  const keys = ['loss.beta', 'model.latentDim', 'heldOut.total'];
  assert.equal(layoutKey(keys), layoutKey([...keys].reverse()), 'the key ignores order');
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  assert.equal(loadLayout(storage, keys), null);
  const order = moveKey(keys, 'heldOut.total', -5);
  assert.deepEqual(order, ['heldOut.total', 'loss.beta', 'model.latentDim']);
  assert.deepEqual(moveKey(order, 'loss.beta', 1), ['heldOut.total', 'model.latentDim', 'loss.beta']);
  saveLayout(storage, keys, { order });
  assert.deepEqual(loadLayout(storage, keys), { order });
  assert.equal(loadLayout(storage, ['loss.beta']), null, 'another set of axes starts fresh');

  assert.equal(parseLayout('not json', keys), null);
  assert.equal(parseLayout(JSON.stringify({ version: 99, order: keys }), keys), null);
  const messy = parseLayout(JSON.stringify({ version: 1, order: ['gone', 'model.latentDim', 7, 'model.latentDim'] }), keys);
  assert.deepEqual(messy, { order: ['model.latentDim', 'loss.beta', 'heldOut.total'] });

  // Brushes are remembered by the brush store; what it reads back is checked entry by entry.
  const stored = serializeBrushes([
    ['loss.beta', { kind: 'range', lo: 3, hi: 1 }],
    ['model.latentDim', { kind: 'values', values: ['8', 3 as unknown as string] }],
    ['heldOut.total', { kind: 'range', lo: 90, hi: 120 }],
    ['model.encoder', { kind: 'values', values: ['mlp'] }],
  ]);
  assert.deepEqual(parseBrushes(stored), [
    ['heldOut.total', { kind: 'range', lo: 90, hi: 120 }],
    ['model.encoder', { kind: 'values', values: ['mlp'] }],
  ]);
  assert.deepEqual(parseBrushes('not json'), []);
  assert.deepEqual(parseBrushes('{"loss.beta": {"kind": "range", "lo": 0, "hi": 1}}'), [], 'not the stored shape');
  assert.deepEqual(parseBrushes(null), []);
  const throwing = {
    getItem: (): string | null => {
      throw new Error('denied');
    },
    setItem: () => {
      throw new Error('full');
    },
  };
  assert.equal(loadLayout(throwing, keys), null);
  saveLayout(throwing, keys, { order: keys });
});

function countingContext(): LineContext & { calls: Record<string, number> } {
  const calls: Record<string, number> = { beginPath: 0, moveTo: 0, lineTo: 0, stroke: 0 };
  return {
    calls,
    beginPath: () => void calls.beginPath!++,
    moveTo: () => void calls.moveTo!++,
    lineTo: () => void calls.lineTo!++,
    stroke: () => void calls.stroke!++,
    strokeStyle: '',
    lineWidth: 1,
    globalAlpha: 1,
  };
}

test('lines: 1,000 runs are projected once and stroked in a bounded number of batches, brushed or not', () => {
  const points: SyntheticPoint[] = [];
  for (let seed = 1; seed <= 67; seed++)
    for (const latent of [4, 16, 64]) for (const beta of [0.25, 0.5, 1, 2, 4]) points.push({ latent, beta, seed });
  const runs = points.slice(0, 1000).map((p, i) => syntheticRun(i + 1, p));
  assert.equal(runs.length, 1000);
  const keys = axisKeys(runs);
  const rows = runs.map((r) => runRow(r, keys));
  const axes = buildAxes(rows, keys);
  const before = work.projections;
  const p = project(rows, axes);
  const color = Float64Array.from(rows, (r) => r.values['heldOut.total'] as number);
  const domain = colorDomain([...color]);
  const order = axes.map((_, i) => i);
  const geo = { xs: order.map((i) => i * 100), top: 0, bottom: 300 };
  const style = { faint: '#999', plain: '#333' };

  const all = countingContext();
  const s1 = drawLines(
    all,
    p,
    order,
    geo,
    rows.map(() => true),
    color,
    domain,
    style,
  );
  assert.equal(s1.segments, 1000 * (axes.length - 1), 'one segment between each pair of axes, per run');
  assert.equal(all.calls.moveTo, 1000);
  assert.ok(s1.strokes <= BUCKETS, `${s1.strokes} strokes`);

  // Brushing (every other run out) redraws without projecting again, still in few strokes.
  const brushed = countingContext();
  const s2 = drawLines(
    brushed,
    p,
    order,
    geo,
    rows.map((_, i) => i % 2 === 0),
    color,
    domain,
    style,
  );
  assert.equal(s2.segments, s1.segments);
  assert.ok(s2.strokes <= BUCKETS + 1, `${s2.strokes} strokes`);
  assert.equal(work.projections, before + 1, 'one projection for every redraw');

  // A missing value breaks the line instead of drawing it to the bottom.
  const gap = project([{ ...rows[0]!, values: { ...rows[0]!.values, 'loss.beta': null } }], axes);
  const ctx = countingContext();
  drawLines(ctx, gap, order, geo, [true], null, null, style);
  assert.equal(ctx.calls.moveTo, 2);
  assert.equal(ctx.calls.lineTo, axes.length - 3);
});

test('hovering: the line nearest the pointer between two axes, only within a few pixels', () => {
  const axes = [buildAxis('loss.beta', [0, 10], false)!, buildAxis('heldOut.total', [0, 10], true)!];
  const row = (id: string, beta: number, total: number) => ({
    id,
    label: id,
    values: { 'loss.beta': beta, 'heldOut.total': total },
    runIds: [],
  });
  // a rises from 0 to 10, b falls from 10 to 0: they cross in the middle.
  const p = project([row('a', 0, 10), row('b', 10, 0), row('c', 5, 5)], axes);
  const geo = { xs: [0, 100], top: 0, bottom: 100 };
  assert.equal(nearestRow(p, [0, 1], geo, 10, 89), 0, 'a is at y 90 at x 10');
  assert.equal(nearestRow(p, [0, 1], geo, 10, 11), 1, 'b is at y 10 at x 10');
  assert.equal(nearestRow(p, [0, 1], geo, 10, 52), 2, 'c is flat at y 50');
  assert.equal(nearestRow(p, [0, 1], geo, 10, 30), -1, 'nothing within 6 px');
  assert.equal(nearestRow(p, [0, 1], geo, 10, 89, 6, [false, true, true]), -1, 'a is excluded');
  assert.equal(nearestRow(p, [0, 1], geo, 150, 50), -1, 'right of the last axis');
  assert.equal(nearestRow(p, [1, 0], geo, 10, 11), 0, 'axes swapped: a now falls');
});

test('groups: a row per group with mean metrics; the seed is no axis once runs are grouped by the rest', () => {
  const runs = gridRuns();
  const groups = groupRuns(runs, keysButSeed(runs));
  assert.equal(groups.length, 15);
  const keys = keysConstantInGroups(groups, axisKeys(runs), new Set(['heldOut.total', 'heldOut.recon', 'heldOut.kl']));
  assert.ok(!keys.includes('run.seed'));
  const row = groupRow(groups[0]!, keys);
  const [a, b] = groups[0]!.runs;
  close(row.values['heldOut.total'] as number, (a!.finalHeldOut!.total + b!.finalHeldOut!.total) / 2);
  assert.deepEqual(row.runIds, [a!.id, b!.id]);
});

test('rate–distortion: a point per run at (KL, recon), group means with standard errors, runs without held-out metrics left out', () => {
  const runs = gridRuns();
  runs.push(syntheticRun(99, { latent: 8, beta: 1, seed: 1 }, null));
  const data = rdPoints(runs, null, 'loss.beta');
  assert.equal(data.points.length, 30);
  assert.deepEqual(data.leftOut, ['z8 β1 seed1']);
  const first = data.points[0]!;
  assert.equal(first.kl, runs[0]!.finalHeldOut!.kl);
  assert.equal(first.recon, runs[0]!.finalHeldOut!.recon);
  assert.equal(first.color, 0.25);

  const groups = groupRuns(runs.slice(0, 30), keysButSeed(runs.slice(0, 30)));
  const g = rdPoints([], groups, 'loss.beta');
  assert.equal(g.points.length, 15);
  const [r1, r2] = groups[0]!.runs.map((r) => r.finalHeldOut!.recon);
  close(g.points[0]!.recon, (r1! + r2!) / 2);
  // The standard error of two values is half their distance.
  close(g.points[0]!.reconErr, Math.abs(r1! - r2!) / 2, 1e-9);
});

test('lines of equal −ELBO: recon + KL = c at round c, clipped to the plot', () => {
  const box = { x0: 0, x1: 40, y0: 60, y1: 100 };
  const lines = isoElboLines(box, 4);
  assert.deepEqual(
    lines.map((l) => l.c),
    [80, 100, 120],
    '60 and 140 only touch corners',
  );
  for (const l of lines) {
    close(l.from.x + l.from.y, l.c);
    close(l.to.x + l.to.y, l.c);
    for (const p of [l.from, l.to]) assert.ok(p.x >= box.x0 && p.x <= box.x1 && p.y >= box.y0 && p.y <= box.y1);
  }
  const fitted = rdBox(rdPoints(gridRuns(), null, null).points)!;
  assert.ok(fitted.x0 >= 0 && fitted.y0 > 0 && fitted.x1 > fitted.x0);
});

test('settings importance: the setting the metric depends on ranks first, with the right correlation signs, every time', () => {
  const runs = gridRuns();
  const a = settingsImportance(runs, 'heldOut.total');
  assert.equal(a.status, 'ok');
  if (a.status !== 'ok') return;
  assert.deepEqual(
    a.settings.map((s) => s.key),
    ['loss.beta', 'model.latentDim', 'run.seed'],
  );
  const by = Object.fromEntries(a.settings.map((s) => [s.key, s]));
  assert.ok(by['loss.beta']!.rho! > 0.9, 'a larger β, a larger −ELBO here');
  assert.ok(by['loss.beta']!.importance > 10 * Math.abs(by['run.seed']!.importance));
  assert.ok(a.r2 > 0.9);
  // The rate falls with β: a negative correlation.
  const kl = settingsImportance(runs, 'heldOut.kl');
  assert.ok(kl.status === 'ok' && kl.settings.find((s) => s.key === 'loss.beta')!.rho! < -0.5);
  assert.deepEqual(settingsImportance(runs, 'heldOut.total'), a, 'seeded: the same runs give the same answer');
});

test('settings importance: categorical settings as ordinal codes; too few runs or nothing varying says so', () => {
  const runs = gridRuns().map((r, i) => ({
    ...r,
    config: { ...r.config, optim: { ...r.config.optim, optimizer: i % 2 ? ('sgd' as const) : ('adam' as const) } },
  }));
  const r = settingsImportance(runs);
  assert.ok(r.status === 'ok');
  const opt = r.settings.find((s) => s.key === 'optim.optimizer')!;
  assert.equal(opt.encoding, 'ordinal');
  assert.equal(opt.rho, null);
  assert.deepEqual(settingsImportance(runs.slice(0, 5)), { status: 'too-few', metric: 'heldOut.total', n: 5 });
  const same = Array.from({ length: 10 }, (_, i) => syntheticRun(i + 1, { latent: 8, beta: 1, seed: 1 }));
  assert.equal(settingsImportance(same).status, 'no-settings');
});
