// Where a training step's time goes, per tfjs kernel: `npx tsx bench/profile-step.ts [PRESET] [BACKEND] [BATCH]`.
// Used to find hot kernels (it found wasm's scalar BatchMatMul path and LayerNorm's Tile gradient).
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer } from '../src/main/engine/trainer.ts';
import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { BackendChoice } from '../src/shared/config.ts';

const [presetId = 'mlp-bernoulli', backend = 'wasm', batch] = process.argv.slice(2);
console.log((await initBackend(backend as BackendChoice)).note);
const cfg = structuredClone(findPreset(presetId)!.config);
if (batch) cfg.optim.batchSize = Number(batch);
cfg.data.limit = 2000;
const trainer = new Trainer(cfg, prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed));
for (let i = 0; i < 3; i++) trainer.trainStep();
const totals = new Map<string, { ms: number; calls: number }>();
const steps = 10;
const t0 = performance.now();
for (let i = 0; i < steps; i++) {
  const info = await tf.profile(() => {
    trainer.trainStep();
  });
  for (const k of info.kernels) {
    const t = totals.get(k.name) ?? { ms: 0, calls: 0 };
    t.ms += k.kernelTimeMs as number;
    t.calls += 1;
    totals.set(k.name, t);
  }
}
const wall = (performance.now() - t0) / steps;
const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((s, [, t]) => s + t.ms, 0) / steps;
console.log(
  `${presetId} batch ${cfg.optim.batchSize}: ${wall.toFixed(2)} ms/step (profiled), kernels ${kernelMs.toFixed(2)} ms, ${rows.reduce((s, [, t]) => s + t.calls, 0) / steps} kernel calls/step`,
);
for (const [name, t] of rows.slice(0, 15))
  console.log(
    `${name.padEnd(26)} ${(t.ms / steps).toFixed(2).padStart(8)} ms  ${(t.calls / steps).toFixed(0).padStart(4)} calls`,
  );
trainer.dispose();
