// The server half of bench/ui-stream.ts, in its own process so the browser driver's work does not
// land on the event loop being measured. Prints {url, runId}, then on "go" (stdin) measures its
// event loop for SECONDS and prints the result as one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { createAppCore } from '../src/main/app-core.ts';
import { startServer } from '../src/main/web/server.ts';
import { findPreset } from '../src/shared/presets.ts';

const [staticDir, secondsArg] = process.argv.slice(2);
if (staticDir === undefined) throw new Error('usage: ui-stream-server.ts <static dir> [seconds]');
const dir = mkdtempSync(join(tmpdir(), 'vae-ui-bench-'));
const core = createAppCore({ databasePath: join(dir, 'bench.db'), shell: 'browser' });
const server = await startServer({ core, staticDir });
// A run long enough to stream for the whole measurement, logging every step.
const config = structuredClone(findPreset('quick')!.config);
config.optim.batchSize = 32;
config.optim.epochs = 50;
config.run.logEvery = 1;
config.run.previewEvery = 10;
const run = await core.service.start(config);
process.stdout.write(`${JSON.stringify({ url: server.url, runId: run.id })}\n`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== 'go') continue;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const elu = performance.eventLoopUtilization();
  await new Promise((r) => setTimeout(r, Number(secondsArg) * 1000));
  delay.disable();
  const steps = core.store.metrics.listSteps(run.id).length;
  process.stdout.write(
    `${JSON.stringify({
      steps,
      utilisation: performance.eventLoopUtilization(elu).utilization,
      p50: delay.percentile(50) / 1e6,
      p99: delay.percentile(99) / 1e6,
      max: delay.max / 1e6,
      // How the run computed (e.g. "wasm, 2 threads, data-parallel"): the UI is measured while it uses every core.
      backend: core.store.runs.get(run.id)?.backend ?? null,
    })}\n`,
  );
  break;
}
lines.close();
await core.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
