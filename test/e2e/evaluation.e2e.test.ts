// The run page's evaluation panel against a real server and a real tiny run: the evaluation made at
// the end of training is shown (NLL_k, bits/dim, active units), Evaluate on an earlier checkpoint
// at another k shows its progress and adds a row, and the Runs table offers NLL as a column. The
// panel is photographed at 1280x800 and 1024x640, light and dark, into test-artifacts/evaluation-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { CheckpointSummary, RunDetail } from '../../src/shared/contract.ts';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, shootSchemes, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { EvaluationPanel } from './pages/evaluation-panel.ts';
import { steps } from './steps.ts';
import { openRpc, runFinished, type RpcSocket } from './ws-rpc.ts';

const TRAINING = 180_000;

describe('UI evaluation: NLL_k on the run page, at the end of training and on demand', () => {
  const step = steps();
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let problems: string[];
  let panel: EvaluationPanel;
  let run: RunRecord;
  let checkpoints: CheckpointSummary[];

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

  step('a tiny run trains and is evaluated when it ends', { timeout: TRAINING }, async () => {
    const config = presetConfig('quick', {
      'data.limit': 300,
      'optim.epochs': 2,
      'run.name': 'evaluation e2e',
      'run.evalSamples': 20,
      'run.evalImages': 30,
    });
    const started = await rpc.call('startRun', { config });
    assert.ok(started.ok, JSON.stringify(started));
    run = started.value as RunRecord;
    await rpc.waitForEvent(runFinished(run.id), TRAINING);
    const detail = await rpc.call('getRun', { runId: run.id });
    assert.ok(detail.ok);
    checkpoints = (detail.value as RunDetail).checkpoints;
    assert.equal((detail.value as RunDetail).run.evaluation?.k, 20);
  });

  step('the run page shows the headline evaluation', async () => {
    const opened = await openPage(browser, { width: 1280, height: 800 });
    problems = opened.problems;
    const app = await new AppShell(opened.page).open(workbench.url);
    await app.gotoRun(run.id);
    panel = new EvaluationPanel(opened.page);
    await panel.waitForHeadline();
    const nll = Number(await panel.nll.textContent());
    assert.ok(nll > 0 && Number.isFinite(nll), `NLL ${nll}`);
    const bpd = Number(await panel.bitsPerDim.textContent());
    assert.ok(Math.abs(bpd - nll / (784 * Math.LN2)) < 1e-3, `bits/dim ${bpd} for NLL ${nll}`);
    assert.match((await panel.activeUnits.textContent()) ?? '', /^\d+ \/ 16$/);
    await panel.waitForRows(1);
  });

  step('Evaluate on the first checkpoint at k = 40 adds its row', { timeout: 180_000 }, async () => {
    const first = checkpoints[0]!.step;
    await panel.evaluate(40, first);
    await panel.waitForRows(2, 170_000);
    const [newest] = await panel.rows();
    assert.equal(newest![0], String(first));
    assert.equal(newest![1], '40');
    assert.match(newest![2]!, /^30 test$/);
    // The headline stays the latest checkpoint's (k = 20).
    assert.match((await panel.root.textContent()) ?? '', /NLL20/);
  });

  step('photographs of the panel, light and dark, at two sizes', async () => {
    for (const size of [
      { width: 1280, height: 800 },
      { width: 1024, height: 640 },
    ]) {
      await panel.page.setViewportSize(size);
      await panel.root.scrollIntoViewIfNeeded();
      await shootSchemes(panel.page, `evaluation-${size.width}x${size.height}`, size, false);
    }
  });

  step('no page errors or console errors along the way', () => {
    assert.deepEqual(problems, []);
  });
});
