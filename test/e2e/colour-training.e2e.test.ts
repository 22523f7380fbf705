// A person's own colour images, end to end in the real browser against the built server: a folder
// of generated 16x16 colour shapes (and a second folder as its test split) becomes a data set in
// the form, a small colour conv VAE is set up and trained from the form, and the run page, the
// latent explorer and Compare show what that real model reconstructs, samples and decodes, in
// colour. Every screen is photographed at 1280x800 and 1024x640, light and dark:
// test-artifacts/own-images-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { makeImageFolder } from '../../scripts/make-image-folder.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import type { BasePage } from './pages/base-page.ts';
import { ComparePage } from './pages/compare-page.ts';
import type { LatentExplorerPage } from './pages/latent-explorer-page.ts';
import type { NewExperimentPage } from './pages/new-experiment-page.ts';
import type { RunViewPage } from './pages/run-view-page.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';
import type { RunDetail } from '../../src/shared/contract.ts';
import type { RunRecord } from '../../src/shared/training.ts';

const LARGE = { width: 1280, height: 800 };
const SMALL = { width: 1024, height: 640 };
// Only guards against a hang: the machine's two cores are shared with other tests.
const TRAINING = 240_000;

/** The page at both sizes, light and dark, then back to the large size. */
async function shootBoth(view: BasePage, name: string): Promise<void> {
  for (const [size, label] of [
    [LARGE, '1280'],
    [SMALL, '1024'],
  ] as const) {
    await view.page.setViewportSize(size);
    await view.shoot(`own-images-${name}-${label}`, true);
  }
  await view.page.setViewportSize(LARGE);
}

describe('Own colour images: a folder becomes a data set, a colour conv VAE trains from the form, every view in colour', () => {
  const step = steps();
  let dir: string;
  let workbench: Workbench;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let form: NewExperimentPage;
  let view: RunViewPage;
  let runId: number;
  let rpc: RpcSocket | undefined;
  let explorer: LatentExplorerPage;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-own-images-'));
    // One hue per class, so a few seconds of training learn colour. The training folder mixes PNG
    // and JPEG, grey and colour; the test images (the ones shown) are all colour.
    await makeImageFolder(join(dir, 'shapes'), { count: 60, classes: 3, size: 16, seed: 1, palette: 'by-class' });
    await makeImageFolder(join(dir, 'shapes-test'), {
      count: 16,
      classes: 3,
      size: 16,
      seed: 2,
      formats: 'png-rgb',
      palette: 'by-class',
    });
    workbench = await startWorkbench();
    browser = await launchBrowser();
    const opened = await openPage(browser, LARGE);
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    form = await app.openNewExperiment();
  });
  after(async () => {
    await browser?.close();
    await rpc?.close();
    await workbench?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  step('the folder, its test folder and colour are chosen; Bernoulli on colour is explained', async () => {
    await form.choosePreset('conv-64');
    await form.useImageFolder(join(dir, 'shapes'), {
      'data.testPath': join(dir, 'shapes-test'),
      'data.channels': '3',
      'data.imageHeight': '16',
      'data.imageWidth': '16',
    });
    assert.equal(await form.field('data.channels').inputValue(), '3');
    assert.deepEqual(
      await form.field('data.channels').locator('option').allInnerTexts(),
      ['Greyscale', 'Colour (RGB)'],
      'channels are a choice, not a number',
    );
    // conv-64 keeps its Bernoulli likelihood: on colour values the form says what that means.
    await form.bernoulliWarning.getByText(/colour pixels: each red, green and blue value in \[0, 1\]/).waitFor();
    assert.match(await form.bernoulliWarning.innerText(), /Gaussian likelihood/);
    await form.checkData();
    await form.datasetSummary
      .getByText(/60 images of 16×16 in colour, 3 classes \(discs, squares, stripes\), and a test split of 16 images/)
      .waitFor({ timeout: 60_000 });
    assert.match(await form.evaluationSplit.innerText(), /60 to train on, evaluated on 16 test images/);
    await form.shootDataSection('own-images-data', [LARGE, SMALL]);
  });

  step('a small colour conv VAE is set up in the form: Gaussian, 2-D latent, two blocks each way', async () => {
    await form.set({
      'loss.likelihood': 'gaussian',
      'model.latentDim': '2',
      'model.convChannels': '8, 16',
      'model.deconvChannels': '16, 8',
      'optim.learningRate': '0.005',
      'optim.batchSize': '10',
      'optim.epochs': '20',
      'run.previewEvery': '20',
      'run.evalSamples': '0',
      'run.name': 'Colour shapes',
    });
    await form.bernoulliWarning.waitFor({ state: 'detached' });
  });

  step('it trains from the form and the run page shows colour reconstructions and samples', { timeout: TRAINING }, async () => {
    view = await form.launch();
    runId = await view.runId();
    await view.waitForStatus('completed', TRAINING);
    await view.waitForImages();
    // The paired grid holds the test images above their reconstructions: plenty of clear colour.
    const recon = await view.colourShare('[data-testid="recon-grid"]');
    assert.ok(recon.share > 0.1, `reconstructions in colour (${(recon.share * 100).toFixed(1)}% of pixels)`);
    const samples = await view.readCanvas('[data-testid="samples-grid"]', [[0, 0]]);
    // Cells of 16 pixels with a 1-pixel gap between them.
    assert.equal((samples.width + 1) % 17, 0, `samples are 16 wide (bitmap ${samples.width})`);
    assert.ok((await view.colourShare('[data-testid="samples-grid"]')).anyColour, 'samples are not grey');
    await shootBoth(view, 'run');
    assert.deepEqual(problems, []);
  });

  step('the latent explorer decodes the real model in colour: manifold, decoder, scatter hover', async () => {
    explorer = await view.openLatentExplorer();
    await explorer.waitForManifold();
    await explorer.waitForScatterPoints();
    assert.ok((await explorer.colourShare('[data-testid="manifold-grid"]')).anyColour, 'the manifold is in colour');
    const decoded = await explorer.decodedImage();
    assert.match(decoded, /^data:image\/png/);
    assert.ok((await explorer.colourShare('[data-testid="latent-decoded"]')).anyColour, 'the decoded image is in colour');
    await explorer.hoverSomePoint();
    await explorer.scatterTooltip.waitFor();
    const tip = await explorer.colourShare('[data-testid="scatter-tooltip"]');
    assert.ok(tip.share > 0.1, `the hovered test image is in colour (${(tip.share * 100).toFixed(1)}%)`);
    await explorer.page.mouse.move(0, 0);
    assert.match(await explorer.byTestId('scatter-legend').innerText(), /discs\s+squares\s+stripes/, 'classes by name');
    // At 1024 px wide the manifold gives way so its controls stay inside the window.
    await explorer.page.setViewportSize(SMALL);
    const range = await explorer.byTestId('manifold-range').boundingBox();
    assert.ok(
      range && range.x + range.width <= SMALL.width - 16,
      `manifold controls inside the window (${JSON.stringify(range)})`,
    );
    await shootBoth(explorer, 'latent');
    assert.deepEqual(problems, []);
  });

  step("Compare draws both real models' reconstructions of the test images in colour", { timeout: TRAINING }, async () => {
    // Compare needs two runs: the same model with another seed, started over the contract.
    rpc = await openRpc(workbench.wsUrl);
    const detail = await rpc.call('getRun', { runId });
    assert.ok(detail.ok, JSON.stringify(detail));
    const config = (detail.value as RunDetail).run.config;
    const started = await rpc.call('startRun', {
      config: {
        ...config,
        optim: { ...config.optim, epochs: 5 },
        run: { ...config.run, seed: 2, name: 'Colour shapes, seed 2' },
      },
    });
    assert.ok(started.ok, JSON.stringify(started));
    const second = (started.value as RunRecord).id;
    await rpc.waitForEvent(runFinished(second), TRAINING);
    await app.goto(`#/compare/${runId},${second}`);
    const compare = new ComparePage(app.page);
    await compare.waitForRuns([runId, second]);
    await compare.waitForAttr('compare-recon', 'data-rows', '2', 60_000);
    for (const id of [runId, second]) {
      await compare.page.locator(`[data-testid="compare-recon-row-${id}"][data-ready="true"] canvas`).waitFor();
      const row = await compare.colourShare(`[data-testid="compare-recon-row-${id}"]`);
      // The second run trained a quarter as long: its colours may still be faint, but they are colours.
      if (id === runId) assert.ok(row.share > 0.05, `run ${id}'s reconstructions in colour (${(row.share * 100).toFixed(1)}%)`);
      else assert.ok(row.anyColour, `run ${id}'s reconstructions are not grey`);
    }
    await compare.byTestId('compare-recon').scrollIntoViewIfNeeded();
    await shootBoth(compare, 'compare');
    assert.deepEqual(problems, []);
  });
});
