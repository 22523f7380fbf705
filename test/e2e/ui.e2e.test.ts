// The UI end to end against the real browser-mode server: configure and launch a short run, watch
// its chart and images fill in, pause, resume and stop it, find it in the runs table with its loss,
// resume it there to completion, reopen it, rename it and delete it. Every view is photographed in
// the light and the dark scheme into test-artifacts/ for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, ROOT, startWorkbench } from './harness.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');

async function shoot(page: Page, name: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(ARTIFACTS, `ui-${name}-${colorScheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const numberAttr = (page: Page, testid: string, attr: string) => page.getByTestId(testid).getAttribute(attr).then(Number);

/** The page's globals, typed by hand (this file is compiled without the DOM's types); a cast, as page functions take no closures. */
type PageGlobals = { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } };

async function waitForAttr(page: Page, testid: string, attr: string, atLeast: number, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    ([id, name, min]) =>
      Number((globalThis as unknown as PageGlobals).document.querySelector(`[data-testid="${id}"]`)?.getAttribute(name)) >= min,
    [testid, attr, atLeast] as const,
    { timeout },
  );
}

const runStatus = (page: Page, status: string, timeout = 30_000) =>
  page.locator(`[data-testid="run-view"][data-status="${status}"]`).waitFor({ timeout });

test(
  'UI: launch, watch, pause, resume, stop, list, resume to the end, reopen, rename, delete',
  { timeout: 150_000 },
  async (t) => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const workbench = await startWorkbench();
    t.after(() => workbench.close());
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });

    await page.goto(workbench.url);
    await page
      .getByTestId('app-info')
      .getByText(/^v\d+\.\d+/)
      .waitFor();

    // An empty database says where to start.
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('runs-empty').getByText('No runs yet — start one from New experiment').waitFor();
    await shoot(page, 'runs-empty');

    // The form: a preset, inline validation with the reason, a data check.
    await page.getByTestId('nav-new').click();
    await page.getByTestId('preset-quick').click();
    const epochs = page.getByTestId('field-optim.epochs');
    await epochs.fill('0');
    await page.getByTestId('error-optim.epochs').getByText('Epochs must be at least 1').waitFor();
    assert.equal(await epochs.getAttribute('aria-invalid'), 'true');
    const launch = page.getByTestId('launch');
    assert.ok(await launch.isDisabled(), 'Launch is disabled while a field is invalid');
    assert.match(await launch.innerText(), /1 problem/);
    await shoot(page, 'new-invalid');

    await epochs.fill('2');
    await page.getByTestId('field-data.limit').fill('2000');
    // Batch 2 makes ~900 steps an epoch: seconds of training, long enough to pause and stop mid-run.
    await page.getByTestId('field-optim.batchSize').fill('2');
    await page.getByTestId('field-run.name').fill('e2e run');
    await page.getByTestId('label-chip-3').click();
    assert.equal(await page.getByTestId('label-chip-3').getAttribute('aria-pressed'), 'true');
    await page.getByTestId('labels-all').click();
    assert.equal(await page.getByTestId('label-chip-3').getAttribute('aria-pressed'), 'false');
    await page.getByTestId('check-data').click();
    const summary = page.getByTestId('dataset-summary');
    await summary.getByText(/10,000 images of 28×28, 10 labels/).waitFor({ timeout: 30_000 });
    assert.match(await summary.innerText(), /1,800 to train on, 200 held out/);
    assert.ok(await launch.isEnabled());
    await shoot(page, 'new');

    // Launch: the live view fills in.
    await launch.click();
    await page.getByTestId('run-view').waitFor();
    const runId = Number(await page.getByTestId('run-view').getAttribute('data-run-id'));
    assert.ok(runId > 0);
    await page.getByTestId(`nav-run-${runId}`).waitFor();
    await waitForAttr(page, 'loss-chart', 'data-points', 20);
    await page.locator('[data-testid="recon-grid"][data-has-image="true"]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="samples-grid"][data-has-image="true"]').waitFor({ timeout: 30_000 });
    assert.match(await page.getByTestId('progress').innerText(), /img\/s/);
    await shoot(page, 'run-live');

    // Pause holds the run still; resume carries on.
    await page.getByTestId('pause').click();
    await runStatus(page, 'paused');
    await page.getByTestId('resume').waitFor();
    await page.waitForTimeout(300);
    const pausedAt = await numberAttr(page, 'loss-chart', 'data-points');
    await page.waitForTimeout(800);
    assert.equal(await numberAttr(page, 'loss-chart', 'data-points'), pausedAt, 'no steps while paused');
    await shoot(page, 'run-paused');
    await page.getByTestId('resume').click();
    await runStatus(page, 'running');
    await waitForAttr(page, 'loss-chart', 'data-points', pausedAt + 10);

    // After the first epoch (a held-out point), stop: the run can be resumed later.
    await waitForAttr(page, 'loss-chart', 'data-held-out-points', 1, 60_000);
    await page.getByTestId('stop').click();
    await runStatus(page, 'interrupted');
    await page
      .getByTestId('status-message')
      .getByText(/Stopped by the user at step \d+/)
      .waitFor();
    await page.getByTestId('resume').waitFor();
    await shoot(page, 'run-stopped');

    // The runs table lists it with the held-out loss of its last epoch.
    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId(`run-row-${runId}`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-status'), 'interrupted');
    assert.match(await row.getByTestId(`final-loss-${runId}`).innerText(), /^\d+\.\d\d$/);
    assert.match(await row.innerText(), /e2e run/);
    await shoot(page, 'runs');

    // Resumed from the table, it runs to the end.
    await row.getByTestId(`resume-${runId}`).click();
    await page.locator(`[data-testid="run-row-${runId}"][data-status="completed"]`).waitFor({ timeout: 60_000 });
    const finalLoss = await row.getByTestId(`final-loss-${runId}`).innerText();
    assert.match(finalLoss, /^\d+\.\d\d$/);

    // Reopened, the run shows its logged curves and images.
    await row.getByTestId(`open-${runId}`).click();
    await runStatus(page, 'completed');
    await waitForAttr(page, 'loss-chart', 'data-points', 20);
    await waitForAttr(page, 'loss-chart', 'data-held-out-points', 2);
    await page.locator('[data-testid="recon-grid"][data-has-image="true"]').waitFor();
    assert.match(await page.getByTestId('progress').innerText(), /100%/);
    assert.equal(await page.getByTestId('metric-heldout-total').innerText(), finalLoss);
    await page.getByTestId('log-scale').check();
    await page.getByTestId('toggle-kl').click();
    assert.equal(await page.getByTestId('toggle-kl').getAttribute('aria-pressed'), 'false');
    await shoot(page, 'run-completed');
    await page.getByTestId('log-scale').uncheck();
    await page.getByTestId('toggle-kl').click();

    // Rename inline, filter, delete with confirmation.
    await page.getByTestId('nav-runs').click();
    await row.getByTestId('rename').click();
    await row.getByTestId('rename-input').fill('renamed by e2e');
    await row.getByTestId('rename-input').press('Enter');
    await row.getByText('renamed by e2e').waitFor();
    await page.getByTestId('runs-filter').fill('renamed');
    await row.waitFor();
    await page.getByTestId('runs-filter').fill('no such run');
    await row.waitFor({ state: 'detached' });
    await page.getByTestId('runs-filter').fill('');
    await row.getByTestId('delete').click();
    await page.getByTestId('confirm-delete').waitFor();
    await shoot(page, 'delete-confirm');
    await page.getByTestId('confirm-delete').click();
    await page.getByTestId('runs-empty').waitFor();
    await page.getByTestId(`nav-run-${runId}`).waitFor({ state: 'detached' });

    assert.deepEqual(problems, []);
  },
);
