// The other process for bench/follow.ts: creates runs and logs steps into the database it is given,
// as the CLI would, and prints when each write was committed (one JSON object on stdout).
//
//   npx tsx bench/follow-writer.ts DB_PATH

import { openDatabase } from '../src/main/store/database.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';

const RUNS = 20;
const STEPS = 400;
const STEP_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const store = openDatabase(process.argv[2]!, { processKind: 'cli' });
const created: [number, number][] = [];
const steps: [number, number][] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const run = store.runs.create({ config: DEFAULT_CONFIG, ownerPid: process.pid });
    created.push([run.id, Date.now()]);
    await sleep(150 + ((i * 97) % 400));
  }
  // One run trained at 100 steps a second through the same batching writer the run service uses:
  // what a viewer sees includes that batching, not only the polling.
  const run = store.runs.create({ config: DEFAULT_CONFIG, ownerPid: process.pid });
  store.runs.markStarted(run.id, { backend: 'bench', ownerPid: process.pid, totalSteps: STEPS });
  const writer = store.metrics.writer(run.id);
  for (let step = 1; step <= STEPS; step++) {
    writer.append({ step, epoch: 1, loss: { recon: 1, kl: 1, total: 2 }, imagesPerSec: 100, wallMs: step * STEP_MS });
    steps.push([step, Date.now()]);
    await sleep(STEP_MS);
  }
  writer.close();
  store.runs.markFinished(run.id, 'completed', '');
  process.stdout.write(JSON.stringify({ progressRun: run.id, created, steps }));
} finally {
  store.close();
}
