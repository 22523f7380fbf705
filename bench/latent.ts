// `npx tsx bench/latent.ts [--json]`: how fast the latent explorer and Compare get their images.
// Starts the built browser-mode server, trains one short run per decoder kind over the contract,
// then times, over the WebSocket exactly as the renderer calls them:
//   - one-point decodes (a slider move), back to back: p50 / p95 / max (target: < 50 ms),
//   - a 20x20 manifold grid (target: < 1 s),
//   - the first decode of a checkpoint (the worker builds the model and loads its weights),
//   - encoding 1,000 held-out images, first (data set load included) and again.
// Prints numbers; asserts nothing.

import { parseArgs } from 'node:util';
import { manifoldPoints } from '../src/shared/latent-math.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { startWorkbench } from '../test/e2e/harness.ts';
import { openRpc } from '../test/e2e/ws-rpc.ts';
import { presetConfig } from '../test/helpers.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });

const RUNS: { label: string; overrides: Record<string, unknown> }[] = [
  { label: 'mlp encoder / mlp decoder, z=16', overrides: {} },
  {
    label: 'seed-conv / seed (LayerNorm) decoder, z=2',
    overrides: { 'model.encoder': 'seed-conv', 'model.decoder': 'seed', 'model.latentDim': 2 },
  },
  { label: 'mlp / deconv decoder, z=8', overrides: { 'model.decoder': 'deconv', 'model.latentDim': 8 } },
];

const workbench = await startWorkbench();
const rpc = await openRpc(workbench.wsUrl);

async function call<T>(method: string, args: unknown): Promise<T> {
  const r = await rpc.call(method, args);
  if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  return r.value as T;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const results: Record<string, unknown>[] = [];

try {
  for (const { label, overrides } of RUNS) {
    const run = await call<RunRecord>('startRun', {
      config: presetConfig('quick', { 'data.limit': 2000, 'data.heldOutFraction': 0.5, 'optim.epochs': 1, ...overrides }),
    });
    await rpc.waitForEvent(
      (e) => e.type === 'training' && e.events.some((x) => x.type === 'status' && x.runId === run.id && x.status === 'completed'),
      300_000,
    );
    const dim = run.config.model.latentDim;
    const origin = [new Array<number>(dim).fill(0)];
    const firstDecode = await timed(() => call('decodeLatents', { runId: run.id, points: origin }));
    const slider: number[] = [];
    for (let i = 0; i < 200; i++) {
      const z = new Array<number>(dim).fill(0);
      z[i % dim] = Math.sin(i / 10) * 3;
      slider.push(await timed(() => call('decodeLatents', { runId: run.id, points: [z] })));
    }
    const grid = manifoldPoints(dim, [0, 1], 20, 3, 'linear');
    const grids: number[] = [];
    for (let i = 0; i < 5; i++) grids.push(await timed(() => call('decodeLatents', { runId: run.id, points: grid, cols: 20 })));
    const encodeFirst = await timed(() => call('encodeImages', { runId: run.id, count: 1000 }));
    const encodeAgain = await timed(() => call('encodeImages', { runId: run.id, count: 1000 }));
    results.push({
      run: label,
      sliderP50: pct(slider, 0.5),
      sliderP95: pct(slider, 0.95),
      sliderMax: Math.max(...slider),
      firstDecode,
      grid20Median: pct(grids, 0.5),
      grid20Max: Math.max(...grids),
      encode1000First: encodeFirst,
      encode1000Again: encodeAgain,
    });
  }
} finally {
  await rpc.close();
  await workbench.close();
}

if (values.json) console.log(JSON.stringify(results, null, 2));
else {
  const ms = (v: unknown) => `${(v as number).toFixed(1)} ms`;
  for (const r of results) {
    console.log(r.run);
    console.log(
      `  slider decode (1 point, end to end): p50 ${ms(r.sliderP50)}  p95 ${ms(r.sliderP95)}  max ${ms(r.sliderMax)}   (target < 50 ms)`,
    );
    console.log(`  20x20 grid: median ${ms(r.grid20Median)}  max ${ms(r.grid20Max)}   (target < 1 s)`);
    console.log(`  first decode of a checkpoint (model build + weights): ${ms(r.firstDecode)}`);
    console.log(
      `  encode 1,000 held-out images: first ${ms(r.encode1000First)} (data load included), again ${ms(r.encode1000Again)}`,
    );
  }
}
