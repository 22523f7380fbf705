// The UI end to end against the real browser-mode server: configure and launch a short run, watch
// its chart and images fill in, pause, resume and stop it, find it in the runs table with its loss,
// resume it there to completion, reopen it, rename it and delete it. Every view is photographed in
// the light and the dark scheme into test-artifacts/ui-*.png for a person to look at.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { VIEWPORT } from './pages/base-page.ts';
import type { NewExperimentPage } from './pages/new-experiment-page.ts';
import type { RunViewPage } from './pages/run-view-page.ts';
import type { RunsPage } from './pages/runs-page.ts';
import { steps } from './steps.ts';

// Training waits: generous, since other tests (and other work) share the machine's two cores.
const TRAINING = 300_000;

describe('UI: launch, watch, pause, resume, stop, list, resume to the end, reopen, rename, delete', () => {
  const step = steps();
  let workbench: Workbench;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let form: NewExperimentPage;
  let view: RunViewPage;
  let runs: RunsPage;
  let runId: number;
  let pausedAt: number;
  let finalLoss: string;

  before(async () => {
    workbench = await startWorkbench();
    browser = await launchBrowser();
    const opened = await openPage(browser, VIEWPORT);
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
  });

  step('an empty database says where to start', async () => {
    runs = await app.openRuns();
    await runs.empty.getByText('No runs yet — start one from New experiment').waitFor();
    await runs.shoot('ui-runs-empty');
  });

  step('an invalid field is explained beside it and blocks Launch', async () => {
    form = await app.openNewExperiment();
    await form.choosePreset('quick');
    await form.field('optim.epochs').fill('0');
    await form.fieldError('optim.epochs').getByText('Epochs must be at least 1').waitFor();
    assert.equal(await form.field('optim.epochs').getAttribute('aria-invalid'), 'true');
    assert.ok(await form.launchButton.isDisabled(), 'Launch is disabled while a field is invalid');
    assert.match(await form.launchButton.innerText(), /1 problem/);
    await form.shoot('ui-new-invalid');
  });

  step('label chips toggle, and All clears the filter', async () => {
    await form.labelChip(3).click();
    assert.equal(await form.labelChip(3).getAttribute('aria-pressed'), 'true');
    await form.allLabels();
    assert.equal(await form.labelChip(3).getAttribute('aria-pressed'), 'false');
  });

  step('a valid form and a data check enable Launch, with the planned split', async () => {
    // Batch 2 makes 450 steps an epoch: seconds of training, long enough to pause and stop mid-run.
    await form.fill({ 'optim.epochs': '2', 'data.limit': '1000', 'optim.batchSize': '2', 'run.name': 'e2e run' });
    await form.checkData();
    // Built-in MNIST is the standard split; under the limit, 10% of it comes from the test split.
    await form.datasetSummary
      .getByText(/60,000 images of 28×28, 10 labels, and a test split of 10,000 images/)
      .waitFor({ timeout: 60_000 });
    assert.match(await form.evaluationSplit.innerText(), /900 to train on, evaluated on 100 test images/);
    assert.ok(await form.launchButton.isEnabled());
    await form.shoot('ui-new');
  });

  step('Launch opens the live run view, whose chart, images and progress fill in', { timeout: TRAINING }, async () => {
    view = await form.launch();
    runId = await view.runId();
    assert.ok(runId > 0);
    await app.navRun(runId).waitFor();
    await view.waitForChartPoints(20, TRAINING);
    await view.waitForImages(TRAINING);
    assert.match(await view.progress.innerText(), /img\/s/);
    await view.shoot('ui-run-live');
  });

  step('Pause holds the run still', async () => {
    await view.pause();
    await view.resumeButton.waitFor();
    // Whatever was in flight when the pause landed has arrived by now; after that, nothing moves.
    await view.page.waitForTimeout(300);
    pausedAt = await view.chartPoints();
    await view.page.waitForTimeout(800);
    assert.equal(await view.chartPoints(), pausedAt, 'no steps while paused');
    await view.shoot('ui-run-paused');
  });

  step('Resume carries on from there', { timeout: TRAINING }, async () => {
    await view.resume();
    await view.waitForChartPoints(pausedAt + 10, TRAINING);
  });

  step('Stop after the first epoch leaves an interrupted run that can be resumed', { timeout: TRAINING }, async () => {
    await view.waitForHeldOutPoints(1, TRAINING);
    await view.stop();
    await view.waitForStatus('interrupted');
    await view.statusMessage.getByText(/Stopped by the user at step \d+/).waitFor();
    await view.resumeButton.waitFor();
    await view.shoot('ui-run-stopped');
  });

  step('the runs table lists it with the held-out loss of its last epoch', async () => {
    runs = await app.openRuns();
    await runs.row(runId).waitFor();
    assert.equal(await runs.row(runId).getAttribute('data-status'), 'interrupted');
    assert.match(await runs.finalLoss(runId), /^\d+\.\d\d$/);
    assert.match(await runs.row(runId).innerText(), /e2e run/);
    await runs.shoot('ui-runs');
  });

  step('resumed from the table, it runs to the end', { timeout: TRAINING }, async () => {
    await runs.resume(runId);
    await runs.waitForRowStatus(runId, 'completed', TRAINING);
    finalLoss = await runs.finalLoss(runId);
    assert.match(finalLoss, /^\d+\.\d\d$/);
  });

  step('reopened, the run shows its logged curves, images and final loss', async () => {
    view = await runs.open(runId);
    await view.waitForStatus('completed');
    await view.waitForChartPoints(20);
    await view.waitForHeldOutPoints(2);
    await view.page.locator('[data-testid="recon-grid"][data-has-image="true"]').waitFor();
    assert.match(await view.progress.innerText(), /100%/);
    assert.equal(await view.heldOutTotal.innerText(), finalLoss);
  });

  step('the chart takes a log scale and hides a loss part', async () => {
    await view.logScale.check();
    await view.klToggle.click();
    assert.equal(await view.klToggle.getAttribute('aria-pressed'), 'false');
    await view.shoot('ui-run-completed');
    await view.logScale.uncheck();
    await view.klToggle.click();
  });

  step('rename inline, then the filter finds it by its new name', async () => {
    runs = await app.openRuns();
    await runs.rename(runId, 'renamed by e2e');
    await runs.filter('renamed');
    await runs.row(runId).waitFor();
    await runs.filter('no such run');
    await runs.row(runId).waitFor({ state: 'detached' });
    await runs.filter('');
  });

  step('delete asks first, then the run leaves the table and the sidebar', async () => {
    await runs.askToDelete(runId);
    await runs.shoot('ui-delete-confirm');
    await runs.confirmDeleteButton.click();
    await runs.empty.waitFor();
    await app.navRun(runId).waitFor({ state: 'detached' });
  });

  step('no page errors or console errors along the way', () => {
    assert.deepEqual(problems, []);
  });
});
