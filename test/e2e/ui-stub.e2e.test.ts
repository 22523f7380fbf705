// The UI against a stub backend in the page (test/e2e/stub-client.ts): a 100,000-step run that keeps
// streaming, and screens real training rarely reaches quickly (failed and queued runs, a full runs
// table, the Electron-only Browse button). Screenshots go to test-artifacts/ui-stub-*.png. How
// smoothly the long run streams is measured by bench/e2e-latency.ts, not asserted here.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { VIEWPORT } from './pages/base-page.ts';
import { NewExperimentPage } from './pages/new-experiment-page.ts';
import { RunViewPage } from './pages/run-view-page.ts';
import { RunsPage } from './pages/runs-page.ts';
import { longStreamingRun, stubAppInfo, stubClientScript, stubRun, type StubOptions } from './stub-client.ts';
import { steps } from './steps.ts';

/** The app at `hash`, with the stub answering for the backend. */
async function openWithStub(
  browser: Browser,
  workbench: Workbench,
  options: StubOptions,
  hash: string,
): Promise<{ app: AppShell; problems: string[] }> {
  const { page, problems } = await openPage(browser, VIEWPORT, { initScripts: [stubClientScript(options)] });
  await page.goto(`${workbench.url}${hash}`);
  return { app: new AppShell(page), problems };
}

describe('UI with a stub backend', () => {
  let workbench: Workbench;
  let browser: Browser;

  before(async () => {
    workbench = await startWorkbench();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
  });

  describe('a 100,000-step run opens and keeps streaming', () => {
    const step = steps();
    const options = longStreamingRun();
    const stream = options.stream!;
    let view: RunViewPage;
    let problems: string[];

    step('the run opens with its 100,000 logged points', async () => {
      const opened = await openWithStub(browser, workbench, options, '#/runs/1');
      problems = opened.problems;
      view = new RunViewPage(opened.app.page);
      await view.waitForChartPoints(100_000, 60_000);
    });

    step('every streamed step is added, none twice', async () => {
      const end = 100_000 + stream.perBatch * stream.batches;
      await view.waitForChartPoints(end, 60_000);
      await view.page.waitForFunction(`window.__stubBatchesSent === ${stream.batches}`);
      assert.equal(await view.chartPoints(), end);
    });

    step('one held-out point per epoch', async () => {
      assert.equal(await view.numberAttr('loss-chart', 'data-held-out-points'), 10);
    });

    step('log scale and heavy smoothing', async () => {
      await view.logScale.check();
      await view.smoothing.fill('0.99');
      await view.page.waitForTimeout(200);
      await view.shoot('ui-stub-long-run');
    });

    step('no page errors', () => {
      assert.deepEqual(problems, []);
    });
  });

  describe('the Runs table while its list loads: the first screenful first, and a list that cannot be read', () => {
    const step = steps();
    const runs = Array.from({ length: 60 }, (_, i) => stubRun(60 - i, { createdAt: Date.UTC(2026, 10, 1) + (60 - i) * 60_000 }));
    let app: AppShell;
    let table: RunsPage;
    const problems: string[][] = [];
    const open = async (list: StubOptions['list']) => {
      const opened = await openWithStub(
        browser,
        workbench,
        { appInfo: stubAppInfo('browser'), runs, historySteps: {}, list },
        '#/runs',
      );
      problems.push(opened.problems);
      app = opened.app;
      table = new RunsPage(app.page);
    };

    step('opening on the table, its first rows show while the whole list is still on its way', async () => {
      await open('held');
      await table.firstRow.waitFor();
      assert.equal(await table.firstRow.getAttribute('data-testid'), 'run-row-60', 'newest first, as the table sorts');
      assert.match(await table.count.innerText(), /Loading 60 runs/);
      const shown = await table.rows.count();
      assert.ok(shown > 5 && shown < 60, `${shown} rows: a screenful, not the list`);
      await table.shoot('ui-stub-runs-head');
    });

    step('then the whole list replaces it', async () => {
      await app.page.evaluate('window.__stubReleaseList()');
      await table.count.getByText(/^60 runs$/).waitFor();
      await table.scrollToEnd();
      await table.row(1).waitFor();
    });

    step('a list that cannot be unpacked shows a notice and a retry, and the app goes on', async () => {
      await open('malformed');
      const failure = app.page.getByTestId('runs-failure');
      await failure
        .getByText(/Could not read the list of runs: The run list is malformed: column id has 60 values for 61 runs/)
        .waitFor();
      await app.page
        .getByTestId('notice-error')
        .getByText(/Could not read the list of runs/)
        .waitFor();
      await table.shoot('ui-stub-runs-unreadable');
      await app.page.evaluate('window.__stubListFixed = true');
      await failure.getByRole('button', { name: 'Try again' }).click();
      await table.count.getByText(/^60 runs$/).waitFor();
      assert.equal(await failure.count(), 0);
    });

    step('no page errors', () => {
      assert.deepEqual(problems, [[], []]);
    });
  });

  describe('failed, queued and interrupted runs say what happened and offer what can be done', () => {
    const step = steps();
    const runs = [
      stubRun(1, { preset: 'seed-notebook', tags: ['notebook', 'baseline'] }),
      stubRun(2, {
        preset: 'mlp-bernoulli',
        status: 'failed',
        statusMessage: 'loss became NaN at step 812 (epoch 2; reconstruction NaN, KL 3.1)',
        finalHeldOut: null,
      }),
      stubRun(3, { status: 'interrupted', statusMessage: 'Stopped by the user at step 200; resume continues from here.' }),
      stubRun(4, { status: 'running', finishedAt: null, finalHeldOut: null, finalTrain: null }),
      stubRun(5, { status: 'queued', startedAt: null, finishedAt: null, finalHeldOut: null, finalTrain: null, backend: '' }),
    ];
    let app: AppShell;
    let problems: string[];
    let view: RunViewPage;
    let table: RunsPage;

    step('a failed run says why, and offers Resume but not Pause', async () => {
      ({ app, problems } = await openWithStub(
        browser,
        workbench,
        { appInfo: stubAppInfo('browser'), runs, historySteps: { 1: 1269, 2: 812, 3: 200, 4: 50 } },
        '#/runs/2',
      ));
      view = new RunViewPage(app.page);
      await view.statusMessage.getByText(/Failed: loss became NaN at step 812/).waitFor();
      await view.resumeButton.waitFor();
      assert.equal(await view.pauseButton.count(), 0);
      await view.shoot('ui-stub-failed');
    });

    step("the run's tags and notes are saved", async () => {
      await view.saveNotes('diverged, lr-too-high', 'lr 1e-3 with batch 128 diverged at step 812.');
      assert.equal(await view.notes.inputValue(), 'lr 1e-3 with batch 128 diverged at step 812.');
    });

    step('a queued run says it waits for a slot, and Stop reads Cancel', async () => {
      view = await app.openLiveRun(5);
      await view.statusMessage.getByText(/Waiting for a free training slot/).waitFor();
      assert.match(await view.stopButton.innerText(), /Cancel/);
      await view.shoot('ui-stub-queued');
    });

    step('the table offers Resume for an interrupted run and sorts by held-out loss', async () => {
      table = await app.openRuns();
      await table.row(3).getByTestId('resume-3').waitFor();
      await table.sortBy('heldOut.total');
      assert.equal(await table.firstRow.getAttribute('data-testid'), 'run-row-1', 'lowest held-out loss first');
    });

    step('ticked runs are counted on Delete selected', async () => {
      await table.select(1, 3);
      assert.match(await table.deleteSelectedButton.innerText(), /\(2\)/);
    });

    step('tags are edited inline in the table', async () => {
      await table.editTags(1, 'notebook, baseline, keep');
      await table.row(1).getByText('keep').waitFor();
    });

    step('the table fits a 1360 px window', async () => {
      const overflow = await table.overflow();
      assert.ok(overflow <= 0, `the runs table is ${overflow} px too wide for a 1360 px window`);
      await table.shoot('ui-stub-runs');
    });

    step('Delete selected asks first, and Cancel keeps every run', async () => {
      await table.deleteSelectedButton.click();
      await table.confirmDeleteButton.waitFor();
      await table.cancelDeleteButton.click();
      assert.equal(await table.rows.count(), 5);
    });

    step('no page errors', () => {
      assert.deepEqual(problems, []);
    });
  });

  describe('in Electron the form offers a native file dialog', () => {
    const step = steps();
    let form: NewExperimentPage;
    let problems: string[];

    step('a CSV source needs a path, counted as a problem on Launch', async () => {
      let app: AppShell;
      ({ app, problems } = await openWithStub(
        browser,
        workbench,
        { appInfo: stubAppInfo('electron'), runs: [], historySteps: {} },
        '#/new',
      ));
      form = new NewExperimentPage(app.page);
      await form.field('data.source').selectOption('csv');
      await form.field('data.path').waitFor();
      await form.launchButton.getByText(/1 problem/).waitFor();
    });

    step('Browse fills the path from the dialog', async () => {
      await form.browseButton.click();
      await form.page.waitForFunction(`document.querySelector('[data-testid="field-data.path"]').value !== ''`);
      assert.equal(await form.field('data.path').inputValue(), '/home/me/data/mnist_train.csv');
    });

    step('the chosen file checks and Launch is enabled', async () => {
      await form.checkData();
      await form.datasetSummary.getByText(/60,000 images/).waitFor();
      assert.ok(await form.launchButton.isEnabled());
      await form.shoot('ui-stub-electron-form');
    });

    step('no page errors', () => {
      assert.deepEqual(problems, []);
    });
  });

  describe('the data section says what a run evaluates on, and warns of a Bernoulli likelihood on grey pixels', () => {
    const step = steps();
    const SIZES = [
      { width: 1280, height: 800 },
      { width: 1024, height: 640 },
    ];
    let form: NewExperimentPage;
    let problems: string[];

    step('built-in MNIST: its test split, and the warning for Bernoulli on grey pixels', async () => {
      let app: AppShell;
      ({ app, problems } = await openWithStub(
        browser,
        workbench,
        { appInfo: stubAppInfo('browser'), runs: [], historySteps: {} },
        '#/new',
      ));
      form = new NewExperimentPage(app.page);
      await form.choosePreset('quick');
      await form.evaluationSplit.getByText("Evaluated on MNIST's standard test split (10,000 digits).").waitFor();
      await form.bernoulliWarning.getByText(/not a normalised log-likelihood/).waitFor();
      await form.checkData();
      await form.datasetSummary.getByText(/60,000 images of 28×28, 10 labels, and a test split of 10,000 images/).waitFor();
      await form.evaluationSplit.getByText('This run: 60,000 to train on, evaluated on 10,000 test images.').waitFor();
      await form.shootDataSection('data-form-builtin', SIZES);
    });

    step('dynamic binarization clears the warning', async () => {
      await form.field('data.binarization').selectOption('dynamic');
      await form.bernoulliWarning.waitFor({ state: 'detached' });
    });

    step('a CSV without a test file is held out from, and the test file found beside it is offered', async () => {
      await form.field('data.source').selectOption('csv');
      await form.fill({ 'data.path': '/home/me/data/mnist_train.csv' });
      await form.evaluationSplit.getByText(/No test split: evaluated on a held-out 10% of the training images/).waitFor();
      await form.checkData();
      await form.evaluationSplit
        .getByText('This run: 54,000 to train on, 6,000 held out for evaluation (no test split).')
        .waitFor();
      await form.testCandidate.getByText(/mnist_test\.csv/).waitFor();
      await form.shootDataSection('data-form-csv-candidate', SIZES);
      await form.useTestCandidate();
      assert.equal(await form.field('data.testPath').inputValue(), '/home/me/data/mnist_test.csv');
      await form.evaluationSplit.getByText('Evaluated on the test file.').waitFor();
      await form.checkData();
      await form.evaluationSplit.getByText('This run: 60,000 to train on, evaluated on 10,000 test images.').waitFor();
      await form.shootDataSection('data-form-csv-test', SIZES);
    });

    step('no page errors', () => {
      assert.deepEqual(problems, []);
    });
  });
});
