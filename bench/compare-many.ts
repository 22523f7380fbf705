/// <reference lib="dom" />
// `npx tsx bench/compare-many.ts [--runs N] [--steps N] [--profile FILE]`: Compare with many runs (default 400),
// each with a logged history, in headless Chromium: from opening the view to every run's curve on
// the chart, how long the page's main thread was busy meanwhile (long tasks), and how many long
// tasks there were. Prints numbers; asserts nothing.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    const started = Date.now();
    await page.evaluate(`location.hash = '#/compare/${ids.join(',')}'`);
    await page.waitForFunction(
      (n) => document.querySelector<HTMLElement>('[data-testid="compare-chart"]')?.dataset.datasets === String(n),
      count,
      {
        timeout: 600_000,
        polling: 100,
      },
    );
    const allCurvesMs = Date.now() - started;
    await page.waitForTimeout(1000);
    if (cdp && values.profile) writeFileSync(values.profile, JSON.stringify((await cdp.send('Profiler.stop')).profile));
    const longTasks = (await page.evaluate('window.__longTasks')) as number[];
    const busy = longTasks.reduce((a, b) => a + b, 0);
    process.stdout.write(
      `Compare with ${count} runs of ${stepsPerRun} steps: every curve on the chart after ${(allCurvesMs / 1000).toFixed(1)} s; ` +
        `${longTasks.length} long tasks (over 50 ms) totalling ${(busy / 1000).toFixed(1)} s, the longest ${Math.max(0, ...longTasks).toFixed(0)} ms\n`,
    );
  } finally {
    await browser.close();
    await workbench.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
