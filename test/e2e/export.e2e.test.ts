// Export from the app in browser mode: a finished run's Export… button downloads a .zip that holds
// the export folder, while a live run's button stays disabled. The run view with the button is
// photographed into test-artifacts/export-run-view.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { ARTIFACTS, launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { VIEWPORT } from './pages/base-page.ts';
import type { RunViewPage } from './pages/run-view-page.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

// Training waits: generous, since other tests (and other work) share the machine's two cores.
const TRAINING = 180_000;

describe('UI export: a finished run downloads as a zip with its manifest and models', () => {
  const step = steps();
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let problems: string[];
  let app: AppShell;
  let view: RunViewPage;
  let run: RunRecord;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-download-'));
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

  step('a short run trains to the end', { timeout: TRAINING }, async () => {
    const started = await rpc.call('startRun', {
      config: presetConfig('quick', { 'data.limit': 400, 'optim.epochs': 1, 'run.name': 'export e2e' }),
    });
    assert.ok(started.ok, JSON.stringify(started));
    run = started.value as RunRecord;
    await rpc.waitForEvent(runFinished(run.id), TRAINING);
  });

  step('its run view enables Export', async () => {
    const opened = await openPage(browser, VIEWPORT, { acceptDownloads: true });
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    view = await app.gotoRun(run.id);
    await view.waitForStatus('completed');
    await view.waitForExportEnabled();
    mkdirSync(ARTIFACTS, { recursive: true });
    await view.page.screenshot({ path: join(ARTIFACTS, 'export-run-view.png') });
  });

  step('Export downloads a zip named after the run, with the manifest and both models', { timeout: 120_000 }, async () => {
    const [download] = await Promise.all([view.page.waitForEvent('download', { timeout: 100_000 }), view.exportButton.click()]);
    assert.equal(download.suggestedFilename(), 'export e2e.zip');
    const saved = join(dir, 'run.zip');
    await download.saveAs(saved);
    const listing = spawnSync('python3', ['-m', 'zipfile', '-l', saved], { encoding: 'utf8' });
    assert.equal(listing.status, 0, listing.stderr);
    for (const name of ['manifest.json', 'encoder/model.json', 'decoder/model.json'])
      assert.match(listing.stdout, new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'), `${name} in:\n${listing.stdout}`);
  });

  step('a run still training cannot be exported yet', async () => {
    const live = await rpc.call('startRun', {
      config: presetConfig('quick', { 'data.limit': 2000, 'optim.epochs': 50, 'optim.batchSize': 2 }),
    });
    assert.ok(live.ok, JSON.stringify(live));
    const liveId = (live.value as RunRecord).id;
    view = await app.gotoRun(liveId);
    assert.ok(await view.exportButton.isDisabled(), 'Export is disabled while the run is live');
    await rpc.call('stopRun', { runId: liveId });
  });

  step('no page errors or console errors along the way', () => {
    assert.deepEqual(problems, []);
  });
});
