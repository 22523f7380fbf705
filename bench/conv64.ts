// `npm run bench:conv64 [-- --backend wasm|cpu|tensorflow] [-- --seconds N] [-- --batch B]`:
// training throughput (images/s) of the conv-64 preset's model (64x64 RGB, four stride-2 conv
// blocks each way) on synthetic colour images, made in memory so no image folder is needed. It
// prints numbers and asserts nothing, so it is not part of `npm test`.

import { parseArgs } from 'node:util';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer } from '../src/main/engine/trainer.ts';
import { prepareSplit } from '../src/main/data/index.ts';
import { syntheticDataset } from '../src/main/data/synthetic.ts';
import { CONV64_CONFIG } from '../src/shared/presets.ts';
import type { BackendChoice, ExperimentConfig } from '../src/shared/config.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    seconds: { type: 'string', default: '20' },
    batch: { type: 'string', multiple: true },
  },
});
const batches = (values.batch ?? ['64', '8']).map(Number);

const backend = await initBackend(values.backend as BackendChoice);
process.stdout.write(`conv-64 (64x64x3, conv 32-64-128-256, deconv 256-128-64-32) on ${backend.note}\n`);
const data = syntheticDataset(CONV64_CONFIG.data, 512);
for (const batchSize of batches) {
  const cfg: ExperimentConfig = {
    ...CONV64_CONFIG,
    data: { ...CONV64_CONFIG.data, source: 'csv', path: 'synthetic', heldOutFraction: 0 },
    optim: { ...CONV64_CONFIG.optim, batchSize, epochs: 1000 },
  };
  const trainer = new Trainer(cfg, prepareSplit({ ...data, test: null }, cfg.data, cfg.run.seed));
  try {
    for (let i = 0; i < 2; i++) trainer.trainStep(); // warm-up: Adam's moments, XNNPACK operator caches
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < Number(values.seconds) * 1000) {
      trainer.trainStep();
      steps++;
    }
    const ms = (performance.now() - t0) / steps;
    process.stdout.write(
      `conv-64 b${batchSize}: ${((1000 * batchSize) / ms).toFixed(1)} images/s, ${ms.toFixed(0)} ms/step (${steps} steps)\n`,
    );
  } finally {
    trainer.dispose();
  }
}
