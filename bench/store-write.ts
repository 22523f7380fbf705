// How much does logging cost a training step? Writes 10,000 step rows through MetricWriter into a real
// SQLite file (WAL, synchronous=NORMAL) and reports microseconds per row, for the default batch of 50
// and, for contrast, one transaction per row. A training step takes ~5-300 ms, so anything in the tens
// of microseconds is noise.
//
// Measured on the 2-core dev machine (median of 5): batch 50: ~5-8 µs/row (10,000 rows in ~80 ms);
// batch 1: ~44 µs/row. Either is under 0.2% of a 5 ms step; batching mostly saves WAL growth and lock
// turns with the other process.
//
//   npx tsx bench/store-write.ts

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/main/store/database.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';

const ROWS = 10_000;
const REPEATS = 5;

function timeWrites(batchSize: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vae-bench-'));
  const store = openDatabase(path.join(dir, 'runs.db'));
  try {
    const runId = store.runs.create({ config: DEFAULT_CONFIG }).id;
    const writer = store.metrics.writer(runId, { batchSize, maxDelayMs: Number.POSITIVE_INFINITY });
    const start = process.hrtime.bigint();
    for (let step = 1; step <= ROWS; step++) {
      const total = 200 / Math.sqrt(step);
      writer.append({
        step,
        epoch: Math.ceil(step / 140),
        loss: { recon: total * 0.8, kl: total * 0.2, total },
        imagesPerSec: 900,
        wallMs: step * 70,
      });
    }
    writer.flush();
    const micros = Number(process.hrtime.bigint() - start) / 1000;
    if (store.metrics.listSteps(runId).length !== ROWS) throw new Error('rows missing');
    return micros / ROWS;
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

for (const batchSize of [50, 1]) {
  const perRow = Array.from({ length: REPEATS }, () => timeWrites(batchSize));
  console.log(
    `batch ${String(batchSize).padStart(3)}: ${median(perRow).toFixed(1)} µs/row median of ${REPEATS} ` +
      `(${perRow.map((x) => x.toFixed(1)).join(', ')}); ${((median(perRow) * ROWS) / 1000).toFixed(0)} ms for ${ROWS} rows`,
  );
}
