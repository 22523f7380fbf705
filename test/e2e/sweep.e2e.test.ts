// A sweep from the New experiment form to its view. Against the stub backend (test/e2e/stub-client.ts),
// whose runs move on a timer: the form's live count, names and inline errors, launch, and the sweep
// view's progress, controls, best run, runs and Compare link. Screenshots of the form in Sweep mode
// and of the sweep view at 1280x800 and 1024x640, light and dark, go to test-artifacts/sweep-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { expandSweep } from '../../src/shared/sweep.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { waitUntil } from './pages/base-page.ts';
import { ComparePage } from './pages/compare-page.ts';
import { RunViewPage } from './pages/run-view-page.ts';
import { SweepFormPage } from './pages/sweep-form-page.ts';
import type { SweepViewPage } from './pages/sweep-view-page.ts';
import { steps } from './steps.ts';
import { stubAppInfo, stubClientScript, stubRun, type StubOptions } from './stub-client.ts';
import { mnistSubset } from '../mnist-subset.ts';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
] as const;

async function shootSizes(page: Page, name: string, shoot: (name: string) => Promise<void>, before?: () => Promise<void>) {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await before?.();
    await shoot(`${name}-${size.width}`);
  }
}

describe('a sweep launched from the form (stub backend)', () => {
  const step = steps();
  let workbench: Workbench;
  let browser: Browser;
  let app: AppShell;
  let problems: string[];
  let form: SweepFormPage;
  let view: SweepViewPage;

  const options: StubOptions = {
    appInfo: { ...stubAppInfo('browser'), cores: 4 },
    runs: [stubRun(1)],
    historySteps: {},
    // Two ticks start and finish runs; after 5 the sweep holds still mid-way for the screenshots.
    sweepTicks: { everyMs: 200, maxTicks: 5, fail: [3] },
  };

  before(async () => {
    workbench = await startWorkbench();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
  });

  step('the form switches to Sweep mode', async () => {
    const opened = await openPage(browser, SIZES[0], { initScripts: [stubClientScript(options)] });
    problems = opened.problems;
    await opened.page.goto(`${workbench.url}#/new`);
    app = new AppShell(opened.page);
    form = new SweepFormPage(opened.page);
    await form.useSweepMode();
    assert.match(await form.problems.innerText(), /needs at least one axis/);
    assert.equal(await form.launchSweepButton.isDisabled(), true);
  });

  step('3 latent sizes x 2 betas x 2 seeds count 12 runs, named from their values', async () => {
    await form.fill({ 'data.limit': '200', 'optim.epochs': '2', 'optim.batchSize': '50' });
    await form.addListAxis('model.latentDim', '2, 8, 16');
    await form.addListAxis('loss.beta', '0.5, 4');
    await form.setSeeds(2);
    await form.waitForAttr('sweep-count', 'data-count', '12');
    assert.match(await form.names.innerText(), /z2 β0\.5 seed1[\s\S]*z2 β0\.5 seed2/);
    assert.equal(await form.byTestId('sweep-parallel').inputValue(), '3', 'runs at once default: cores - 1');
    assert.equal(await form.launchSweepButton.isEnabled(), true);
  });

  step('a value outside the schema shows an inline error naming the axis, and Launch waits', async () => {
    await form.setAxisValues(1, '0.5, -4');
    await form.axisError(1).waitFor();
    const text = await form.axisError(1).innerText();
    assert.match(text, /^Beta: -4 must be at least 0$/);
    assert.match(await form.problems.innerText(), /axis 2/);
    assert.equal(await form.launchSweepButton.isDisabled(), true);
    await form.setAxisValues(1, 'half');
    assert.match(await form.axisError(1).innerText(), /"half" is not a number/);
    assert.equal(await form.runCount(), null);
    await shootSizes(form.page, 'sweep-form-error', (n) => form.shoot(n));
    await form.setAxisValues(1, '0.5, 4');
    await form.waitForAttr('sweep-count', 'data-count', '12');
    assert.equal(await form.axisError(1).count(), 0);
  });

  step('screenshots of the form in Sweep mode', async () => {
    assert.match(await form.byTestId('base-note').innerText(), /Latent size, Beta take their values from the axes/);
    await shootSizes(form.page, 'sweep-form', (n) => form.shoot(n));
    await form.shoot('sweep-form-full', true);
  });

  step("pruning's reduction factor: an inline error while out of range, and the help follows it", async () => {
    await form.byTestId('sweep-pruning').check();
    const reduction = form.byTestId('sweep-reduction');
    assert.equal(await reduction.inputValue(), '3');
    assert.match(await form.byTestId('pruning-summary').innerText(), /1, 3, 9, …, runs outside the best third/);
    await reduction.fill('12');
    await form.byTestId('error-sweep-reduction').waitFor();
    assert.match(
      await form.byTestId('error-sweep-reduction').innerText(),
      /^Reduction factor must be a whole number from 2 to 10$/,
    );
    assert.equal(await form.launchSweepButton.isDisabled(), true);
    await reduction.fill('4');
    await form.byTestId('error-sweep-reduction').waitFor({ state: 'detached' });
    assert.match(await form.byTestId('pruning-summary').innerText(), /1, 4, 16, …, runs outside the best quarter/);
    await shootSizes(
      form.page,
      'sweep-form-pruning',
      (n) => form.shoot(n),
      () => form.byTestId('sweep-settings').scrollIntoViewIfNeeded(),
    );
  });

  step('launch sends the definition of 12 runs and opens the sweep view', async () => {
    await form.setParallel(2);
    view = await form.launchSweep();
    const sent = await form.page.evaluate(
      () => (globalThis as unknown as { __stubSweepDefinitions: unknown[] }).__stubSweepDefinitions,
    );
    assert.equal(sent.length, 1);
    const expanded = expandSweep(sent[0]);
    assert.ok(expanded.ok, JSON.stringify(expanded));
    assert.equal(expanded.value.points.length, 12);
    assert.equal(expanded.value.definition.parallel, 2);
    assert.deepEqual(expanded.value.definition.base, { data: { limit: 200 }, optim: { epochs: 2, batchSize: 50 } });
    assert.deepEqual(expanded.value.definition.pruning, { kind: 'asha', reduction: 4 });
    assert.equal(await view.runRows().count(), 12);
  });

  step('the view follows progress: runs finish, train and wait, never more than 2 at once', async () => {
    const end = await view.waitForCounts('the stub to finish its ticks (8 finished)', (c) => c.finished >= 8);
    assert.equal(end.total, 12);
    assert.ok(end.training <= 2, JSON.stringify(end));
    assert.equal(end.failed, 1);
    assert.ok(end.pruned >= 1, 'the stub prunes every third run when pruning is on');
    assert.match(
      await view.runsTable.locator('[data-status="pruned"] [data-testid="status-badge"]').first().innerText(),
      /^pruned$/i,
    );
    assert.equal(end.finished + end.training + end.queued, 12, JSON.stringify(end));
    assert.equal(await app.liveSweeps(), 1);
    assert.match(await view.page.title(), /^▶ \d+\/12 · VAE Workbench$/);
  });

  step('the best run so far links to the lowest held-out −ELBO, and Compare groups by the axes', async () => {
    await view.bestLink.waitFor();
    const bestId = Number(await view.best.getAttribute('data-run-id'));
    assert.ok(bestId > 1);
    assert.equal(await view.bestLink.getAttribute('href'), `#/runs/${bestId}`);
    const href = (await view.compareLink.getAttribute('href')) ?? '';
    assert.match(href, /^#\/compare\/[\d,]+\?group=model\.latentDim,loss\.beta$/);
    assert.equal(href.split('/')[2]!.split('?')[0]!.split(',').length, 12);
    assert.match(await view.definition.innerText(), /Latent size\s+2, 8, 16/);
  });

  step("a run of the sweep links back to it from the run's page", async () => {
    const bestId = Number(await view.best.getAttribute('data-run-id'));
    await view.bestLink.click();
    const runPage = new RunViewPage(view.page);
    await runPage.root(bestId).waitFor();
    const link = runPage.byTestId('run-sweep-link');
    assert.equal(await link.innerText(), 'Sweep 1');
    await link.click();
    await view.root(1).waitFor();
  });

  step('screenshots of the sweep view', async () => {
    await shootSizes(view.page, 'sweep-view', (n) => view.shoot(n));
    await view.shoot('sweep-view-full', true);
  });

  step('pause, resume and cancel follow the status', async () => {
    assert.equal(await view.resumeButton.isDisabled(), true);
    await view.pauseButton.click();
    await view.waitForStatus('paused');
    assert.equal(await view.pauseButton.isDisabled(), true);
    assert.equal(await view.resumeButton.isEnabled(), true);
    await view.cancelButton.click();
    await view.waitForStatus('cancelled');
    assert.equal(await view.cancelButton.isDisabled(), true);
    assert.equal(await app.liveSweeps(), 0);
    assert.equal(await view.page.title(), 'VAE Workbench');
  });

  step('the sweeps list shows it with its progress', async () => {
    const list = await app.openSweeps();
    const row = list.row(1);
    await row.waitFor();
    assert.match(await row.innerText(), /Cancelled/i);
    await shootSizes(list.page, 'sweep-list', (n) => list.shoot(n));
    const again = await list.open(1);
    assert.equal(await again.runRows().count(), 12);
  });

  step('a sweep that finishes while the user is elsewhere says so in a notice', async () => {
    const again = await (await app.openSweeps()).open(1);
    // Held until the user is elsewhere: on a busy machine the sweep could otherwise finish while its
    // own view is still open, and rightly say nothing.
    const hold = (held: boolean) =>
      again.page.evaluate((h) => ((globalThis as unknown as { __stubHoldSweeps: boolean }).__stubHoldSweeps = h), held);
    await hold(true);
    await again.resumeButton.click();
    await again.waitForStatus('running');
    await app.openRuns();
    await hold(false);
    const notice = app.page.locator('[data-testid^="notice-"]', { hasText: /Sweep 1 .* (finished|failed): \d+ completed/ });
    await notice.waitFor();
    assert.match(await notice.innerText(), /1 failed/);
  });

  step('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});

describe('a sweep of 4 real runs launched from the form (real server, real training)', () => {
  const step = steps();
  let workbench: Workbench;
  let browser: Browser;
  let app: AppShell;
  let problems: string[];
  let form: SweepFormPage;
  let view: SweepViewPage;

  before(async () => {
    workbench = await startWorkbench();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
  });

  // MNIST's first 200 digits from a small IDX file, typed into the form as a user's file would be, and
  // no evaluation at the end: each run's start-up, not its 4 steps, is most of its cost.
  step('the form in Sweep mode counts 4 tiny runs', async () => {
    const opened = await openPage(browser, SIZES[0]);
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    form = new SweepFormPage(opened.page);
    await app.openNewExperiment();
    await form.useSweepMode();
    await form.choosePreset('quick');
    await form.set({ 'data.source': 'idx', 'data.path': mnistSubset(200) });
    await form.fill({ 'data.limit': '200', 'optim.epochs': '1', 'optim.batchSize': '50', 'run.evalSamples': '0' });
    await form.addListAxis('model.latentDim', '2, 8');
    await form.setSeeds(2);
    await form.waitForAttr('sweep-count', 'data-count', '4');
  });

  step('launch creates the sweep and its 4 runs in the database', async () => {
    view = await form.launchSweep();
    await view.waitForCounts('the 4 runs to be listed', (c) => c.total === 4);
    assert.equal(await view.runRows().count(), 4);
  });

  // The bound only guards against a hang: 4 runs of 4 steps each on a loaded 2-core machine.
  step('the view is watched to completion: every run completes, the best one is named', { timeout: 15 * 60_000 }, async () => {
    await view.waitForStatus('completed', 14 * 60_000);
    const end = await view.counts();
    assert.deepEqual([end.finished, end.total, end.failed, end.training, end.queued], [4, 4, 0, 0, 0]);
    await view.bestLink.waitFor();
    const bestId = Number(await view.best.getAttribute('data-run-id'));
    assert.ok(bestId > 0);
    assert.equal(await view.pauseButton.isDisabled(), true);
    assert.equal(await view.cancelButton.isDisabled(), true);
    assert.equal(await app.liveSweeps(), 0);
    assert.equal(await view.page.title(), 'VAE Workbench');
    await view.shoot('sweep-real-view', true);
  });

  step("the sweep's runs are ordinary runs, named from their values", async () => {
    const names = await view.runsTable.locator('tbody tr td:first-child').allInnerTexts();
    assert.deepEqual(names, ['z2 seed1', 'z2 seed2', 'z8 seed1', 'z8 seed2']);
  });

  step('Compare groups opens Compare with the 4 runs as 2 groups of 2 seeds', async () => {
    await view.compareLink.click();
    const compare = new ComparePage(view.page);
    await compare.view.waitFor();
    await waitUntil(
      '2 group legend items',
      () => compare.legendItems.count(),
      (n) => n === 2,
      60_000,
    );
    assert.deepEqual(
      await compare.legendItems.evaluateAll((els) => els.map((e) => e.getAttribute('data-total'))),
      Array(2).fill('2'),
    );
  });

  step('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
