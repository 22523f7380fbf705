// The filter language, "new experiment from this run", copy settings and the charts' tools, end to
// end against the real browser-mode server with three tiny real runs: a query typed with
// completion filters the Runs table, a bad one shows its error at its character and filters
// nothing, a run's settings open in the New experiment form and copy as a CLI command and a JSON
// config, and the loss chart zooms, resets and saves its data as CSV and itself as PNG.
// Screenshots of the filter box (completion open, an error) at 1280x800 and 1024x640, light and dark.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import type { RunRecord } from '../../src/shared/training.ts';
import { findPreset } from '../../src/shared/presets.ts';
import { validateConfig } from '../../src/shared/validate.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { NewExperimentPage } from './pages/new-experiment-page.ts';
import type { RunsPage } from './pages/runs-page.ts';
import type { RunViewPage } from './pages/run-view-page.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

// Training waits: generous, since other work shares the machine's two cores.
const TRAINING = 240_000;
const BASE = { 'data.limit': 300, 'optim.epochs': 1, 'optim.batchSize': 50, 'run.previewEvery': 0 };
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
];

describe('UI filter language, new experiment from a run, chart tools', () => {
  const step = steps();
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let app: AppShell;
  let runs: RunsPage;
  let view: RunViewPage;
  let configs: Record<string, RunRecord['config']>;
  let a: number, b: number, c: number;

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

  step('three tiny runs train to the end, one tagged baseline', { timeout: TRAINING }, async () => {
    configs = {
      a: presetConfig('quick', { ...BASE, 'run.name': 'z2 beta1', 'model.latentDim': 2 }),
      b: presetConfig('quick', { ...BASE, 'run.name': 'z8 beta4', 'model.latentDim': 8, 'loss.beta': 4 }),
      c: presetConfig('quick', { ...BASE, 'run.name': 'z8 beta1', 'model.latentDim': 8 }),
    };
    const ids: number[] = [];
    for (const config of Object.values(configs)) {
      const started = await rpc.call('startRun', { config });
      assert.ok(started.ok, JSON.stringify(started));
      ids.push((started.value as RunRecord).id);
    }
    [a, b, c] = ids as [number, number, number];
    await Promise.all(ids.map((id) => rpc.waitForEvent(runFinished(id), TRAINING)));
    const tagged = await rpc.call('updateRun', { runId: a, tags: ['baseline'] });
    assert.ok(tagged.ok, JSON.stringify(tagged));
  });

  step('a query typed with completion filters the table', async () => {
    const opened = await openPage(browser, SIZES[0]!, { acceptDownloads: true });
    page = opened.page;
    problems = opened.problems;
    app = await new AppShell(page).open(workbench.url);
    runs = await app.openRuns();
    await runs.row(c).waitFor();
    const box = runs.filterBox;
    await box.type('lat');
    assert.ok((await box.suggestionLabels()).includes('latent'));
    await box.suggestion('latent').click();
    assert.equal(await box.value(), 'latent');
    await box.input.pressSequentially('=8 sta');
    assert.equal((await box.suggestionLabels())[0], 'status');
    // Tab takes the first suggestion, whose operator opens the values.
    await box.input.press('Tab');
    assert.equal(await box.value(), 'latent=8 status:');
    assert.deepEqual(await box.suggestionLabels(), [
      'queued',
      'running',
      'paused',
      'completed',
      'failed',
      'interrupted',
      'pruned',
    ]);
    await box.input.pressSequentially('co');
    await box.input.press('ArrowDown');
    assert.equal(await box.suggestions.first().getAttribute('aria-selected'), 'true');
    assert.match((await box.input.getAttribute('aria-activedescendant')) ?? '', /-0$/);
    await box.input.press('Enter');
    assert.equal(await box.value(), 'latent=8 status:completed');
    await box.suggestionList.waitFor({ state: 'hidden' });
    assert.deepEqual((await runs.shownIds()).sort(), [b, c].sort());
    await box.type('beta>=2 or tag:baseline');
    assert.deepEqual((await runs.shownIds()).sort(), [a, b].sort());
    await box.type('-name~Z8');
    assert.deepEqual(await runs.shownIds(), [a]);
    await box.input.press('Escape');
  });

  step('the filter box photographed with its completion open', async () => {
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await runs.filterBox.type('beta>=1 tag:');
      assert.deepEqual(await runs.filterBox.suggestionLabels(), ['baseline']);
      await runs.shoot(`filter-completion-${size.width}`);
    }
  });

  step('a bad query says what is wrong at which character, and filters nothing', async () => {
    const box = runs.filterBox;
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await box.type('latent=2 status:done');
      await box.error.waitFor();
      assert.equal(await box.error.getAttribute('data-at'), '16');
      assert.equal(await box.errorMark.innerText(), 'done');
      assert.match(await box.error.innerText(), /unknown status 'done' at 16; statuses are queued, running/);
      assert.equal(await box.input.getAttribute('aria-invalid'), 'true');
      assert.deepEqual((await runs.shownIds()).sort(), [a, b, c].sort());
      await runs.shoot(`filter-error-${size.width}`);
    }
    await box.type('latnt=2');
    assert.match(await box.error.innerText(), /did you mean latent\?/);
    await box.type('');
    await box.error.waitFor({ state: 'detached' });
    await box.helpButton.click();
    await page.getByRole('dialog', { name: 'Filter syntax' }).getByText('status:completed').waitFor();
    await page.keyboard.press('Escape');
    await page.setViewportSize(SIZES[0]!);
  });

  step('new experiment from a run opens the form with its settings', async () => {
    view = await app.gotoRun(b);
    await view.newFromRunButton.click();
    const form = new NewExperimentPage(page);
    await form.field('model.latentDim').waitFor();
    assert.equal(await form.field('model.latentDim').inputValue(), '8');
    assert.equal(await form.field('loss.beta').inputValue(), '4');
    assert.equal(await form.field('data.limit').inputValue(), '300');
    assert.equal(await form.field('run.name').inputValue(), 'z8 beta4 (copy)');
    assert.equal(await form.byTestId('preset-quick').getAttribute('aria-checked'), 'true');
  });

  step('copy settings shows the CLI command and a JSON config that rebuild the run', async () => {
    view = await app.gotoRun(b);
    await view.copySettingsButton.click();
    const cli = await view.settingsCli.innerText();
    assert.equal(
      cli,
      "npm run train -- --preset quick --set data.limit=300 --set model.latentDim=8 --set loss.beta=4 --set optim.batchSize=50 --set optim.epochs=1 --set 'run.name=z8 beta4' --set run.previewEvery=0",
    );
    const json = JSON.parse(await view.settingsJson.innerText()) as unknown;
    const rebuilt = validateConfig(json, findPreset('quick')!.config);
    assert.ok(rebuilt.ok);
    assert.deepEqual(rebuilt.value, configs.b);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await view.shoot(`run-copy-settings-${size.width}`);
    }
    await view.copySettingsButton.click();
    await view.settingsCli.waitFor({ state: 'detached' });
  });

  step('the loss chart zooms, resets, and saves its data as CSV and itself as PNG', async () => {
    await view.waitForChartPoints(1);
    await view.zoomLossChart();
    await view.resetZoomButton.waitFor();
    await view.shoot('run-chart-zoomed-1024');
    await view.resetZoomButton.click();
    await view.resetZoomButton.waitFor({ state: 'detached' });

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), view.saveCsvButton.click()]);
    assert.match(csvDownload.suggestedFilename(), /^run-\d+-z8-beta4-loss\.csv$/);
    const csv = readFileSync((await csvDownload.path())!, 'utf8')
      .trim()
      .split('\r\n');
    assert.equal(
      csv[0],
      'step,−ELBO,−ELBO (smoothed),−ELBO (held-out),Reconstruction,Reconstruction (smoothed),Reconstruction (held-out),KL,KL (smoothed),KL (held-out)',
    );
    // One row per logged step, in order; the last has the held-out losses measured at the epoch's end.
    assert.equal(csv.length - 1, await view.chartPoints());
    const steps = csv.slice(1).map((line) => Number(line.split(',')[0]));
    assert.ok(
      steps.every((x, i) => i === 0 || x > steps[i - 1]!),
      steps.join(' '),
    );
    const last = csv.at(-1)!.split(',');
    assert.ok(
      last.slice(1).every((v) => v !== '' && Number.isFinite(Number(v))),
      csv.at(-1),
    );

    const [pngDownload] = await Promise.all([page.waitForEvent('download'), view.savePngButton.click()]);
    const png = readFileSync((await pngDownload.path())!);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual(problems, []);
  });
});
