// Compare end to end against the real browser-mode server: three short real runs (two with a 2-D
// latent space at different learning rates, one with a 16-D one and beta 4), selected in the Runs table and
// opened side by side. Checks the overlaid curves and their controls, the hyperparameter diff, the
// results table, reconstructions, decoded latent points (the 16-D run left out with a note), the KL
// bars, hovering, and that removing a run updates the address, the panels and the Runs selection;
// a run deleted elsewhere drops out and a live run added to the comparison fills in as it trains.
// The view is photographed in the light and the dark scheme into test-artifacts/compare-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { VIEWPORT } from './pages/base-page.ts';
import type { ComparePage } from './pages/compare-page.ts';
import type { RunsPage } from './pages/runs-page.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

// Training waits: generous, since other tests (and other work) share the machine's two cores.
const TRAINING = 240_000;

// Small and quick: 17 steps an epoch, two epochs (a curve of 34 points and two held-out ones). Runs
// beyond the concurrency limit queue.
const BASE = { 'data.limit': 300, 'optim.epochs': 2, 'optim.batchSize': 16, 'run.previewEvery': 0 };

describe('UI compare: three real runs side by side, then one removed', () => {
  const step = steps();
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let runs: RunsPage;
  let compare: ComparePage;
  let ids: number[];
  let a: number, b: number, c: number, d: number;

  before(async () => {
    workbench = await startWorkbench();
    rpc = await openRpc(workbench.wsUrl);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rpc?.close();
    await workbench?.close();
  });

  step('three short runs train to the end over the contract', { timeout: TRAINING }, async () => {
    const configs = [
      presetConfig('quick', { ...BASE, 'run.name': 'z2 lr 2e-3', 'model.latentDim': 2, 'optim.learningRate': 2e-3 }),
      presetConfig('quick', { ...BASE, 'run.name': 'z2 lr 5e-3', 'model.latentDim': 2, 'optim.learningRate': 5e-3 }),
      presetConfig('quick', {
        ...BASE,
        'run.name': 'z16 beta 4',
        'model.latentDim': 16,
        'optim.learningRate': 2e-3,
        'loss.beta': 4,
      }),
    ];
    ids = [];
    for (const config of configs) {
      const started = await rpc.call('startRun', { config });
      assert.ok(started.ok, JSON.stringify(started));
      ids.push((started.value as RunRecord).id);
    }
    [a, b, c] = ids as [number, number, number];
    await Promise.all(ids.map((id) => rpc.waitForEvent(runFinished(id), TRAINING)));
  });

  step('with fewer than two runs picked, Compare explains itself and points to Runs', async () => {
    const opened = await openPage(browser, VIEWPORT);
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    compare = await app.openCompare();
    await compare.empty.waitFor();
    await compare.emptyRunsLink.waitFor();
  });

  step('three runs ticked in the Runs table open side by side, the first as the reference', async () => {
    runs = await app.openRuns();
    await runs.select(...ids);
    assert.match(await runs.compareButton.innerText(), /Compare \(3\)/);
    assert.ok(await runs.compareButton.isEnabled());
    await runs.shoot('compare-runs-selected');
    compare = await runs.compareSelection();
    assert.equal(new URL(compare.page.url()).hash, `#/compare/${a},${b},${c}`);
    for (const id of ids) await compare.chip(id).waitFor();
  });

  step('one curve per run, whatever the loss part, split, x-axis and scale', async () => {
    await compare.waitForAttr('compare-chart', 'data-datasets', '3');
    await compare.pickPart('kl');
    await compare.waitForAttr('compare-chart', 'data-part', 'kl');
    await compare.pickSplit('heldOut');
    await compare.waitForAttr('compare-chart', 'data-split', 'heldOut');
    assert.equal(await compare.datasets(), '3', 'every run measured held-out KL');
    assert.ok(await compare.smoothing.isDisabled(), 'held-out points are not smoothed');
    await compare.pickXAxis('wall');
    await compare.waitForAttr('compare-chart', 'data-x-axis', 'wall');
    await compare.logScale.check();
    await compare.waitForAttr('compare-chart', 'data-log-scale', 'true');
    assert.equal(await compare.datasets(), '3');
    await compare.logScale.uncheck();
    await compare.pickPart('total');
    await compare.pickSplit('train');
    await compare.pickXAxis('images');
    await compare.waitForAttr('compare-chart', 'data-x-axis', 'images');
    assert.equal(await compare.datasets(), '3');
  });

  step('hovering the chart reads every run at one x', async () => {
    await compare.hoverChart();
    // A chart busy drawing may defer its last update (CompareChart paces draws): the read-out follows it.
    await compare.tooltip.locator('.tip-row').nth(2).waitFor();
    assert.equal(await compare.tooltip.locator('.tip-row').count(), 3);
    assert.match(await compare.tooltip.innerText(), /Images seen [\d,]+/);
  });

  step('settings: only those that differ, the rest a toggle away', async () => {
    await compare.settingRow('model.latentDim').waitFor();
    await compare.settingRow('optim.learningRate').waitFor();
    assert.equal(await compare.settingRow('optim.batchSize').count(), 0);
    assert.equal(await compare.settingRows().count(), 3);
    assert.deepEqual(await compare.settingRow('model.latentDim').locator('td').allInnerTexts(), ['2', '2', '16']);
    assert.deepEqual(await compare.settingRow('loss.beta').locator('td').allInnerTexts(), ['1', '1', '4']);
    await compare.showAllSettings.check();
    await compare.settingRow('optim.batchSize').waitFor();
    assert.ok((await compare.settingRows().count()) > 15);
    await compare.showAllSettings.uncheck();
  });

  step('results: a column per run, with a best value marked', async () => {
    assert.equal(await compare.metrics.getAttribute('data-columns'), '3');
    assert.equal(await compare.metrics.locator('thead th.run-heading').count(), 3);
    await compare.page.locator('[data-testid="metric-row-final-heldout"] td[data-best]').first().waitFor();
    for (const cell of await compare.metrics.getByTestId('metric-row-final-heldout').locator('td').allInnerTexts())
      assert.match(cell, /^\d+\.\d\d$/);
  });

  step("images: every run reconstructs the reference's images; the 2-D decoders share the points; KL bars for all", async () => {
    await compare.waitForAttr('compare-recon', 'data-rows', '3', 60_000);
    await compare.waitForAttr('compare-latent-points', 'data-runs', '2', 60_000);
    assert.equal(await compare.latentPoints.getAttribute('data-latent-dim'), '2');
    assert.equal(await compare.latentPoints.getAttribute('data-mode'), 'grid');
    assert.equal(await compare.byTestId(`compare-points-${c}`).count(), 0);
    assert.match(await compare.latentSkipped.innerText(), /z16 beta 4 \(#\d+, 16-D\)/);
    await compare.waitForAttr('compare-kl', 'data-runs', '3', 60_000);
    for (const id of ids) {
      await compare.page.locator(`[data-testid="kl-summary-${id}"][data-active]`).waitFor();
      assert.match(await compare.byTestId(`kl-summary-${id}`).innerText(), /\d+ of (2|16) dimensions active/);
    }
    await compare.hoverChart();
    await compare.shoot('compare-three', true);
    await compare.page.mouse.move(0, 0);
  });

  step('prior draws: a seed fixes the points, and the 16-D run gets its own group', async () => {
    await compare.priorDraws('42');
    await compare.waitForAttr('compare-latent-points', 'data-runs', '2');
    await compare.latentGroup(16);
    await compare.waitForAttr('compare-latent-points', 'data-runs', '1');
    await compare.scrollToLatentPoints();
    await compare.shoot('compare-prior-16d');
  });

  step('removing a run updates the address, the chips, every panel and the Runs selection', async () => {
    await compare.remove(c);
    await compare.waitForRuns([a, b]);
    await compare.chip(c).waitFor({ state: 'detached' });
    await compare.waitForAttr('compare-chart', 'data-datasets', '2');
    assert.equal(await compare.metrics.getAttribute('data-columns'), '2');
    await compare.waitForAttr('compare-kl', 'data-runs', '2');
    assert.equal(await compare.latentSkipped.count(), 0);
    runs = await app.openRuns();
    assert.ok(await runs.selectBox(a).isChecked());
    assert.ok(await runs.selectBox(b).isChecked());
    assert.ok(!(await runs.selectBox(c).isChecked()));
    assert.match(await runs.compareButton.innerText(), /Compare \(2\)/);
  });

  step('the sidebar opens the selection, and the picker adds a run back', async () => {
    compare = await app.openCompare();
    await compare.waitForRuns([a, b]);
    await compare.add(c);
    await compare.waitForRuns([a, b, c]);
    await compare.waitForAttr('compare-chart', 'data-datasets', '3');
  });

  step('a run deleted elsewhere drops out of the comparison', async () => {
    assert.ok((await rpc.call('deleteRuns', { runIds: [b] })).ok);
    await compare.waitForRuns([a, c]);
    await compare.chip(b).waitFor({ state: 'detached' });
    await compare.waitForAttr('compare-chart', 'data-datasets', '2');
  });

  step('a live run added to the comparison shows its curve while it trains', { timeout: TRAINING }, async () => {
    // Batch 8 on 1,200 images: ~270 steps, long enough to be added while it trains.
    const config = presetConfig('quick', {
      ...BASE,
      'data.limit': 1200,
      'optim.batchSize': 8,
      'run.name': 'live z2',
      'model.latentDim': 2,
    });
    const started = await rpc.call('startRun', { config });
    assert.ok(started.ok, JSON.stringify(started));
    d = (started.value as RunRecord).id;
    await compare.add(d);
    await compare.waitForRuns([a, c, d]);
    await compare.chipStatus(d, 'running').waitFor({ timeout: TRAINING });
    await compare.waitForAttr('compare-chart', 'data-datasets', '3');
    await compare.shoot('compare-live', true);
  });

  step('once it has finished, its images, points, KL bars and results fill in', { timeout: TRAINING }, async () => {
    await compare.chipStatus(d, 'completed').waitFor({ timeout: TRAINING });
    await compare.page.locator(`[data-testid="compare-recon-row-${d}"][data-ready="true"]`).waitFor({ timeout: 60_000 });
    await compare.page.locator(`[data-testid="compare-points-${d}"][data-ready="true"]`).waitFor({ timeout: 60_000 });
    await compare.page.locator(`[data-testid="kl-summary-${d}"][data-active]`).waitFor({ timeout: 60_000 });
    assert.equal(await compare.metrics.getAttribute('data-columns'), '3');
  });

  step('removing every run leaves the empty view', async () => {
    for (const id of [c, d]) await compare.remove(id);
    await compare.empty.waitFor();
    await compare.shoot('compare-empty');
  });

  step('no page errors or console errors along the way', () => {
    assert.deepEqual(problems, []);
  });
});
