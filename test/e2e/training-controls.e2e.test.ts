// The training controls in the app: the form's "Schedules & regularisation" section (fields that
// appear with their schedule, problems named beside them), the run page's controls chart and
// summary, an early-stopped run's message, its best checkpoint in the latent explorer and in Export.
// Screenshots at 1280x800 and 1024x640, light and dark, go to test-artifacts/controls-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunRecord } from '../../src/shared/training.ts';
import { BOUNCY } from '../controls-fixtures.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, shootSchemes, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { ComparePage } from './pages/compare-page.ts';
import { waitUntil } from './pages/base-page.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

const TRAINING = 180_000;
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
];

describe('UI training controls: the form section, the controls chart, early stopping and the best checkpoint', () => {
  const step = steps();
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let app: AppShell;
  let stopped: RunRecord;
  let scheduled: RunRecord;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-controls-'));
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

  step('two tiny runs train: one stops early, one follows cyclical β and a cosine rate', { timeout: TRAINING }, async () => {
    const start = async (overrides: Record<string, unknown>) => {
      const r = await rpc.call('startRun', { config: presetConfig('quick', overrides) });
      assert.ok(r.ok, JSON.stringify(r));
      return r.value as RunRecord;
    };
    stopped = await start({ ...BOUNCY, 'optim.epochs': 6, 'optim.earlyStopPatience': 1, 'run.name': 'stops early' });
    scheduled = await start({
      'data.limit': 400,
      'optim.batchSize': 50,
      'optim.epochs': 3,
      'loss.klSchedule': 'cyclical',
      'loss.klCycles': 3,
      'optim.lrSchedule': 'cosine',
      'optim.lrMin': 0.0002,
      'run.name': 'cyclical β, cosine rate',
    });
    await rpc.waitForEvent(runFinished(stopped.id), TRAINING);
    await rpc.waitForEvent(runFinished(scheduled.id), TRAINING);
  });

  step('the scheduled run draws its objective, β and rate, and lists its controls', async () => {
    const opened = await openPage(browser, SIZES[0]!, { acceptDownloads: true });
    page = opened.page;
    problems = opened.problems;
    app = await new AppShell(page).open(workbench.url);
    const view = await app.gotoRun(scheduled.id);
    await view.waitForStatus('completed');
    const points = await waitUntil(
      'controls chart points',
      () => view.numberAttr('controls-chart', 'data-points'),
      (n) => n > 0,
    );
    assert.equal(points, 24, '8 steps an epoch for 3 epochs');
    const summary = await view.controlsSummary.innerText();
    assert.match(summary, /β: 3 cycles to 1, rising over 50% of each/);
    assert.match(summary, /Learning rate: cosine to 0.0002/);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await view.controlsChart.scrollIntoViewIfNeeded();
      await shootSchemes(page, `controls-run-${size.width}`, size, false);
    }
    await page.setViewportSize(SIZES[0]!);
  });

  step('Compare draws both runs’ β, learning rate and objective per step, and names their controls', async () => {
    await app.goto(`#/compare/${stopped.id},${scheduled.id}`);
    const compare = new ComparePage(page);
    await compare.controls.waitFor();
    for (const quantity of ['beta', 'learningRate', 'objective'] as const) {
      await compare.pickControl(quantity);
      await waitUntil(
        `${quantity} curves`,
        () => compare.controlsChart.getAttribute('data-datasets'),
        (n) => n === '2',
      );
      assert.equal(await compare.controlsChart.getAttribute('data-quantity'), quantity);
    }
    assert.match(await compare.controlsRun(scheduled.id).innerText(), /β: 3 cycles to 1.*Learning rate: cosine to 0.0002/);
    assert.match(await compare.controlsRun(stopped.id).innerText(), /Early stopping: after 1 epoch without improvement/);
    await compare.pickControl('learningRate');
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await compare.controls.scrollIntoViewIfNeeded();
      await shootSchemes(page, `controls-compare-${size.width}`, size, false);
    }
    await page.setViewportSize(SIZES[0]!);
  });

  step('the early-stopped run says so, and has no controls chart', async () => {
    const view = await app.gotoRun(stopped.id);
    await view.waitForStatus('completed');
    assert.match(
      await view.statusMessage.innerText(),
      /Stopped early at epoch 3: the validation −ELBO did not improve for 1 epoch/,
    );
    assert.equal(await view.controlsChart.count(), 0);
  });

  step('Export with Best downloads the best epoch’s weights', { timeout: 120_000 }, async () => {
    const view = await app.gotoRun(stopped.id);
    await view.waitForExportEnabled();
    await view.exportCheckpoint.selectOption('best');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 100_000 }), view.exportButton.click()]);
    const saved = join(dir, 'best.zip');
    await download.saveAs(saved);
    const out = join(dir, 'best');
    const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', saved, out], { encoding: 'utf8' });
    assert.equal(unzip.status, 0, unzip.stderr);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      checkpoint: { step: number; epoch: number };
    };
    assert.deepEqual([manifest.checkpoint.epoch, manifest.checkpoint.step], [2, 6]);
  });

  step('the latent explorer jumps to the best checkpoint and back to the last', async () => {
    const explorer = await app.gotoLatent(stopped.id);
    await waitUntil(
      'the last checkpoint',
      () => explorer.checkpointLabel.innerText(),
      (t) => t === 'epoch 3',
    );
    await explorer.bestCheckpointButton.click();
    await waitUntil(
      'the best checkpoint',
      () => explorer.checkpointLabel.innerText(),
      (t) => t === 'epoch 2 · best',
    );
    await explorer.lastCheckpointButton.click();
    await waitUntil(
      'the last checkpoint again',
      () => explorer.checkpointLabel.innerText(),
      (t) => t === 'epoch 3',
    );
  });

  step('the form’s Schedules & regularisation section shows each schedule’s fields and names a bad value', async () => {
    const form = await app.openNewExperiment();
    await form.choosePreset('quick');
    await form.controlsSection.scrollIntoViewIfNeeded();
    assert.equal(await form.field('loss.klWarmupEpochs').count(), 0, 'no warm-up field for a constant β');
    await form.field('loss.klSchedule').selectOption('linear');
    await form.field('loss.klWarmupEpochs').fill('0');
    await waitUntil(
      'the warm-up error',
      () => form.fieldError('loss.klWarmupEpochs').innerText(),
      (t) => /greater than 0/.test(t),
    );
    await form.field('loss.klWarmupEpochs').fill('5');
    await form.field('optim.lrSchedule').selectOption('plateau');
    assert.equal(await form.field('optim.lrPatience').count(), 1);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await form.controlsSection.scrollIntoViewIfNeeded();
      await shootSchemes(page, `controls-form-${size.width}`, size, false);
    }
    assert.deepEqual(problems, []);
  });
});
