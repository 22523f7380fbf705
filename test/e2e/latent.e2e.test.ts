// The latent explorer end to end against the real browser-mode server: three short runs trained over
// the contract (a 2-D and an 8-D latent space, and a 1-D one on a CSV file that is then removed),
// then, in Chromium, the decoded manifold, live slider decoding, the scatter with hover and click,
// the interpolation strip, scrubbing through checkpoints, the many-slider layout with PCA, a run
// whose data file is gone, and a live run that has no checkpoint yet picking up its first. Every
// state is photographed in the light and the dark scheme into test-artifacts/latent-*.png. How fast
// the sliders and the manifold answer is measured by bench/e2e-latency.ts, not asserted here.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { LatentEncoding } from '../../src/shared/contract.ts';
import { makeRng } from '../../src/shared/random.ts';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { VIEWPORT, type PageGlobals } from './pages/base-page.ts';
import type { LatentExplorerPage } from './pages/latent-explorer-page.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

// Training waits: generous, since other tests (and other work) share the machine's two cores.
const TRAINING = 300_000;

/**
 * The NLL evaluation at the end of a run is left out: the explorer does not show it, and on the 2-D
 * run's 1,000 held-out images it would cost more CPU than the training (test/eval-cli.test.ts and
 * evaluation.e2e.test.ts cover it).
 */
async function train(rpc: RpcSocket, overrides: Record<string, unknown>): Promise<RunRecord> {
  const started = await rpc.call('startRun', { config: presetConfig('quick', { 'run.evalSamples': 0, ...overrides }) });
  assert.ok(started.ok, JSON.stringify(started));
  return started.value as RunRecord;
}

/**
 * A small labelled CSV of 28x28 images (a bar whose place depends on the label, and some noise):
 * enough to train on, and a file the test can take away afterwards.
 */
function writeBarsCsv(path: string, count: number): void {
  const rng = makeRng(3);
  const lines = [['label', ...Array.from({ length: 784 }, (_, i) => `${Math.floor(i / 28) + 1}x${(i % 28) + 1}`)].join(',')];
  for (let n = 0; n < count; n++) {
    const label = n % 10;
    const row: number[] = [];
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) row.push(Math.abs(x - (4 + 2 * label)) <= 1 && y > 4 && y < 24 ? 230 : Math.floor(rng() * 40));
    lines.push([label, ...row].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('Latent explorer: manifold, live sliders, scatter hover and click, interpolation, epochs, 8-D with PCA', () => {
  const step = steps();
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let explorer: LatentExplorerPage;
  let dir: string;
  let run2: RunRecord, run8: RunRecord, run1: RunRecord;
  let hit: { x: number; y: number; index: string };
  let latestStep: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-latent-'));
    workbench = await startWorkbench();
    rpc = await openRpc(workbench.wsUrl);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await rpc?.close();
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  step('three runs train: 2-D and 8-D on digits, and 1-D on a CSV file that is then removed', { timeout: TRAINING }, async () => {
    // 2,500 built-in digits, 40% held out, for four epochs: four checkpoints to scrub through,
    // 1,000 held-out images on the scatter, and a manifold that shows digits.
    run2 = await train(rpc, {
      'model.latentDim': 2,
      'data.limit': 2500,
      'data.heldOutFraction': 0.4,
      'optim.epochs': 4,
      'run.name': 'Digits in 2-D',
    });
    run8 = await train(rpc, { 'model.latentDim': 8, 'data.limit': 1000, 'optim.epochs': 2, 'run.name': 'Digits in 8-D' });
    // Its encoder will have nothing to encode once the file is gone.
    const csv = join(dir, 'bars.csv');
    writeBarsCsv(csv, 400);
    run1 = await train(rpc, {
      'model.latentDim': 1,
      'data.source': 'csv',
      'data.path': csv,
      'optim.epochs': 2,
      'run.name': 'Bars on a line',
    });
    await Promise.all([run2, run8, run1].map((r) => rpc.waitForEvent(runFinished(r.id), TRAINING)));
    rmSync(csv);
  });

  step("the run view's button opens the explorer", async () => {
    const opened = await openPage(browser, VIEWPORT);
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    const view = await app.gotoRun(run2.id);
    await view.waitForStatus('completed');
    await view.page.locator('[data-testid="samples-grid"][data-has-image="true"]').waitFor();
    await view.page.locator('[data-testid="open-latent"]:enabled').waitFor();
    await view.shoot('latent-run-view', true);
    explorer = await view.openLatentExplorer();
    assert.equal(new URL(explorer.page.url()).hash, `#/runs/${run2.id}/latent`);
  });

  step('a 20 × 20 manifold is decoded on opening', async () => {
    // Opening starts the latent worker and loads the checkpoint and, for the scatter, the data set.
    await explorer.waitForManifold(60_000);
    assert.equal(await explorer.attr('manifold-grid', 'data-size'), '20');
    assert.ok((await explorer.numberAttr('manifold-grid', 'data-decode-ms')) > 0, 'the decode time is reported');
  });

  step('the scatter shows the 1,000 held-out encodings', async () => {
    await explorer.waitForScatterPoints(60_000);
    assert.equal(
      await explorer.numberAttr('latent-scatter', 'data-points'),
      1000,
      'the first 1,000 of the 1,000 held-out images',
    );
  });

  step('a new range redraws the manifold', async () => {
    const before = await explorer.attr('manifold-grid', 'data-decode-ms');
    await explorer.setManifoldRange('3');
    assert.ok((await explorer.numberAttr('manifold-grid', 'data-decode-ms')) > 0, `decode time after ${before}`);
  });

  step('each slider move redraws the decoded image, and the view reports its latency', async () => {
    await explorer.decodedCanvas.waitFor();
    const first = await explorer.moveSlider(0, -2);
    const second = await explorer.moveSlider(0, 2);
    assert.notEqual(first.image, second.image, 'a different point decodes to a different image');
    const back = await explorer.moveSlider(0, -2);
    assert.equal(back.image, first.image, 'the same point decodes to the same image');
    for (let i = 0; i < 6; i++) {
      const move = await explorer.moveSlider(i % 2, Math.round(Math.sin(i) * 300) / 100);
      assert.ok(Number.isFinite(move.reported) && move.reported >= 0, `reported latency ${move.reported}`);
    }
    await explorer.root().getByText('Latent space').first().waitFor();
    await explorer.shoot('latent-2d', true);
  });

  step('hovering the scatter shows the image under the pointer and its label', async () => {
    hit = await explorer.hoverSomePoint();
    await explorer.scatterTooltip.waitFor();
    assert.match(await explorer.scatterTooltip.innerText(), /label \d/);
    assert.equal(await explorer.scatterTooltip.locator('canvas').count(), 1, 'the tooltip shows the image');
    await explorer.shoot('latent-2d-hover', true);
  });

  step("clicking a point moves the sliders to that image's mean, as the encoder gives it over the contract", async () => {
    await explorer.page.mouse.click(hit.x, hit.y);
    assert.equal(await explorer.attr('latent-scatter', 'data-selected'), hit.index);
    latestStep = await explorer.scatterStep();
    const encoded = await rpc.call('encodeImages', { runId: run2.id, step: latestStep, count: 1000 });
    assert.ok(encoded.ok);
    const means = (encoded.value as LatentEncoding).means;
    const i = Number(hit.index);
    for (const d of [0, 1]) {
      const slider = Number(await explorer.slider(d).inputValue());
      const mean = means[i * 2 + d]!;
      assert.ok(Math.abs(slider - Math.max(-4, Math.min(4, mean))) < 0.011, `slider ${d} at ${slider}, mean ${mean}`);
    }
  });

  step('two images as A and B give a ten-frame strip, linear and spherical', async () => {
    await explorer.setA();
    // B from another part of the cloud, for a strip that goes somewhere.
    const other = await explorer.hoverSomePoint(0.75, 0.3, hit, 150);
    await explorer.page.mouse.click(other.x, other.y);
    await explorer.setB();
    await explorer.waitForInterpolation(10);
    await explorer.interpolation('Spherical');
    await explorer.waitForInterpolation(10);
    await explorer.resetToEncoded();
    await explorer.page.mouse.move(0, 0);
    await explorer.shoot('latent-2d-selected', true);
  });

  step('scrubbing to the first checkpoint re-encodes the same images there', async () => {
    assert.equal(await explorer.epochSlider.inputValue(), '3', 'the newest of four checkpoints is shown first');
    await explorer.scrubTo(0);
    await explorer.page.waitForFunction(
      (newest) => {
        const scatter = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="latent-scatter"]');
        const s = Number(scatter?.getAttribute('data-step'));
        return s > 0 && s < newest;
      },
      latestStep,
      { timeout: 30_000 },
    );
    assert.equal(await explorer.numberAttr('latent-scatter', 'data-points'), 1000, 'the same images at every checkpoint');
    await explorer.checkpointLabel.getByText('epoch 1').waitFor();
    await explorer.shoot('latent-2d-epoch1', true);
  });

  step('Play steps through the checkpoints to the newest, and stops there', async () => {
    await explorer.play();
    await explorer.page.locator(`[data-testid="latent-scatter"][data-step="${latestStep}"]`).waitFor({ timeout: 30_000 });
    assert.equal(await explorer.epochSlider.inputValue(), '3');
    await explorer.waitForPlayStopped();
  });

  step('eight dimensions: eight sliders, PCA axes by default, grid dimensions from two selects', async () => {
    explorer = await app.gotoLatent(run8.id);
    await explorer.page.locator('[data-testid="latent-view"][data-latent-dim="8"]').waitFor();
    assert.equal(await explorer.sliders.count(), 8);
    assert.equal(await explorer.scatterMode().innerText(), 'PCA');
    await explorer.waitForScatterPoints(60_000);
    await explorer.chooseGridDimension('y', 3);
    await explorer.waitForManifold(60_000);
    await explorer.waitForInterpolation(10);
    await explorer.shoot('latent-8d-pca', true);
  });

  step('one dimension with its data file gone: the scatter says why; the decoder and the manifold still work', async () => {
    explorer = await app.gotoLatent(run1.id);
    await explorer.page.locator('[data-testid="latent-view"][data-latent-dim="1"]').waitFor();
    await explorer.scatterProblem.getByText(/not found|no longer/).waitFor({ timeout: 60_000 });
    await explorer.page.locator('[data-testid="manifold-grid"][data-size="20"]').waitFor({ timeout: 60_000 });
    await explorer.moveSlider(0, 1.5);
    assert.equal(await explorer.sliders.count(), 1);
    await explorer.shoot('latent-1d-no-data', true);
  });

  step(
    'a run without a checkpoint says so, and opens on the checkpoint its Stop saves, without a reload',
    { timeout: TRAINING },
    async () => {
      const slow = await train(rpc, {
        'model.latentDim': 4,
        'data.limit': 5000,
        'optim.epochs': 5,
        'optim.batchSize': 2,
        'run.name': 'Latent live',
      });
      explorer = await app.gotoLatent(slow.id);
      await explorer.noCheckpoint.waitFor();
      await explorer.shoot('latent-no-checkpoint', true);
      const stopped = await rpc.call('stopRun', { runId: slow.id });
      assert.ok(stopped.ok, JSON.stringify(stopped));
      await explorer.waitForScatterPoints(TRAINING);
      assert.equal(await explorer.noCheckpoint.count(), 0);
    },
  );

  step('no page errors or console errors along the way', () => {
    assert.deepEqual(problems, []);
  });
});
