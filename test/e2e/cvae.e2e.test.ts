// The conditional VAE in the browser against the real browser-mode server: a tiny CVAE and a plain
// 2-D VAE trained over the contract, then "generate this digit" in the latent explorer (a label
// picker beside the sliders that every panel decodes with) and Compare's latent points decoded per
// label. Photographed at 1280x800 and 1024x640, light and dark, into test-artifacts/cvae-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { ComparePage } from './pages/compare-page.ts';
import type { LatentExplorerPage } from './pages/latent-explorer-page.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

const TRAINING = 300_000;
const LARGE = { width: 1280, height: 800 };
const SMALL = { width: 1024, height: 640 };

async function train(rpc: RpcSocket, overrides: Record<string, unknown>): Promise<RunRecord> {
  const started = await rpc.call('startRun', {
    config: presetConfig('quick', {
      'data.limit': 400,
      'optim.epochs': 2,
      'optim.batchSize': 10,
      'optim.learningRate': 1e-2,
      'model.latentDim': 2,
      'model.encoderHidden': [128],
      'model.decoderHidden': [128],
      'run.evalSamples': 0,
      ...overrides,
    }),
  });
  assert.ok(started.ok, JSON.stringify(started));
  return started.value as RunRecord;
}

describe('Conditional VAE: generate this digit in the latent explorer, and per label in Compare', () => {
  const step = steps();
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let explorer: LatentExplorerPage;
  let cvae: RunRecord;
  let plain: RunRecord;

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

  step('a conditional VAE and a plain VAE train', { timeout: TRAINING }, async () => {
    cvae = await train(rpc, { 'model.conditional': 'label', 'run.name': 'CVAE digits' });
    plain = await train(rpc, { 'run.name': 'Plain digits' });
    await Promise.all([cvae, plain].map((r) => rpc.waitForEvent(runFinished(r.id), TRAINING)));
  });

  step('the explorer of the conditional run shows a label picker beside the sliders', async () => {
    const opened = await openPage(browser, LARGE);
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    explorer = await app.gotoLatent(cvae.id);
    await explorer.waitForManifold(60_000);
    await explorer.byTestId('label-picker').waitFor();
    assert.equal(await explorer.byTestId('label-picker').locator('button').count(), 10, 'one button per class');
    assert.equal(await explorer.attr('label-picker', 'data-label'), '0');
    assert.match(await explorer.root().innerText(), /conditioned on the label \(10 classes\)/);
  });

  step('picking a label redraws the decoded image and the manifold as that label', async () => {
    const asZero = await explorer.decodedImage();
    const drawn = await explorer.numberAttr('latent-decoded', 'data-drawn');
    await explorer.pickLabel(7);
    const asSeven = await explorer.decodedImage(drawn + 1);
    assert.notEqual(asSeven, asZero, 'the same z decodes to another image as label 7');
    await explorer.pickLabel(0);
    assert.equal(await explorer.decodedImage(drawn + 2), asZero, 'label 0 again gives the first image');
    await explorer.pickLabel(7);
    await explorer.waitForScatterPoints(60_000);
    await explorer.shoot('cvae-latent-1280', true);
    await explorer.page.setViewportSize(SMALL);
    await explorer.shoot('cvae-latent-1024', false);
    await explorer.page.setViewportSize(LARGE);
  });

  step("Compare decodes the same latent points per label: the conditional run's change, the plain run's do not", async () => {
    await app.goto(`#/compare/${cvae.id},${plain.id}`);
    const compare = new ComparePage(explorer.page);
    await compare.waitForRuns([cvae.id, plain.id]);
    await compare.scrollToLatentPoints();
    const panel = (id: number) => compare.byTestId(`compare-points-${id}`);
    const picture = async (id: number) => {
      await compare.page.locator(`[data-testid="compare-points-${id}"][data-ready="true"] canvas`).waitFor();
      return panel(id)
        .locator('canvas')
        .evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
    };
    const cvaeZero = await picture(cvae.id);
    const plainZero = await picture(plain.id);
    await compare.latentLabel(3);
    await panel(cvae.id).getByText('label 3').waitFor();
    const cvaeThree = await picture(cvae.id);
    assert.notEqual(cvaeThree, cvaeZero, 'the conditional run decodes the points as label 3');
    assert.equal(await picture(plain.id), plainZero, 'the plain run ignores the label');
    await compare.shoot('cvae-compare-1280', false);
    await compare.page.setViewportSize(SMALL);
    await compare.scrollToLatentPoints();
    await compare.shoot('cvae-compare-1024', false);
    assert.deepEqual(problems, []);
  });
});
