// Measures loading a Kaggle-sized MNIST CSV (60,000 rows, ~110 MB): time and memory.
// Run: npx tsx bench/csv-load.ts [rows]
// The file is written by this process and loaded by a fresh child, so the memory numbers are not
// muddied by the writer's garbage.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/main/data/index.ts';
import { makeRng } from '../src/shared/random.ts';

/** MNIST-like rows: ~80% zeros, the rest 0..255, so the size matches the real file's ~110 MB. */
function writeSyntheticCsv(file: string, rows: number): void {
  const rng = makeRng(1);
  const fd = openSync(file, 'w');
  const header = ['label'];
  for (let r = 1; r <= 28; r++) for (let c = 1; c <= 28; c++) header.push(`${r}x${c}`);
  writeSync(fd, header.join(',') + '\n');
  let block: string[] = [];
  for (let i = 0; i < rows; i++) {
    const row: number[] = [i % 10];
    for (let p = 0; p < 784; p++) row.push(rng() < 0.8 ? 0 : Math.floor(rng() * 256));
    block.push(row.join(','));
    if (block.length === 1000 || i === rows - 1) {
      writeSync(fd, block.join('\n') + '\n');
      block = [];
    }
  }
  closeSync(fd);
}

async function measure(file: string): Promise<void> {
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 5);
  const t0 = performance.now();
  const ds = await loadDataset({
    source: 'csv',
    path: file,
    labelsPath: '',
    labels: [],
    heldOutFraction: 0,
    limit: 0,
    imageHeight: 28,
    imageWidth: 28,
    testPath: '',
    binarization: 'none',
    channels: 1,
    fit: 'crop',
    badImages: 'refuse',
    validationFraction: 0.1,
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  sample();
  const mb = statSync(file).size / 1e6;
  const arraysMb = (ds.images.byteLength + (ds.labels?.byteLength ?? 0)) / 1e6;
  console.log(`${ds.count} rows, ${mb.toFixed(1)} MB: loaded in ${seconds.toFixed(2)} s (${(mb / seconds).toFixed(0)} MB/s)`);
  console.log(
    `result arrays ${arraysMb.toFixed(0)} MB; peak RSS +${((peakRss - before.rss) / 1e6).toFixed(0)} MB, ` +
      `peak JS heap +${((peakHeap - before.heapUsed) / 1e6).toFixed(1)} MB (typed arrays live outside the heap)`,
  );
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!);
} else {
  const rows = Number(process.argv[2] ?? 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'vae-bench-'));
  try {
    const file = join(dir, 'mnist_train.csv');
    const t0 = performance.now();
    writeSyntheticCsv(file, rows);
    console.log(`wrote ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--measure', file], {
      stdio: 'inherit',
    });
    process.exitCode = child.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
