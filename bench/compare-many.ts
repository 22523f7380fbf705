/// <reference lib="dom" />
// `npx tsx bench/compare-many.ts [--runs N] [--steps N] [--reference N] [--profile FILE]`: Compare with many
// runs (default 400), each with a logged history, in headless Chromium: from opening the view to the
// first curves drawn, to every run's history in, and to every curve drawn; how long the page's main
// thread was busy meanwhile (long tasks). First the same for a comparison of --reference runs (20),
// measured in the same run as a reference on a loaded machine. Prints numbers; asserts nothing.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/main/store/index.ts';
import { launchBrowser, openPage, startWorkbench } from '../test/e2e/harness.ts';
import { fillRuns } from '../test/e2e/many-runs.ts';
import { AppShell } from '../test/e2e/pages/app-shell.ts';
import { openRpc } from '../test/e2e/ws-rpc.ts';
import { historyPoints } from '../src/renderer/src/lib/compare/image-runs.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '400' },
    steps: { type: 'string', default: '200' },
    reference: { type: 'string', default: '20' },
    profile: { type: 'string' },
  },
});
const count = Number(values.runs);
const stepsPerRun = Number(values.steps);

const dir = mkdtempSync(join(tmpdir(), 'vae-bench-compare-'));
const dbPath = join(dir, 'runs.db');
try {
  const ids = fillRuns(dbPath, { count });
  const store = openDatabase(dbPath);
  store.db.transaction(() => {
    for (const [k, id] of ids.entries()) {
      const writer = store.metrics.writer(id, { batchSize: 10_000 });
      for (let s = 1; s <= stepsPerRun; s++) {
        const total = 100 + 400 * Math.exp(-s / (40 + (k % 7) * 5)) + Math.sin(s * 1.7 + k);
        writer.append({
          step: s,
          epoch: 1 + Math.floor(s / 100),
          loss: { recon: total * 0.9, kl: total * 0.1, total },
          imagesPerSec: 900,
          wallMs: s * 20,
        });
      }
      writer.close();
    }
  })();
  store.close();

  const workbench = await startWorkbench({ dbPath });
  const browser = await launchBrowser();
  try {
    // The histories alone, over the real server's socket: every run in the chunks Compare asks for.
    const rpc = await openRpc(workbench.wsUrl);
    let t = performance.now();
    for (let i = 0; i < ids.length; i += 200) {
      const r = await rpc.call('getRunHistories', { runIds: ids.slice(i, i + 200), maxPoints: historyPoints(count) });
      if (!r.ok) throw new Error(r.error.message);
    }
    const historiesMs = performance.now() - t;
    t = performance.now();
    for (const id of ids) {
      const r = await rpc.call('getRun', { runId: id, maxPoints: historyPoints(count) });
      if (!r.ok) throw new Error(r.error.message);
    }
    const oneByOneMs = performance.now() - t;
    await rpc.close();

    const { page } = await openPage(browser, { width: 1280, height: 800 });
    const app = await new AppShell(page).open(workbench.url);
    await app.goto('#/new');
    type Marks = { firstDrawn: number; allData: number; allDrawn: number; longTasks: number[] };
    // The page notes when the chart first has curves in its data, when it has every run's, and when
    // the chart has drawn every one (a draw may lag the data: CompareChart.svelte defers costly draws),
    // and the long tasks meanwhile. A string: tsx would wrap an inner function in a helper the page lacks.
    const open = async (runIds: number[]): Promise<Marks> => {
      await app.goto('#/new');
      await page.evaluate(`(() => {
        const t0 = performance.now();
        const marks = (window.__compareMarks = { longTasks: [] });
        const observer = new PerformanceObserver((l) => l.getEntries().forEach((e) => marks.longTasks.push(e.duration)));
        observer.observe({ type: 'longtask' });
        const poll = () => {
          const el = document.querySelector('[data-testid="compare-chart"]');
          const data = Number(el?.dataset.datasets ?? 0);
          const drawn = Number(el?.dataset.drawn ?? 0);
          if (drawn > 0 && marks.firstDrawn === undefined) marks.firstDrawn = performance.now() - t0;
          if (data === ${runIds.length} && marks.allData === undefined) marks.allData = performance.now() - t0;
          if (drawn === ${runIds.length}) {
            marks.allDrawn = performance.now() - t0;
            return void setTimeout(() => observer.disconnect(), 1000);
          }
          setTimeout(poll, 50);
        };
        location.hash = '#/compare/${runIds.join(',')}';
        poll();
      })()`);
      await page.waitForFunction(
        () => (window as unknown as { __compareMarks: { allDrawn?: number } }).__compareMarks.allDrawn !== undefined,
        undefined,
        { timeout: 600_000, polling: 200 },
      );
      await page.waitForTimeout(1000);
      return (await page.evaluate('window.__compareMarks')) as Marks;
    };
    // The reference, in the same run on the same loaded machine: a comparison of a few runs.
    const reference = await open(ids.slice(0, Number(values.reference)));
    // --profile FILE: a CPU profile of the page (open it in Chrome's DevTools; build with VAE_NO_MINIFY=1 for names).
    const cdp = values.profile ? await page.context().newCDPSession(page) : null;
    await cdp?.send('Profiler.enable');
    await cdp?.send('Profiler.start');
    const marks = await open(ids);
    if (cdp && values.profile) writeFileSync(values.profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const line = (n: number, m: Marks) => {
      const busy = m.longTasks.reduce((a, b) => a + b, 0);
      return (
        `Compare with ${n} runs of ${stepsPerRun} steps: first curves drawn after ${s(m.firstDrawn)}, every run's history ` +
        `in after ${s(m.allData)}, every curve drawn after ${s(m.allDrawn)}; ${m.longTasks.length} long tasks (over 50 ms) ` +
        `totalling ${s(busy)}, the longest ${Math.max(0, ...m.longTasks).toFixed(0)} ms\n`
      );
    };
    process.stdout.write(
      line(Number(values.reference), reference) +
        line(count, marks) +
        `the ${count} histories over the socket: ${s(historiesMs)} in calls of 200 runs (getRunHistories), ` +
        `${s(oneByOneMs)} one getRun after another\n` +
        `${count} runs took ${(marks.allDrawn / reference.allDrawn).toFixed(1)} x as long as ${values.reference} to draw ` +
        `(load average ${loadavg()
          .map((v) => v.toFixed(1))
          .join(' ')})\n`,
    );
  } finally {
    await browser.close();
    await workbench.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
