/// <reference lib="dom" />
// `npx tsx bench/compare-many.ts [--runs N] [--steps N] [--profile FILE]`: Compare with many runs (default 400),
// each with a logged history, in headless Chromium: from opening the view to every run's curve on
// the chart, how long the page's main thread was busy meanwhile (long tasks), and how many long
// tasks there were. Prints numbers; asserts nothing.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/main/store/index.ts';
import { launchBrowser, openPage, startWorkbench } from '../test/e2e/harness.ts';
import { fillRuns } from '../test/e2e/many-runs.ts';
import { AppShell } from '../test/e2e/pages/app-shell.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '400' }, steps: { type: 'string', default: '200' }, profile: { type: 'string' } },
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
    const { page } = await openPage(browser, { width: 1280, height: 800 });
    const app = await new AppShell(page).open(workbench.url);
    await app.goto('#/new');
    await page.evaluate(`(() => {
      window.__longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask' });
    })()`);
    // --profile FILE: a CPU profile of the page (open it in Chrome's DevTools; build with VAE_NO_MINIFY=1 for names).
    const cdp = values.profile ? await page.context().newCDPSession(page) : null;
    await cdp?.send('Profiler.enable');
    await cdp?.send('Profiler.start');
    // The page notes when the chart first has curves in its data, when it has every run's, and when
    // the chart has drawn every one (a draw may lag the data: CompareChart.svelte defers costly draws).
    // A string: tsx would wrap an inner function in a helper the page lacks.
    await page.evaluate(`(() => {
      const t0 = performance.now();
      const marks = (window.__compareMarks = {});
      const poll = () => {
        const el = document.querySelector('[data-testid="compare-chart"]');
        const data = Number(el?.dataset.datasets ?? 0);
        const drawn = Number(el?.dataset.drawn ?? 0);
        if (drawn > 0 && marks.firstDrawn === undefined) marks.firstDrawn = performance.now() - t0;
        if (data === ${count} && marks.allData === undefined) marks.allData = performance.now() - t0;
        if (drawn === ${count}) return void (marks.allDrawn = performance.now() - t0);
        setTimeout(poll, 50);
      };
      location.hash = '#/compare/${ids.join(',')}';
      poll();
    })()`);
    await page.waitForFunction(
      () => (window as unknown as { __compareMarks: { allDrawn?: number } }).__compareMarks.allDrawn !== undefined,
      undefined,
      {
        timeout: 600_000,
        polling: 200,
      },
    );
    const marks = (await page.evaluate('window.__compareMarks')) as { firstDrawn: number; allData: number; allDrawn: number };
    await page.waitForTimeout(1000);
    if (cdp && values.profile) writeFileSync(values.profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    const longTasks = (await page.evaluate('window.__longTasks')) as number[];
    const busy = longTasks.reduce((a, b) => a + b, 0);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    process.stdout.write(
      `Compare with ${count} runs of ${stepsPerRun} steps: first curves drawn after ${s(marks.firstDrawn)}, every run's history ` +
        `in after ${s(marks.allData)}, every curve drawn after ${s(marks.allDrawn)}; ` +
        `${longTasks.length} long tasks (over 50 ms) totalling ${(busy / 1000).toFixed(1)} s, the longest ${Math.max(0, ...longTasks).toFixed(0)} ms ` +
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
