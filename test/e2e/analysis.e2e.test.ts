// The analysis panels end to end, on 31 stored runs (30 finished ones over latent size, β and seed,
// whose held-out metrics depend strongly on β, a little on the latent size and not on the seed, and
// one failed run without metrics), opened in Compare: brushing the parallel-coordinates plot filters
// the runs and survives a reload with the axis order (moved by a button and by dragging a title);
// the rate–distortion plane has a point per run (the failed run listed as left out); "which settings
// matter", fitted in its Web Worker, ranks β first, and the latest metric asked for wins; grouped by
// all but the seed, both show group means. Each panel is photographed at 1280x800 and 1024x640, light and
// dark, into test-artifacts/analysis-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { openDatabase } from '../../src/main/store/index.ts';
import { pointConfig, pointName, syntheticGrid, syntheticHeldOut } from '../analysis-fixtures.ts';
import { launchBrowser, openPage, shootSchemes, startWorkbench, type Workbench } from './harness.ts';
import { AnalysisPanels } from './pages/analysis-panels.ts';
import { AppShell } from './pages/app-shell.ts';
import { waitUntil } from './pages/base-page.ts';
import { steps } from './steps.ts';

const AXES = ['model.latentDim', 'loss.beta', 'run.seed', 'heldOut.total', 'heldOut.recon', 'heldOut.kl'];
/** After β's button moves it first and the seed's title is dragged past the reconstruction axis. */
const DRAGGED = ['loss.beta', 'model.latentDim', 'heldOut.total', 'heldOut.recon', 'run.seed', 'heldOut.kl'];

describe('UI analysis: parallel coordinates, rate–distortion and settings importance on 31 runs', () => {
  const step = steps();
  let dir: string;
  let workbench: Workbench;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let panels: AnalysisPanels;
  const ids: number[] = [];
  let failedName = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-analysis-'));
    const dbPath = join(dir, 'workbench.db');
    const store = openDatabase(dbPath);
    for (const p of syntheticGrid()) {
      const run = store.runs.create({ config: pointConfig(p), name: pointName(p) });
      const heldOut = syntheticHeldOut(p);
      store.runs.setFinal(run.id, { train: heldOut, heldOut, imagesPerSec: 1000 });
      store.runs.markFinished(run.id, 'completed', '');
      ids.push(run.id);
    }
    const failed = store.runs.create({ config: pointConfig({ latent: 8, beta: 1, seed: 1 }), name: 'z8 β1 seed1 (failed)' });
    store.runs.markFinished(failed.id, 'failed', 'synthetic failure');
    ids.push(failed.id);
    failedName = failed.name;
    store.close();
    workbench = await startWorkbench({ dbPath });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  step('Compare opens the 31 runs with a line per run on an axis per varying setting and metric', async () => {
    const opened = await openPage(browser, { width: 1280, height: 800 });
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    await app.goto(`#/compare/${ids.join(',')}`);
    panels = new AnalysisPanels(opened.page);
    await panels.waitForAttr('parallel-coords', 'data-lines', '31');
    assert.deepEqual(await panels.order(), AXES);
    assert.equal(await panels.passing(), 31);
    assert.match(await panels.count.innerText(), /31 of 31 runs shown \(no brush\)/);
    assert.equal(await panels.attr('pc-axis-loss.beta', 'data-kind'), 'log', 'β spans 0.25 to 4');
    assert.equal(await panels.attr('pc-axis-run.seed', 'data-kind'), 'linear');
  });

  step('brushing the top of the β axis (β 2 and 4) keeps 12 runs and fades the rest', async () => {
    await panels.brush('loss.beta', 0.6, 1);
    await panels.waitForAttr('parallel-coords', 'data-passing', '12');
    assert.match(await panels.count.innerText(), /12 of 31 runs inside the brushes/);
    // The brush narrows Compare's own curves and tables too, and says so.
    const notice = panels.page.getByTestId('brush-notice');
    await notice.waitFor();
    assert.match(await notice.innerText(), /12 of 31 runs are inside the parallel-coordinates brushes/);
    await panels.waitForAttr('metrics-table', 'data-columns', '12');
  });

  step('a brush on a metric axis narrows it further; clearing it brings them back', async () => {
    await panels.brush('heldOut.total', 0, 0.5);
    const narrowed = await waitUntil(
      'a second brush',
      () => panels.passing(),
      (n) => n < 12,
    );
    assert.ok(narrowed >= 0);
    await panels.clearBrush('heldOut.total');
    await panels.waitForAttr('parallel-coords', 'data-passing', '12');
  });

  step('axes move with their buttons', async () => {
    await panels.moveRight('model.latentDim');
    await panels.waitForAttr(
      'parallel-coords',
      'data-order',
      'loss.beta,model.latentDim,run.seed,heldOut.total,heldOut.recon,heldOut.kl',
    );
  });

  step('dragging an axis title moves the axis to where it is dropped', async () => {
    await panels.dragAxis('run.seed', 'heldOut.recon', 'right', () =>
      shootSchemes(panels.page, 'analysis-parallel-drag-1280', { width: 1280, height: 800 }, false),
    );
    await panels.waitForAttr('parallel-coords', 'data-order', DRAGGED.join(','));
    // A press on a title that hardly moves is not a drag; a drag back over the same place changes nothing.
    await panels.dragAxis('heldOut.total', 'heldOut.total', 'left');
    await panels.page.mouse.move(0, 0);
    assert.deepEqual(await panels.order(), DRAGGED);
  });

  step('hovering a line names its run; clicking it opens the run', async () => {
    // β is first now; the z64 β4 runs leave its top level, towards the top of the latent-size axis.
    await panels.hoverNear('loss.beta', 1);
    await panels.tooltip.waitFor();
    const tip = await panels.tooltip.innerText();
    assert.match(tip, /z64 β4 seed[12]/);
    const name = /z64 β4 seed[12]/.exec(tip)![0];
    await shootSchemes(panels.page, 'analysis-parallel-hover-1280', { width: 1280, height: 800 }, false);
    await panels.hoverNear('loss.beta', 1);
    await panels.tooltip.waitFor();
    await panels.page.mouse.down();
    await panels.page.mouse.up();
    await panels.page.waitForURL((url) => /^#\/runs\/\d+$/.test(url.hash));
    const id = Number(new URL(panels.page.url()).hash.split('/')[2]);
    assert.equal(id, ids[syntheticGrid().findIndex((p) => pointName(p) === name)]);
    await panels.page.goBack();
    await panels.waitForAttr('parallel-coords', 'data-lines', '31');
    await panels.waitForAttr('parallel-coords', 'data-passing', '12');
  });

  step('the rate–distortion plane has a point per run with held-out metrics, and names the one left out', async () => {
    await panels.waitForAttr('rd-plane', 'data-points', '30');
    assert.match(await panels.rdLeftOut.innerText(), new RegExp(failedName.replace(/[()]/g, '\\$&')));
  });

  step('"which settings matter", fitted in a Web Worker, ranks β first and states what was fitted', async () => {
    await panels.waitForAttr('settings-importance', 'data-status', 'ok');
    assert.equal(await panels.importance.getAttribute('data-first'), 'loss.beta');
    assert.ok(
      panels.page.workers().some((w) => /importance\.worker/.test(w.url())),
      `the fit ran in the importance worker (workers: ${
        panels.page
          .workers()
          .map((w) => w.url())
          .join(', ') || 'none'
      })`,
    );
    assert.match(await panels.importanceMethod.innerText(), /Spearman’s ρ.*seeded random forest.*drop in R².*shuffled/s);
    assert.match(
      await panels.byTestId('si-fitted').innerText(),
      /Held-out −ELBO predicted from 3 settings by 5 forests of 50 trees \(5-fold cross-validation\) on 30 runs/,
    );
    const beta = await panels.byTestId('si-row-loss.beta').innerText();
    assert.match(beta, /\+0\.9\d/, 'a larger β, a larger −ELBO here');
  });

  step('asking for another metric, then another before the first is fitted: the last one asked for is shown', async () => {
    const metric = panels.byTestId('si-metric');
    await metric.selectOption('heldOut.kl');
    await metric.selectOption('heldOut.recon');
    await panels.waitForAttr('settings-importance', 'data-status', 'ok');
    assert.equal(await panels.importance.getAttribute('data-metric'), 'heldOut.recon');
    assert.equal(await panels.importance.getAttribute('data-first'), 'loss.beta');
    await metric.selectOption('heldOut.total');
    await panels.waitForAttr('settings-importance', 'data-status', 'ok');
    assert.equal(await panels.importance.getAttribute('data-metric'), 'heldOut.total');
  });

  step('each panel photographed at 1280x800 and 1024x640, light and dark', async () => {
    for (const [w, h] of [
      [1280, 800],
      [1024, 640],
    ] as const) {
      await panels.page.setViewportSize({ width: w, height: h });
      await panels.waitForAttr('settings-importance', 'data-status', 'ok');
      await panels.shootPanel('parallel-coords', `analysis-parallel-${w}`);
      await panels.shootPanel('rd-plane', `analysis-rd-${w}`);
      await panels.shootPanel('settings-importance', `analysis-importance-${w}`);
    }
    await panels.page.setViewportSize({ width: 1280, height: 800 });
  });

  step('after a reload the axis order and the brush are remembered', async () => {
    await panels.page.reload();
    await panels.waitForAttr('parallel-coords', 'data-lines', '31');
    assert.deepEqual(await panels.order(), DRAGGED);
    await panels.waitForAttr('parallel-coords', 'data-passing', '12');
    await panels.byTestId('pc-clear-loss.beta').waitFor();
  });

  step('the brushes filter the Runs table too, which says so; clearing them brings every run back', async () => {
    await panels.page.getByTestId('nav-runs').click();
    const notice = panels.page.getByTestId('brush-notice');
    await notice.waitFor();
    assert.match(await notice.innerText(), /12 of 31 runs are inside/);
    await shootSchemes(panels.page, 'analysis-runs-brushed-1024', { width: 1024, height: 640 }, false);
    await panels.page.setViewportSize({ width: 1280, height: 800 });
    await panels.page.getByTestId('brush-clear').click();
    await notice.waitFor({ state: 'detached' });
  });

  step('grouped by all settings but the seed: one line and one point per group', async () => {
    await app.goto(`#/compare/${ids.join(',')}?group=model.latentDim,loss.beta`);
    // 15 groups of two seeds, and the failed run's own group.
    await panels.waitForAttr('parallel-coords', 'data-lines', '16');
    assert.ok(!(await panels.order()).includes('run.seed'), 'the seed varies inside groups: no axis');
    await panels.waitForAttr('rd-plane', 'data-points', '15');
    await panels.page.setViewportSize({ width: 1280, height: 800 });
    await panels.shootPanel('parallel-coords', 'analysis-parallel-groups-1280');
    await panels.shootPanel('rd-plane', 'analysis-rd-groups-1280');
    // The brushes were cleared from the Runs table: they stay cleared here.
    await panels.waitForAttr('parallel-coords', 'data-passing', '16');
  });

  step('no page errors or console errors along the way', () => {
    assert.deepEqual(problems, []);
  });
});
