// The pure parts of `npm run bench`'s PyTorch comparison: FLOP counting, reading torch_vae.py's
// replies, the verdicts, and the skip path when there is no python with torch. No training here,
// and nothing here needs torch installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { findPreset, DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { parameterCount } from '../src/shared/model-size.ts';
import { layerCosts, trainingFlopsPerImage } from '../bench/flops.ts';
import { BENCH_CASES, SINGLE_THREAD_NOTE, withThreads } from '../bench/cases.ts';
import { blasNote, parseBuild, parseHello, parseMatmul, parseMeasure, startTorch, torchSpec } from '../bench/torch-compare.ts';
import { addTo, table, verdicts, type CaseRows } from '../bench/throughput-report.ts';

test('the 784-400-20 MLP VAE: layer FLOPs from its shapes, and 3x forward less the first layer for training', () => {
  const cfg = findPreset('mlp-bernoulli')!.config;
  assert.deepEqual(
    layerCosts(cfg).map((l) => [l.name, l.part, l.forward]),
    [
      ['fc1', 'encoder', 2 * 784 * 400],
      ['mean', 'encoder', 2 * 400 * 20],
      ['sigma_head', 'encoder', 2 * 400 * 20],
      ['fc1', 'decoder', 2 * 20 * 400],
      ['out', 'decoder', 2 * 400 * 784],
    ],
  );
  const forward = 2 * (784 * 400 + 2 * 400 * 20 + 20 * 400 + 400 * 784);
  assert.equal(trainingFlopsPerImage(cfg), 3 * forward - 2 * 784 * 400);
});

test('the seed notebook model: conv layers by output size, decoder counted once per latent sample', () => {
  const cfg = findPreset('seed-notebook')!.config;
  const conv1 = 2 * 24 * 24 * (5 * 5 * 1) * 32;
  const conv2 = 2 * 10 * 10 * (3 * 3 * 32) * 64;
  const encoder = conv1 + conv2 + 2 * 1600 * 512 + 2 * 512 * 256 + 2 * (2 * 256 * 5);
  const decoder = 2 * 5 * 784;
  assert.equal(cfg.loss.samples, 3);
  assert.equal(trainingFlopsPerImage(cfg), 3 * encoder + 3 * 3 * decoder - conv1);
});

test('conv-64: a transposed conv costs every input pixel times k*k*out channels', () => {
  const costs = layerCosts(findPreset('conv-64')!.config);
  const byName = new Map(costs.filter((l) => l.part === 'decoder').map((l) => [l.name, l.forward]));
  assert.equal(byName.get('deconv1'), 2 * (4 * 4 * 256) * (4 * 4 * 128));
  assert.equal(byName.get('deconv4'), 2 * (32 * 32 * 32) * (4 * 4 * 3));
  assert.equal(costs[0]!.forward, 2 * 32 * 32 * (4 * 4 * 3) * 32);
});

test("torch_vae.py's replies are checked field by field, with the op and the field named", () => {
  const ok = parseMeasure('{"ok": true, "threads": 2, "steps": 10, "seconds": 1.5, "imagesPerSec": 853.3, "coresBusy": 1.9}');
  assert.deepEqual(ok, { threads: 2, steps: 10, seconds: 1.5, imagesPerSec: 853.3, coresBusy: 1.9 });
  assert.throws(
    () => parseMeasure('{"ok": true, "threads": 2, "steps": 10, "seconds": 1.5, "coresBusy": 1}'),
    /measure: field "imagesPerSec"/,
  );
  assert.throws(
    () => parseMeasure('{"ok": true, "threads": 2, "steps": 0, "seconds": 1, "imagesPerSec": 1, "coresBusy": 1}'),
    /"steps" must be a positive/,
  );
  assert.throws(() => parseMeasure('{"ok": false, "error": "KeyError: \'mlp b128\'"}'), /measure: KeyError/);
  assert.throws(() => parseMeasure('Traceback (most recent call last):'), /measure: reply is not JSON/);
  assert.throws(() => parseBuild('{"ok": true, "params": 12.5}'), /build: field "params" must be an integer/);
  assert.equal(parseBuild('{"ok": true, "params": 652824}'), 652824);
  assert.deepEqual(parseMatmul('{"ok": true, "gflops": 120.5, "coresBusy": 2}'), { gflops: 120.5, coresBusy: 2 });
  assert.throws(() => parseHello('{"ok": true, "torch": "1.13", "blas": {"loaded": "x"}, "cores": 2}'), /hello: field "blas"/);
});

test('the BLAS note names what torch loaded and flags the reference BLAS', () => {
  const hello = (loaded: string[]) =>
    parseHello(JSON.stringify({ ok: true, torch: '1.13.0', blas: { loaded, built: 'BLAS_INFO=generic' }, cores: 2 }));
  assert.match(
    blasNote(hello(['/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'])),
    /^libopenblasp-r0\.3\.21\.so; built with/,
  );
  assert.match(blasNote(hello(['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'])), /NOT an optimized BLAS/);
});

test('without python (or without torch) the comparison is skipped with a note saying why and how to install', async () => {
  const missing = await startTorch('/nonexistent/python3');
  assert.equal(missing.available, false);
  assert.match(
    missing.available ? '' : missing.note,
    /skipped: \/nonexistent\/python3: .*ENOENT.*apt-get install python3-torch libopenblas0-pthread/,
  );
  // A program that starts but answers nothing (node on a script that does not exist) is skipped too.
  const silent = await startTorch(process.execPath, fileURLToPath(new URL('./no-such-script.py', import.meta.url)));
  assert.equal(silent.available, false);
  assert.match(silent.available ? '' : silent.note, /skipped: .*exited/);
});

test("the bench's models are the presets' models: same parameter count, and the torch spec carries their shapes", () => {
  for (const c of BENCH_CASES) {
    const preset = findPreset(c.config.preset)!.config;
    assert.equal(parameterCount(c.config), parameterCount(preset), c.name);
    const spec = torchSpec(c.config);
    assert.equal(spec.batchSize, c.config.optim.batchSize, c.name);
    assert.equal(spec.samples, preset.loss.samples, c.name);
  }
});

test('threads: a build without run.threads says it trains on one thread, never pretends', () => {
  const cfg = BENCH_CASES[0]!.config;
  const choice = withThreads(cfg, 2);
  if ('threads' in DEFAULT_CONFIG.run) assert.equal(choice.threads, 2);
  else assert.deepEqual([choice.threads, choice.note], [1, SINGLE_THREAD_NOTE]);
  assert.equal(withThreads(cfg, 1).note, '');
});

function rows(name: string, oursRate: number, torchRate: number, torchParams: number): CaseRows {
  return {
    name,
    flopsPerImage: 1e6,
    params: { ours: 1000, torch: torchParams },
    byThreads: new Map([
      [1, { ours: addTo(null, oursRate, 1, 10, 1), oursNote: '', torch: addTo(null, torchRate, 1, 10, 1) }],
      [2, { ours: null, oursNote: SINGLE_THREAD_NOTE, torch: addTo(null, torchRate / 2, 1, 5, 1.8) }],
    ]),
  };
}

test('verdicts: against torch at its best thread count, met or not, and no comparison when parameter counts differ', () => {
  const mm = {
    size: 1024,
    ours: new Map([[1, { gflops: 20, coresBusy: 1 }]]),
    torch: new Map([[1, { gflops: 60, coresBusy: 1 }]]),
  };
  const lines = verdicts(
    [rows('mlp b128', 1200, 1000, 1000), rows('seed-conv b64', 500, 1000, 1000), rows('seed-conv b1', 50, 40, 999)],
    mm,
    2,
  );
  assert.match(lines[0]!, /^mlp b128: .* = 1\.20x, >= 1\.0x: met/);
  assert.match(lines[1]!, /^seed-conv b64: .* = 0\.50x, >= 1\.0x: NOT met/);
  assert.match(lines[1]!, /per busy core .* = 0\.50x.*at most 1\.00x/s);
  assert.match(lines[1]!, /wasm SIMD128 \(XNNPACK\) 20\.0 vs torch \(OpenBLAS\) 60\.0 GFLOP\/s = 0\.33x/);
  assert.match(lines[2]!, /^seed-conv b1: NOT compared: parameter counts differ \(ours 1000, torch 999\)/);
  // The table shows no torch numbers for a model it will not compare.
  const seedB1 = table([rows('seed-conv b1', 50, 40, 999)]).slice(1);
  assert.ok(seedB1.every((r) => r[3] === '-'));
});
