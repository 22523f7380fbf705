// The UI against a stub backend in the page (test/e2e/stub-client.ts): a 100,000-step run that keeps
// streaming, measured for main-thread stalls, and screens real training rarely reaches quickly
// (failed and queued runs, a full runs table, the Electron-only Browse button). Screenshots go to
// test-artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { AppInfo } from '../../src/shared/contract.ts';
import { PRESETS, findPreset } from '../../src/shared/presets.ts';
import type { RunRecord } from '../../src/shared/training.ts';
import { launchBrowser, ROOT, startWorkbench, type Workbench } from './harness.ts';
import { stubClientScript, type StubOptions } from './stub-client.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 9, 30);

function appInfo(shell: AppInfo['shell']): AppInfo {
  return {
    version: '0.1.0',
    shell,
    databasePath: '/home/me/.config/VAE Workbench/workbench.db',
    logFile: '/home/me/.config/VAE Workbench/logs/workbench.log',
    presets: PRESETS,
    maxConcurrent: 2,
    pid: 4242,
  };
}

function run(id: number, overrides: Partial<RunRecord> = {}): RunRecord {
  const preset = overrides.preset ?? 'quick';
  const loss = (total: number) => ({ recon: total * 0.88, kl: total * 0.12, total });
  return {
    id,
    name: `${preset} run ${id}`,
    preset,
    config: findPreset(preset)!.config,
    status: 'completed',
    statusMessage: '',
    backend: 'wasm',
    createdAt: T0 + id * HOUR,
    startedAt: T0 + id * HOUR + 1000,
    finishedAt: T0 + id * HOUR + 95_000,
    datasetName: 'MNIST (built-in)',
    datasetFingerprint: 'f',
    notes: '',
    tags: [],
    step: 0,
    epoch: 0,
    totalSteps: 423,
    finalTrain: loss(104 + id),
    finalHeldOut: loss(101 + id * 1.7),
    imagesPerSec: 3800,
    owner: null,
    ...overrides,
  };
}

async function openWithStub(
  browser: Browser,
  workbench: Workbench,
  options: StubOptions,
  hash: string,
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  await context.addInitScript({ content: stubClientScript(options) });
  await context.addInitScript({
    content: `window.__longTasks = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });`,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${workbench.url}${hash}`);
  return { page, problems };
}

/** The page's globals, typed by hand (this file is compiled without the DOM's types); a cast, as page functions take no closures. */
type PageGlobals = {
  document: { querySelector(selector: string): { getAttribute(name: string): string | null; value?: string } | null };
};

function pointsAtLeast(page: Page, n: number): Promise<unknown> {
  return page.waitForFunction(
    (min) =>
      Number(
        (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points'),
      ) >= min,
    n,
    { timeout: 30_000 },
  );
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(ARTIFACTS, `ui-stub-${name}-${colorScheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('UI with a stub backend', { timeout: 120_000 }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const workbench = await startWorkbench();
  t.after(() => workbench.close());
  const browser = await launchBrowser();
  t.after(() => browser.close());

  await t.test('a 100,000-step run opens and keeps streaming without long stalls', async () => {
    const live = run(1, {
      name: 'long run',
      status: 'running',
      finishedAt: null,
      totalSteps: 200_000,
      finalTrain: null,
      finalHeldOut: null,
    });
    const stream = { runId: 1, perBatch: 50, perSecond: 20, batches: 60 };
    const { page, problems } = await openWithStub(
      browser,
      workbench,
      { appInfo: appInfo('browser'), runs: [live], historySteps: { 1: 100_000 }, stream },
      '#/runs/1',
    );
    const opened = Date.now();
    await pointsAtLeast(page, 100_000);
    const openMs = Date.now() - opened;
    // Long tasks from here on are the streaming's: opening (parsing 100,000 points once) is excluded.
    const before = (await page.evaluate('window.__longTasks.length')) as number;
    const end = 100_000 + stream.perBatch * stream.batches;
    await pointsAtLeast(page, end);
    assert.equal(Number(await page.getByTestId('loss-chart').getAttribute('data-points')), end);
    const streamingTasks = ((await page.evaluate('window.__longTasks')) as number[]).slice(before);
    const longest = Math.max(0, ...streamingTasks);
    t.diagnostic(
      `opened with 100,000 points in ${openMs} ms; while streaming ${stream.batches} batches: ${streamingTasks.length} long tasks, longest ${longest.toFixed(0)} ms`,
    );
    // A generous bound for a shared 2-core machine: the point is that an update does not grow with the history.
    assert.ok(longest < 250, `a chart update took ${longest} ms`);
    assert.equal(Number(await page.getByTestId('loss-chart').getAttribute('data-held-out-points')), 10);
    await page.getByTestId('log-scale').check();
    await page.getByTestId('smoothing').fill('0.99');
    await page.waitForTimeout(200);
    await shoot(page, 'long-run');
    assert.deepEqual(problems, []);
  });

  await t.test('failed, queued and interrupted runs say what happened and offer what can be done', async () => {
    const runs = [
      run(1, { preset: 'seed-notebook', tags: ['notebook', 'baseline'] }),
      run(2, {
        preset: 'mlp-bernoulli',
        status: 'failed',
        statusMessage: 'loss became NaN at step 812 (epoch 2; reconstruction NaN, KL 3.1)',
        finalHeldOut: null,
      }),
      run(3, { status: 'interrupted', statusMessage: 'Stopped by the user at step 200; resume continues from here.' }),
      run(4, { status: 'running', finishedAt: null, finalHeldOut: null, finalTrain: null }),
      run(5, { status: 'queued', startedAt: null, finishedAt: null, finalHeldOut: null, finalTrain: null, backend: '' }),
    ];
    const { page, problems } = await openWithStub(
      browser,
      workbench,
      { appInfo: appInfo('browser'), runs, historySteps: { 1: 1269, 2: 812, 3: 200, 4: 50 } },
      '#/runs/2',
    );
    await page
      .getByTestId('status-message')
      .getByText(/Failed: loss became NaN at step 812/)
      .waitFor();
    await page.getByTestId('resume').waitFor();
    assert.equal(await page.getByTestId('pause').count(), 0);
    await shoot(page, 'failed');
    await page.getByTestId('run-tags').fill('diverged, lr-too-high');
    await page.getByTestId('run-notes').fill('lr 1e-3 with batch 128 diverged at step 812.');
    await page.getByTestId('save-notes').click();
    await page.locator('[data-testid="save-notes"]:disabled').waitFor();
    assert.equal(await page.getByTestId('run-notes').inputValue(), 'lr 1e-3 with batch 128 diverged at step 812.');

    await page.getByTestId('nav-run-5').click();
    await page
      .getByTestId('status-message')
      .getByText(/Waiting for a free training slot/)
      .waitFor();
    assert.match(await page.getByTestId('stop').innerText(), /Cancel/);
    await shoot(page, 'queued');

    await page.getByTestId('nav-runs').click();
    await page.getByTestId('run-row-3').getByTestId('resume-3').waitFor();
    await page.getByTestId('sort-heldOut').click();
    const firstRow = page.locator('[data-testid="runs-table"] tbody tr').first();
    assert.equal(await firstRow.getAttribute('data-testid'), 'run-row-1', 'lowest held-out loss first');
    await page.getByTestId('select-1').check();
    await page.getByTestId('select-3').check();
    assert.match(await page.getByTestId('delete-selected').innerText(), /\(2\)/);
    await page.getByTestId('run-row-1').getByTestId('edit-tags').click();
    await page.getByTestId('run-row-1').getByTestId('edit-tags-input').fill('notebook, baseline, keep');
    await page.getByTestId('run-row-1').getByTestId('edit-tags-save').click();
    await page.getByTestId('run-row-1').getByText('keep').waitFor();
    const overflow = await page.getByTestId('runs-table').evaluate((t) => t.scrollWidth - (t.parentElement?.clientWidth ?? 0));
    assert.ok(overflow <= 0, `the runs table is ${overflow} px too wide for a 1360 px window`);
    await shoot(page, 'runs');
    await page.getByTestId('delete-selected').click();
    await page.getByTestId('confirm-delete').waitFor();
    await page.getByTestId('cancel-delete').click();
    assert.equal(await page.locator('[data-testid^="run-row-"]').count(), 5);
    assert.deepEqual(problems, []);
  });

  await t.test('in Electron the form offers a native file dialog', async () => {
    const { page, problems } = await openWithStub(
      browser,
      workbench,
      { appInfo: appInfo('electron'), runs: [], historySteps: {} },
      '#/new',
    );
    await page.getByTestId('field-data.source').selectOption('csv');
    await page.getByTestId('field-data.path').waitFor();
    await page
      .getByTestId('launch')
      .getByText(/1 problem/)
      .waitFor();
    await page.getByTestId('browse-data').click();
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="field-data.path"]')?.value !== '',
    );
    assert.equal(await page.getByTestId('field-data.path').inputValue(), '/home/me/data/mnist_train.csv');
    await page.getByTestId('check-data').click();
    await page
      .getByTestId('dataset-summary')
      .getByText(/60,000 images/)
      .waitFor();
    assert.ok(await page.getByTestId('launch').isEnabled());
    await shoot(page, 'electron-form');
    assert.deepEqual(problems, []);
  });
});
