// `npm run bench:nll [-- --json] [--backend wasm|cpu]`: how fast NLL_k is computed, in images × k per
// second (decoder passes per second), per model, at k = 100 and k = 1,000, on freshly initialised
// models of the presets' shapes (the speed does not depend on training). The same code path as
// evaluation in the app: importanceWeightedNll, chunked at 2,048 latent points per decoder call.
// Prints numbers; asserts nothing.

import { parseArgs } from 'node:util';
import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { initBackend, type BackendChoice } from '../src/main/engine/backend.ts';
import { buildDecoder, buildEncoder } from '../src/main/engine/model.ts';
import { importanceWeightedNll } from '../src/main/eval/iwae.ts';
import { findPreset } from '../src/shared/presets.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean' }, backend: { type: 'string' } } });
const backend = await initBackend((values.backend ?? 'auto') as BackendChoice);

const CASES = [
  { preset: 'quick', label: 'quick: MLP 784-256-16', images: 200 },
  { preset: 'mlp-bernoulli', label: 'mlp-bernoulli: MLP 784-400-20', images: 200 },
  { preset: 'seed-notebook', label: 'seed-notebook: conv encoder, LayerNorm decoder, z=5', images: 100 },
];

const rows: { model: string; k: number; images: number; seconds: number; imagesTimesKPerSec: number }[] = [];
for (const c of CASES) {
  const config = findPreset(c.preset)!.config;
  const data = prepareSplit(await loadDataset(config.data), config.data, config.run.seed).heldOut;
  const image = { height: config.data.imageHeight, width: config.data.imageWidth };
  const model = {
    config,
    encoder: buildEncoder(config.model, image, 1),
    decoder: buildDecoder(config.model, image, 1),
  };
  // Warm-up: kernels compiled and buffers sized before the clock starts.
  await importanceWeightedNll(model, data, { k: 10, count: 10, seed: 1 });
  for (const k of [100, 1000]) {
    const images = k === 1000 ? Math.max(10, c.images / 10) : c.images;
    const started = performance.now();
    await importanceWeightedNll(model, data, { k, count: images, seed: 1 });
    const seconds = (performance.now() - started) / 1000;
    rows.push({ model: c.label, k, images, seconds, imagesTimesKPerSec: (images * k) / seconds });
  }
  model.encoder.dispose();
  model.decoder.dispose();
}

if (values.json) console.log(JSON.stringify({ backend: backend.name, rows }, null, 2));
else {
  console.log(`NLL_k throughput on ${backend.name} (${backend.note})`);
  for (const r of rows)
    console.log(
      `${r.model.padEnd(54)} k=${String(r.k).padStart(4)}  ${String(r.images).padStart(4)} images  ${r.seconds.toFixed(2).padStart(6)} s  ${Math.round(r.imagesTimesKPerSec).toLocaleString('en-US').padStart(9)} images×k/s`,
    );
}
