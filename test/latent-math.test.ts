// PCA and interpolation against cases whose answers are known in closed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  gridAxis,
  lerpPath,
  manifoldPoints,
  normalCdf,
  normalQuantile,
  pca,
  priorDraw,
  project,
  slerpPath,
  symmetricEigen,
} from '../src/shared/latent-math.ts';
import { makeRng } from '../src/shared/random.ts';

const close = (a: number, b: number, tol = 1e-9, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test('eigen-decomposition of a known symmetric matrix', () => {
  // [[2,1],[1,2]] has eigenvalues 3 and 1 with axes (1,1)/√2 and (1,-1)/√2.
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  close(values[0]!, 3);
  close(values[1]!, 1);
  close(Math.abs(vectors[0]![0]!), Math.SQRT1_2);
  close(vectors[0]![0]!, vectors[0]![1]!);
  close(vectors[1]![0]!, -vectors[1]![1]!);
});

test('PCA finds the axes of an elongated, rotated cloud with their variances', () => {
  // Points with standard deviations 3 and 0.5 along axes rotated by 30 degrees, shifted by (5, -2, 1),
  // plus a third dimension with deviation 1: the components must come out in order 3, 1, 0.5.
  const rng = makeRng(4);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const n = 20_000;
  const angle = Math.PI / 6;
  const u = [Math.cos(angle), Math.sin(angle), 0];
  const w = [-Math.sin(angle), Math.cos(angle), 0];
  const pts = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [3 * gauss(), 0.5 * gauss(), gauss()];
    pts[i * 3] = 5 + a * u[0]! + b * w[0]!;
    pts[i * 3 + 1] = -2 + a * u[1]! + b * w[1]!;
    pts[i * 3 + 2] = 1 + c;
  }
  const p = pca(pts, n, 3, 3);
  close(p.mean[0]!, 5, 0.1, 'mean x');
  close(p.mean[1]!, -2, 0.1, 'mean y');
  close(p.variances[0]!, 9, 0.3, 'variance 1');
  close(p.variances[1]!, 1, 0.05, 'variance 2');
  close(p.variances[2]!, 0.25, 0.02, 'variance 3');
  const dot = (x: ArrayLike<number>, y: number[]) => x[0]! * y[0]! + x[1]! * y[1]! + x[2]! * y[2]!;
  close(Math.abs(dot(p.components[0]!, u)), 1, 1e-3, 'first axis');
  close(Math.abs(p.components[1]![2]!), 1, 1e-3, 'second axis');
  close(Math.abs(dot(p.components[2]!, w)), 1, 1e-3, 'third axis');
  // Projections are centred, with the component variances.
  const proj = project(p, pts, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += proj[i * 3]! ** 2;
  close(s / (n - 1), p.variances[0]!, 1e-6, 'projected variance');
});

test('linear and spherical paths start and end at the endpoints', () => {
  const a = [1, 0, 2];
  const b = [-1, 3, 0.5];
  for (const path of [lerpPath(a, b, 7), slerpPath(a, b, 7)]) {
    assert.equal(path.length, 7);
    path[0]!.forEach((v, j) => close(v, a[j]!, 1e-12));
    path[6]!.forEach((v, j) => close(v, b[j]!, 1e-12));
  }
  close(lerpPath(a, b, 3)[1]![1]!, 1.5);
});

test('slerp keeps the norm between the endpoints norms; lerp cuts through the middle', () => {
  const a = [3, 0];
  const b = [0, 3];
  const mid = slerpPath(a, b, 3)[1]!;
  close(Math.hypot(mid[0]!, mid[1]!), 3, 1e-12, 'slerp midpoint norm');
  close(mid[0]!, mid[1]!, 1e-12);
  const lin = lerpPath(a, b, 3)[1]!;
  close(Math.hypot(lin[0]!, lin[1]!), 3 / Math.SQRT2, 1e-12, 'lerp midpoint norm');
  assert.throws(() => slerpPath([1, 2], [1], 3), /different sizes/);
  assert.throws(() => lerpPath([1], [2], 1), /at least 2 steps/);
});

test('normal quantile and CDF: known values, and each undoes the other', () => {
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963985) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.001) + 3.090232306) < 1e-8, 'the lower tail branch');
  assert.ok(Math.abs(normalCdf(1.959963985) - 0.975) < 2e-7);
  assert.ok(Math.abs(normalCdf(-1) - 0.158655254) < 2e-7);
  for (const p of [0.01, 0.2, 0.5, 0.77, 0.99]) assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 3e-7, `p = ${p}`);
  assert.throws(() => normalQuantile(1), /0 < p < 1/);
});

test('grid axes: linear spans [-range, range] evenly; quantile spacing is symmetric, denser near 0, with the same ends', () => {
  assert.deepEqual(gridAxis(5, 2, 'linear'), [-2, -1, 0, 1, 2]);
  assert.deepEqual(gridAxis(1, 3, 'quantile'), [0]);
  const q = gridAxis(7, 2, 'quantile');
  assert.ok(Math.abs(q[0]! + 2) < 1e-5 && Math.abs(q[6]! - 2) < 1e-5, `ends ${q[0]}, ${q[6]}`);
  assert.ok(Math.abs(q[3]!) < 1e-9);
  for (let i = 0; i < 7; i++) assert.ok(Math.abs(q[i]! + q[6 - i]!) < 1e-6, 'symmetric');
  assert.ok(q[4]! - q[3]! < q[6]! - q[5]!, 'cells sit closer together near the origin');
});

test('manifold points: x along columns, y decreasing down rows, other dimensions from the base', () => {
  const pts = manifoldPoints(4, [2, 0], 3, 1, 'linear', [9, 8, 7, 6]);
  assert.equal(pts.length, 9);
  assert.deepEqual(pts[0], [1, 8, -1, 6], 'top-left: x = -range, y = +range');
  assert.deepEqual(pts[2], [1, 8, 1, 6], 'top-right');
  assert.deepEqual(pts[8], [-1, 8, 1, 6], 'bottom-right');
  assert.deepEqual(manifoldPoints(2, [0, 1], 2, 1, 'linear'), [
    [-1, 1],
    [1, 1],
    [-1, -1],
    [1, -1],
  ]);
  assert.throws(() => manifoldPoints(2, [1, 1], 3, 1, 'linear'), /two different dimensions/);
  assert.throws(() => manifoldPoints(2, [0, 2], 3, 1, 'linear'), /below 2/);
});

test('prior draws: seeded, the right shape, and roughly standard normal', () => {
  const a = priorDraw(3, 2000, makeRng(7));
  assert.deepEqual(priorDraw(3, 2000, makeRng(7)), a, 'the same seed draws the same points');
  assert.notDeepEqual(priorDraw(3, 5, makeRng(8)), a.slice(0, 5));
  assert.ok(a.every((z) => z.length === 3 && z.every(Number.isFinite)));
  const flat = a.flat();
  const mean = flat.reduce((s, v) => s + v, 0) / flat.length;
  const variance = flat.reduce((s, v) => s + (v - mean) ** 2, 0) / flat.length;
  assert.ok(Math.abs(mean) < 0.05 && Math.abs(variance - 1) < 0.08, `mean ${mean}, variance ${variance}`);
});

test('pca: block power iteration finds the exact top axes; fitPoints estimates them from a prefix', () => {
  const rng = makeRng(4);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const d = 12;
  const scales = Array.from({ length: d }, (_, j) => (j === 3 ? 5 : j === 9 ? 2 : 0.4));
  const n = 300;
  const points = Float64Array.from({ length: n * d }, (_, i) => scales[i % d]! * gauss());
  const exact = pca(points, n, d, 2, { method: 'exact' });
  const iterative = pca(points, n, d, 2, { method: 'iterative' });
  for (const c of [0, 1]) {
    const dot = iterative.components[c]!.reduce((s, v, j) => s + v * exact.components[c]![j]!, 0);
    close(Math.abs(dot), 1, 1e-6, `component ${c}`);
    close(iterative.variances[c]!, exact.variances[c]!, 1e-6 * exact.variances[c]!, `variance ${c}`);
  }
  // Fitted on the first 100 points: the axes of exactly those points.
  const prefix = pca(points, n, d, 2, { fitPoints: 100 });
  const ofPrefix = pca(points.subarray(0, 100 * d), 100, d, 2);
  assert.deepEqual(prefix.variances, ofPrefix.variances);
  assert.notDeepEqual(prefix.variances, exact.variances);
});
