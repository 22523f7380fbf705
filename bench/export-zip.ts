// What deflating an export's files buys, to choose per file type in src/main/export/zip.ts: the
// weights of each preset's models (float32, freshly initialised: trained weights are as random in
// their low bits) and a long run's step metrics CSV, at fflate levels 1 and 6, with the time taken.
// Run: npx tsx bench/export-zip.ts

import { deflateSync } from 'fflate';
import { initBackend } from '../src/main/engine/backend.ts';
import { buildDecoder, buildEncoder } from '../src/main/engine/model.ts';
import { encodeWeights, readModelWeights } from '../src/main/engine/weights.ts';
import { stepsToCsv } from '../src/main/export/csv.ts';
import { PRESETS } from '../src/shared/presets.ts';

function measure(what: string, bytes: Uint8Array): void {
  const parts = [`${what.padEnd(34)} ${(bytes.length / 1e6).toFixed(2).padStart(7)} MB`];
  for (const level of [1, 6] as const) {
    const t = performance.now();
    const out = deflateSync(bytes, { level });
    const ms = performance.now() - t;
    parts.push(
      `level ${level}: ${((100 * out.length) / bytes.length).toFixed(1).padStart(5)} % in ${ms.toFixed(0).padStart(5)} ms`,
    );
  }
  console.log(parts.join('   '));
}

await initBackend('cpu');
for (const preset of PRESETS) {
  const { model, data, run } = preset.config;
  const image = { height: data.imageHeight, width: data.imageWidth };
  const weights = [buildEncoder(model, image, run.seed), buildDecoder(model, image, run.seed)].map((m) =>
    encodeWeights(readModelWeights(m)),
  );
  measure(`${preset.id} weights`, new Uint8Array(Buffer.concat(weights)));
}
const steps = Array.from({ length: 50_000 }, (_, i) => ({
  step: i + 1,
  epoch: 1 + Math.floor(i / 1000),
  loss: { recon: 100 - i / 1e3 + Math.sin(i), kl: 20 + Math.cos(i), total: 120 - i / 1e3 },
  imagesPerSec: 3000 + (i % 97),
  wallMs: i * 12,
}));
measure('metrics-steps.csv, 50,000 steps', new TextEncoder().encode(stepsToCsv(steps)));
