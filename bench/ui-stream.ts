/// <reference lib="dom" />
// `npx tsx bench/ui-stream.ts [--seconds N] [--json]`: what a person feels while a run streams.
// Starts browser mode in this process (so its event loop can be watched), opens the live run view
// in headless Chromium, and reports:
//   - the renderer's longest main-thread task (Long Tasks API, which reports tasks >= 50 ms) and
//     the longest gap between animation frames (target: under 50 ms),
//   - the rate of event batches reaching the page (target: at most about 20 a second),
//   - the server's event-loop delay while it relays events and writes the store (target: p99 < 20 ms).
// Prints numbers; asserts nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance as nodePerformance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createAppCore } from '../src/main/app-core.ts';
import { startServer } from '../src/main/web/server.ts';
import { findPreset } from '../src/shared/presets.ts';
import { ensureBuilt, launchBrowser, ROOT } from '../test/e2e/harness.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, json: { type: 'boolean' } } });
const seconds = Number(values.seconds);

await ensureBuilt();
const dir = mkdtempSync(join(tmpdir(), 'vae-ui-bench-'));
const core = createAppCore({ databasePath: join(dir, 'bench.db'), shell: 'browser' });
const server = await startServer({ core, staticDir: join(ROOT, 'out', 'renderer') });
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.addInitScript(() => {
  const w = window as unknown as { __longTasks: number[]; __frameGaps: number[] };
  w.__longTasks = [];
  w.__frameGaps = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  let last = performance.now();
  const frame = (t: number) => {
    w.__frameGaps.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
});
const batches: number[] = [];
page.on('websocket', (ws) => ws.on('framereceived', (f) => {
  if (typeof f.payload === 'string' && f.payload.startsWith('{"event"') && f.payload.includes('"training"')) batches.push(Date.now());
}));

await page.goto(server.url);
await page.waitForSelector('#app *');
// A run long enough to stream for the whole measurement, logging every step.
const config = structuredClone(findPreset('quick')!.config);
config.optim.batchSize = 32;
config.optim.epochs = 50;
config.run.logEvery = 1;
config.run.previewEvery = 10;
const run = await core.service.start(config);
await page.evaluate((hash) => { window.location.hash = hash; }, `#/runs/${run.id}`);
// Opening the view (history fetch, first chart layout) is measured separately from streaming.
await page.waitForSelector('[data-testid="loss-chart"]');
await new Promise((r) => setTimeout(r, 1500));
const opening = await page.evaluate(() => Math.max(0, ...(window as unknown as { __longTasks: number[] }).__longTasks));
await page.evaluate(() => {
  const w = window as unknown as { __longTasks: number[]; __frameGaps: number[] };
  w.__longTasks = [];
  w.__frameGaps = [];
});
batches.length = 0;
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const elu0 = nodePerformance.eventLoopUtilization();
const t0 = Date.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
loop.disable();
// Busy fraction of the server's main thread: a high delay with a low utilisation means the thread
// was waiting for a core (2 cores, shared with the training thread and the browser), not working.
const utilisation = nodePerformance.eventLoopUtilization(elu0).utilization;
const elapsed = (Date.now() - t0) / 1000;
const page_ = await page.evaluate(() => {
  const w = window as unknown as { __longTasks: number[]; __frameGaps: number[] };
  const gaps = w.__frameGaps.slice(1).sort((a, b) => a - b);
  return {
    longTasks: w.__longTasks.length,
    longestTask: Math.max(0, ...w.__longTasks),
    frames: gaps.length,
    frameGapP99: gaps[Math.floor(gaps.length * 0.99)] ?? 0,
    frameGapMax: gaps[gaps.length - 1] ?? 0,
  };
});
const perSecond = new Map<number, number>();
for (const at of batches) perSecond.set(Math.floor((at - t0) / 1000), (perSecond.get(Math.floor((at - t0) / 1000)) ?? 0) + 1);
const steps = core.store.metrics.listSteps(run.id).length;
const result = {
  seconds: elapsed,
  stepsLogged: steps,
  openingLongestTaskMs: opening,
  renderer: page_,
  updates: { batches: batches.length, perSecondAverage: batches.length / elapsed, perSecondMax: Math.max(0, ...perSecond.values()) },
  server: { utilisation, eventLoopDelayP50Ms: loop.percentile(50) / 1e6, eventLoopDelayP99Ms: loop.percentile(99) / 1e6, eventLoopDelayMaxMs: loop.max / 1e6 },
};
await browser.close();
await core.close();
await server.close();
rmSync(dir, { recursive: true, force: true });

if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const r = result;
  process.stdout.write(
    `streamed ${r.stepsLogged} logged steps in ${r.seconds.toFixed(1)} s\n` +
      `opening the run view: longest task ${r.openingLongestTaskMs.toFixed(0)} ms\n` +
      `while streaming: renderer's longest task ${r.renderer.longestTask.toFixed(0)} ms (${r.renderer.longTasks} tasks >= 50 ms; target: none)` +
      (r.renderer.frames > 0 ? `, frame gap p99 ${r.renderer.frameGapP99.toFixed(1)} ms, max ${r.renderer.frameGapMax.toFixed(1)} ms over ${r.renderer.frames} frames\n` : '\n') +
      `updates reaching the page: ${r.updates.perSecondAverage.toFixed(1)}/s on average, at most ${r.updates.perSecondMax} in one second (target <= ~20)\n` +
      `server event-loop delay: p50 ${r.server.eventLoopDelayP50Ms.toFixed(2)} ms, p99 ${r.server.eventLoopDelayP99Ms.toFixed(2)} ms, max ${r.server.eventLoopDelayMaxMs.toFixed(1)} ms (target p99 < 20); ` +
        `main thread busy ${(r.server.utilisation * 100).toFixed(1)}% of the time\n`,
  );
}
