// Image folders at scale: makes N colour PNGs of 64x64 (100,000 by default), then measures, each in
// a fresh process so its peak memory is its own, the first load (scan, decode every file with sharp,
// write the cache) and a cached load (scan, read the one cache file), and the cached data set split
// and drawn in training batches (bytes until a batch is converted to floats).
//
//   npm run bench:images [-- --count N] [--size S] [--dir DIR (reuse its images)] [--json]

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeImageFolder } from '../scripts/make-image-folder.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import type { DataConfig } from '../src/shared/config.ts';

interface PhaseResult {
  phase: string;
  images: number;
  wallMs: number;
  cpuMs: number;
  /** Peak resident memory of the process, MB. */
  maxRssMb: number;
  /** JS heap in use at the end, MB: stays small when pixels are one typed array, not objects. */
  heapMb: number;
  decoded: number;
}

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    size: { type: 'string', default: '64' },
    dir: { type: 'string' },
    phase: { type: 'string' },
    cache: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const size = Number(values.size);

function dataConfig(path: string): DataConfig {
  return {
    ...DEFAULT_CONFIG.data,
    source: 'folder',
    path,
    imageHeight: size,
    imageWidth: size,
    channels: 3,
    heldOutFraction: 0.1,
  };
}

/** One measured load, in this (child) process; prints its PhaseResult as JSON. */
async function phase(name: string, dir: string, cacheDir: string): Promise<void> {
  const { loadImageFolder } = await import('../src/main/data/folder/index.ts');
  const { prepareSplit, drawBatch } = await import('../src/main/data/index.ts');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let decoded = 0;
  const cfg = dataConfig(dir);
  const ds = await loadImageFolder(cfg, { cacheDir, progress: (p) => void (p.phase === 'decoding' && decoded++) });
  let images = ds.count;
  if (name === 'train-batches') {
    // What a run does next: split, then draw an epoch's worth of 128-image float batches.
    const split = prepareSplit(ds, cfg, 1);
    const batch = new Float32Array(128 * size * size * 3);
    images = 0;
    for (let start = 0; start < split.train.count; start += 128) {
      const end = Math.min(split.train.count, start + 128);
      drawBatch(split.train, null, start, end, batch, null);
      images += end - start;
    }
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const result: PhaseResult = {
    phase: name,
    images,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    heapMb: process.memoryUsage().heapUsed / 2 ** 20,
    decoded,
  };
  console.log(JSON.stringify(result));
}

function runPhase(name: string, dir: string, cacheDir: string): PhaseResult {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'bench/image-folder.ts', '--phase', name, '--dir', dir, '--cache', cacheDir, '--size', String(size)],
    { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as PhaseResult;
}

async function main(): Promise<void> {
  if (values.phase) return phase(values.phase, values.dir!, values.cache!);
  const count = Number(values.count);
  const work = mkdtempSync(join(tmpdir(), 'vae-bench-images-'));
  const dir = values.dir ?? join(work, 'images');
  const cacheDir = join(work, 'cache');
  try {
    if (!values.dir || !existsSync(values.dir)) {
      const t0 = performance.now();
      process.stderr.write(`making ${count.toLocaleString('en-US')} PNGs of ${size}x${size} RGB in ${dir}…\n`);
      await makeImageFolder(dir, { count, classes: 5, size, formats: 'png-rgb', concurrency: 16 });
      process.stderr.write(`  made in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    const results = [
      runPhase('first-load', dir, cacheDir),
      runPhase('cached-load', dir, cacheDir),
      runPhase('train-batches', dir, cacheDir),
    ];
    if (values.json) {
      console.log(JSON.stringify({ count, size, results }, null, 2));
      return;
    }
    console.log(`Image folder: ${results[0]!.images.toLocaleString('en-US')} images, ${size}x${size} RGB`);
    console.log('phase           wall s   CPU s   peak RSS MB   JS heap MB   decoded');
    for (const r of results) {
      console.log(
        `${r.phase.padEnd(14)} ${(r.wallMs / 1000).toFixed(1).padStart(7)} ${(r.cpuMs / 1000).toFixed(1).padStart(7)} ` +
          `${r.maxRssMb.toFixed(0).padStart(13)} ${r.heapMb.toFixed(0).padStart(12)} ${String(r.decoded).padStart(9)}`,
      );
    }
    const first = results[0]!;
    console.log(`first load: ${Math.round(first.images / (first.wallMs / 1000)).toLocaleString('en-US')} images/s decoded`);
    console.log('(train-batches: the cached load, then the split and one epoch of 128-image float batches)');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
