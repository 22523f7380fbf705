// Compare with many runs and groups, end to end against the real browser-mode server: fifty runs
// written straight into a real SQLite file through the store (five latent sizes × two β × five
// seeds, logged at different steps, the fifth seed stopped early), opened in Compare by address.
// Checks that all fifty load and plot, that "all but the seed" makes ten groups of five with a
// band each and a legend that counts them, that the grouping lives in the address, and that at
// 1024 px the results table's last group column is reached by scrolling inside the table with the
// metric names still pinned at its left. Photographs three runs and the grouped fifty at 1280×800
// and 1024×640, light and dark, into test-artifacts/compare-groups-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { openDatabase } from '../../src/main/store/database.ts';
import type { LossParts } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { waitUntil } from './pages/base-page.ts';
import { ComparePage } from './pages/compare-page.ts';
import { steps } from './steps.ts';

const LATENT = [2, 4, 8, 16, 32];
const BETA = [1, 4];
const SEEDS = [1, 2, 3, 4, 5];
const TOTAL_STEPS = 300;
const LARGE = { width: 1280, height: 800 };
const SMALL = { width: 1024, height: 640 };

/** A made-up but VAE-shaped loss: falls with steps, lower for bigger latents, KL grows with β. */
function loss(z: number, beta: number, seed: number, step: number, offset = 0): LossParts {
  const kl = beta * (4 + 0.4 * z) * (1 - Math.exp(-step / 60));
  const recon = 80 + 60 / Math.sqrt(z) + 150 * Math.exp(-step / 70) + (seed - 3) * 1.5 + 2 * Math.sin(step / 9 + seed) + offset;
  return { total: recon + kl, recon, kl };
}

/** Writes the fifty runs into a fresh database file; returns it and the run ids in order. */
function seedDatabase(): { dir: string; dbPath: string; ids: number[] } {
  const dir = mkdtempSync(join(tmpdir(), 'vae-e2e-groups-'));
  const dbPath = join(dir, 'workbench.db');
  const store = openDatabase(dbPath);
  const ids: number[] = [];
  try {
    for (const z of LATENT)
      for (const beta of BETA)
        for (const seed of SEEDS) {
          const config = presetConfig('quick', {
            'run.name': `z${z} β${beta} seed ${seed}`,
            'model.latentDim': z,
            'loss.beta': beta,
            'run.seed': seed,
            'optim.epochs': 3,
          });
          const id = store.runs.create({ config, datasetName: 'MNIST' }).id;
          store.runs.markStarted(id, { backend: 'wasm', ownerPid: process.pid, totalSteps: TOTAL_STEPS });
          // Runs log on different grids and the fifth seed stops early: the group means must cope.
          const every = seed % 2 === 0 ? 15 : 10;
          const last = seed === 5 ? 180 : TOTAL_STEPS;
          const writer = store.metrics.writer(id);
          for (let step = every; step <= last; step += every) {
            const epoch = Math.min(3, Math.floor((step - 1) / 100) + 1);
            writer.append({ step, epoch, loss: loss(z, beta, seed, step), imagesPerSec: 400 + 10 * seed, wallMs: step * 20 });
            if (step % 100 === 0 || (step === last && seed === 5)) {
              writer.appendEpoch({
                epoch: Math.ceil(step / 100),
                step,
                train: loss(z, beta, seed, step),
                heldOut: loss(z, beta, seed, step, 4),
                imagesPerSec: 400 + 10 * seed,
                wallMs: step * 20,
              });
            }
          }
          writer.close();
          store.runs.setFinal(id, {
            train: loss(z, beta, seed, last),
            heldOut: loss(z, beta, seed, last, 4),
            imagesPerSec: 400 + 10 * seed,
          });
          store.runs.markFinished(id, seed === 5 ? 'interrupted' : 'completed', seed === 5 ? 'stopped early' : '');
          ids.push(id);
        }
  } finally {
    store.close();
  }
  return { dir, dbPath, ids };
}

describe('UI compare: fifty runs, grouped by all but the seed', () => {
  const step = steps();
  let seeded: ReturnType<typeof seedDatabase>;
  let workbench: Workbench;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let compare: ComparePage;

  before(async () => {
    seeded = seedDatabase();
    workbench = await startWorkbench({ dbPath: seeded.dbPath });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
    if (seeded) rmSync(seeded.dir, { recursive: true, force: true });
  });

  step('three runs side by side, photographed at both sizes', async () => {
    const opened = await openPage(browser, LARGE);
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    const three = [seeded.ids[0]!, seeded.ids[12]!, seeded.ids[31]!];
    await app.goto(`#/compare/${three.join(',')}`);
    compare = new ComparePage(opened.page);
    await compare.waitForAttr('compare-chart', 'data-datasets', '3');
    assert.equal(await compare.imageRuns.count(), 0, 'three runs need no picker for the images');
    await compare.shoot('compare-groups-three-1280', true);
    await compare.page.setViewportSize(SMALL);
    await compare.shoot('compare-groups-three-1024', true);
    await compare.page.setViewportSize(LARGE);
  });

  step('fifty runs open by address: every curve, a column each, chips folded, images a page at a time', async () => {
    await app.goto(`#/compare/${seeded.ids.join(',')}`);
    await compare.waitForAttr('compare-chart', 'data-datasets', '50', 120_000);
    await compare.loading.waitFor({ state: 'detached' });
    assert.equal(await compare.metrics.getAttribute('data-columns'), '50');
    assert.equal(await compare.byTestId('compare-chips').count(), 0, 'fifty chips fold into one line');
    assert.match(await compare.byTestId('compare-chips-summary').innerText(), /50 runs compared/);
    await compare.byTestId('compare-chips-more').click();
    await compare.waitForAttr('compare-chips', 'data-shown', '50');
    await compare.byTestId('compare-chips-more').click();
    await compare.byTestId('compare-chips').waitFor({ state: 'detached' });
    assert.equal(await compare.attr('image-runs', 'data-pages'), '9');
    assert.match(await compare.byTestId('image-runs-page').innerText(), /Runs 1–6 of 50/);
    assert.equal(await compare.attr('compare-group-by', 'data-keys'), '');
    await compare.hoverChart(0.3);
    assert.equal(await compare.tooltip.locator('.tip-row').count(), 12, 'the hover box lists twelve runs, not fifty');
    assert.match(await compare.tooltip.innerText(), /and 38 more runs/);
    await compare.page.mouse.move(0, 0);
  });

  step('all but the seed: ten groups of five, each a mean over a band, the legend counting them', async () => {
    await compare.groupButSeed();
    assert.match(new URL(compare.page.url()).hash, /\?group=model\.latentDim,loss\.beta$/);
    await compare.waitForAttr('compare-chart', 'data-groups', '10');
    assert.equal(await compare.attr('compare-chart', 'data-bands'), '10');
    assert.equal(await compare.attr('compare-chart', 'data-members'), '0', 'runs are not drawn until asked for');
    const legend = await waitUntil(
      'ten legend entries of five runs each',
      () => compare.legend(),
      (items) => items.length === 10 && items.every((i) => i.n === 5),
    );
    assert.match(legend[0]!.text, /Latent size 2, Beta 1\s+n = 5/);
    assert.match(await compare.byTestId('group-summary').innerText(), /10 groups/);
  });

  step('grouped tables: a column per group, mean ± std (n), the best mean marked', async () => {
    assert.equal(await compare.metrics.getAttribute('data-columns'), '10');
    const cells = await compare.metrics.getByTestId('metric-row-heldOut.total').locator('td').allInnerTexts();
    assert.equal(cells.length, 10);
    for (const cell of cells) assert.match(cell, /^\d+\.\d\d ± \d+\.\d\d\s+n = 5$/);
    assert.equal(await compare.metrics.locator('[data-testid="metric-row-heldOut.total"] td[data-best]').count(), 1);
    assert.equal(await compare.hyperparams.getAttribute('data-columns'), '10');
    assert.deepEqual((await compare.settingRow('run.seed').locator('td').allInnerTexts()).slice(0, 2), ['5 values', '5 values']);
    assert.equal(await compare.attr('image-runs', 'data-pages'), '2', 'one run per group, six groups a page');
  });

  step('min–max bands, the runs drawn faint, and the hover reads each group with its n', async () => {
    await compare.bandMode('minmax');
    await compare.byTestId('compare-show-runs').check();
    await compare.waitForAttr('compare-chart', 'data-members', '50');
    await compare.hoverChart(0.3);
    const rows = await compare.tooltip.locator('.tip-row').allInnerTexts();
    assert.equal(rows.length, 10);
    for (const row of rows) assert.match(row, /± [\d.]+ \(n = [2-5]\)/);
    await compare.page.mouse.move(0, 0);
    await compare.byTestId('compare-show-runs').uncheck();
    await compare.bandMode('std');
  });

  step('the grouping survives a reload of its address', async () => {
    const hash = new URL(compare.page.url()).hash;
    await compare.page.reload();
    await app.appInfo.getByText(/^v\d+\.\d+/).waitFor();
    assert.equal(new URL(compare.page.url()).hash, hash);
    await compare.waitForAttr('compare-chart', 'data-groups', '10', 120_000);
    assert.equal(await compare.attr('compare-group-by', 'data-keys'), 'model.latentDim,loss.beta');
    await compare.waitForAttr('compare-chart', 'data-bands', '10');
  });

  step('grouped fifty, photographed at 1280×800', async () => {
    await compare.hoverChart(0.55);
    await compare.shoot('compare-groups-50-1280');
    await compare.page.mouse.move(0, 0);
    await compare.shoot('compare-groups-50-1280-full', true);
  });

  step('at 1024 px the last group column is reached by scrolling inside the table, the metric names pinned', async () => {
    await compare.page.setViewportSize(SMALL);
    await compare.shoot('compare-groups-50-1024');
    const at = await compare.scrollResultsToLastColumn();
    assert.ok(at.scrollLeft > 0, 'ten group columns do not fit at 1024 px: the table scrolls');
    assert.equal(at.pageScrollX, 0, 'the page itself does not scroll sideways');
    assert.ok(at.last.x + at.last.width <= at.scroller.x + at.scroller.width + 1, 'the last column is inside the table');
    assert.ok(Math.abs(at.pinned.x - at.scroller.x) <= 1, 'the first column stays at the left edge');
    assert.ok(at.last.x >= at.pinned.x + at.pinned.width - 1, 'the last column is beside the pinned one, not under it');
    assert.ok(at.pinnedOnTop, 'the pinned metric name is not covered by the scrolled values');
    await compare.metrics.evaluate((el) =>
      (el as unknown as { scrollIntoView(o: unknown): void }).scrollIntoView({ block: 'center' }),
    );
    await compare.shoot('compare-groups-50-1024-results');
  });

  step('no page errors or console errors along the way', () => {
    assert.deepEqual(problems, []);
  });
});
