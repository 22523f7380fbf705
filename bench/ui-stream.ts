/// <reference lib="dom" />
// `npx tsx bench/ui-stream.ts [--seconds N] [--json]`: what a person feels while a run streams.
// Starts browser mode in this process (so its event loop can be watched), opens the live run view
// in headless Chromium, and reports:
//   - the renderer's longest main-thread task (Long Tasks API, which reports tasks >= 50 ms) and
//     the longest gap between animation frames (target: under 50 ms),
//   - the rate of event batches reaching the page (target: at most about 20 a second),
//   - the server's event-loop delay while it relays events and writes the store (target: p99 < 20 ms).
// Prints numbers; asserts nothing.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ensureBuilt, launchBrowser, ROOT } from '../test/e2e/harness.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '15' }, json: { type: 'boolean' } } });
const seconds = Number(values.seconds);

await ensureBuilt();
// The server runs in its own process: the browser driver here handles every socket frame it
// reports, which would otherwise be counted against the server's event loop.
const profile = process.env.VAE_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.VAE_BENCH_CPU_PROF}`] : [];
const child = spawn(
  process.execPath,
  [...profile, '--import', 'tsx', join(ROOT, 'bench', 'ui-stream-server.ts'), join(ROOT, 'out', 'renderer'), String(seconds)],
  {
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const childLines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
const nextLine = async () => JSON.parse((await childLines.next()).value as string);
const { url, runId } = (await nextLine()) as { url: string; runId: number };
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.addInitScript(() => {
  const w = window as unknown as { __longTasks: number[]; __frameGaps: number[] };
  w.__longTasks = [];
  w.__frameGaps = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({
    type: 'longtask',
    buffered: true,
  });
  let last = performance.now();
  const frame = (t: number) => {
    w.__frameGaps.push(t - last);
    last = t;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
});
const batches: number[] = [];
const calls = new Map<string, number>();
page.on('websocket', (ws) =>
  ws
    .on('framesent', (f) => {
      const m = /"method":"(\w+)"/.exec(String(f.payload));
      if (m) calls.set(m[1]!, (calls.get(m[1]!) ?? 0) + 1);
    })
    .on('framereceived', (f) => {
      if (typeof f.payload === 'string' && f.payload.startsWith('{"event"') && f.payload.includes('"training"'))
        batches.push(Date.now());
    }),
);

await page.goto(url);
await page.waitForSelector('#app *');
await page.evaluate((hash) => {
  window.location.hash = hash;
}, `#/runs/${runId}`);
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
const t0 = Date.now();
child.stdin.write('go\n');
// Busy fraction of the server's main thread: a high delay with a low utilisation means the thread
// was waiting for a core (2 cores, shared with the training thread and the browser), not working.
const server = (await nextLine()) as {
  steps: number;
  utilisation: number;
  p50: number;
  p99: number;
  max: number;
  backend: string | null;
};
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
const result = {
  seconds: elapsed,
  stepsLogged: server.steps,
  backend: server.backend,
  openingLongestTaskMs: opening,
  renderer: page_,
  updates: {
    batches: batches.length,
    perSecondAverage: batches.length / elapsed,
    perSecondMax: Math.max(0, ...perSecond.values()),
  },
  server: {
    utilisation: server.utilisation,
    eventLoopDelayP50Ms: server.p50,
    eventLoopDelayP99Ms: server.p99,
    eventLoopDelayMaxMs: server.max,
  },
};
if (process.env.VAE_BENCH_CALLS) console.error('calls', JSON.stringify([...calls]));
await browser.close();
await new Promise((r) => child.once('exit', r));

if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  const r = result;
  process.stdout.write(
    `streamed ${r.stepsLogged} logged steps in ${r.seconds.toFixed(1)} s, the run on ${r.backend ?? 'an unknown backend'}\n` +
      `opening the run view: longest task ${r.openingLongestTaskMs.toFixed(0)} ms\n` +
      `while streaming: renderer's longest task ${r.renderer.longestTask.toFixed(0)} ms (${r.renderer.longTasks} tasks >= 50 ms; target: none)` +
      (r.renderer.frames > 0
        ? `, frame gap p99 ${r.renderer.frameGapP99.toFixed(1)} ms, max ${r.renderer.frameGapMax.toFixed(1)} ms over ${r.renderer.frames} frames\n`
        : '\n') +
      `updates reaching the page: ${r.updates.perSecondAverage.toFixed(1)}/s on average, at most ${r.updates.perSecondMax} in one second (target <= ~20)\n` +
      `server event-loop delay: p50 ${r.server.eventLoopDelayP50Ms.toFixed(2)} ms, p99 ${r.server.eventLoopDelayP99Ms.toFixed(2)} ms, max ${r.server.eventLoopDelayMaxMs.toFixed(1)} ms (target p99 < 20); ` +
      `main thread busy ${(r.server.utilisation * 100).toFixed(1)}% of the time\n`,
  );
}
