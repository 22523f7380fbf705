// Compare end to end against the real browser-mode server: three short real runs (two with a 2-D
// latent space at different learning rates, one with a 16-D one and beta 4), selected in the Runs table and
// opened side by side. Checks the overlaid curves and their controls, the hyperparameter diff, the
// results table, reconstructions, decoded latent points (the 16-D run left out with a note), the KL
// bars, hovering, and that removing a run updates the address, the panels and the Runs selection;
// a run deleted elsewhere drops out and a live run added to the comparison fills in as it trains.
// The view is photographed in the light and the dark scheme into test-artifacts/compare-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, shootSchemes, startWorkbench } from './harness.ts';
import { openRpc } from './ws-rpc.ts';

const VIEWPORT = { width: 1360, height: 900 };
const shoot = (page: Page, name: string, full = true) => shootSchemes(page, `compare-${name}`, VIEWPORT, full);

/** The page's globals, typed by hand (this file is compiled without the DOM's types). */
type PageGlobals = { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } };

async function waitForAttr(page: Page, testid: string, attr: string, value: string, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    ([id, name, want]) =>
      (globalThis as unknown as PageGlobals).document.querySelector(`[data-testid="${id}"]`)?.getAttribute(name) === want,
    [testid, attr, value] as const,
    { timeout },
  );
}

test('UI compare: three real runs side by side, then one removed', { timeout: 150_000 }, async (t) => {
  const workbench = await startWorkbench();
  t.after(() => workbench.close());
  const rpc = await openRpc(workbench.wsUrl);
  t.after(() => rpc.close());

  // Small and quick: ~57 steps an epoch, two epochs. Runs beyond the concurrency limit queue.
  const base = { 'data.limit': 1000, 'optim.epochs': 2, 'optim.batchSize': 16, 'run.previewEvery': 0 };
  const configs = [
    presetConfig('quick', { ...base, 'run.name': 'z2 lr 2e-3', 'model.latentDim': 2, 'optim.learningRate': 2e-3 }),
    presetConfig('quick', { ...base, 'run.name': 'z2 lr 5e-3', 'model.latentDim': 2, 'optim.learningRate': 5e-3 }),
    presetConfig('quick', {
      ...base,
      'run.name': 'z16 beta 4',
      'model.latentDim': 16,
      'optim.learningRate': 2e-3,
      'loss.beta': 4,
    }),
  ];
  const ids: number[] = [];
  for (const config of configs) {
    const started = await rpc.call('startRun', { config });
    assert.ok(started.ok, JSON.stringify(started));
    ids.push((started.value as RunRecord).id);
  }
  const [a, b, c] = ids;
  await Promise.all(
    ids.map((id) =>
      rpc.waitForEvent(
        (e) => e.type === 'training' && e.events.some((x) => x.type === 'status' && x.runId === id && x.status === 'completed'),
        90_000,
      ),
    ),
  );

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(workbench.url);

  // Fewer than two runs picked: Compare explains itself and points to Runs.
  await page.getByTestId('nav-compare').click();
  await page.getByTestId('compare-empty').waitFor();
  await page.getByTestId('compare-empty-runs').waitFor();

  // Pick three in the Runs table, in order: the first is the reference for the images.
  await page.getByTestId('nav-runs').click();
  const compareButton = page.getByTestId('compare-selected');
  for (const id of ids) await page.getByTestId(`select-${id}`).check();
  assert.match(await compareButton.innerText(), /Compare \(3\)/);
  assert.ok(await compareButton.isEnabled());
  await shoot(page, 'runs-selected', false);
  await compareButton.click();
  await page.getByTestId('compare-view').waitFor();
  assert.equal(new URL(page.url()).hash, `#/compare/${a},${b},${c}`);
  for (const id of ids) await page.getByTestId(`compare-run-${id}`).waitFor();

  // Curves: one per run; each control changes what is drawn and every run stays on the chart.
  await waitForAttr(page, 'compare-chart', 'data-datasets', '3');
  await page.getByTestId('compare-part-kl').click();
  await waitForAttr(page, 'compare-chart', 'data-part', 'kl');
  await page.getByTestId('compare-split-heldOut').click();
  await waitForAttr(page, 'compare-chart', 'data-split', 'heldOut');
  assert.equal(await page.getByTestId('compare-chart').getAttribute('data-datasets'), '3', 'every run measured held-out KL');
  assert.ok(await page.getByTestId('compare-smoothing').isDisabled(), 'held-out points are not smoothed');
  await page.getByTestId('compare-x-axis').selectOption('wall');
  await waitForAttr(page, 'compare-chart', 'data-x-axis', 'wall');
  await page.getByTestId('compare-log-scale').check();
  await waitForAttr(page, 'compare-chart', 'data-log-scale', 'true');
  assert.equal(await page.getByTestId('compare-chart').getAttribute('data-datasets'), '3');
  await page.getByTestId('compare-log-scale').uncheck();
  await page.getByTestId('compare-part-total').click();
  await page.getByTestId('compare-split-train').click();
  await page.getByTestId('compare-x-axis').selectOption('images');
  await waitForAttr(page, 'compare-chart', 'data-x-axis', 'images');
  assert.equal(await page.getByTestId('compare-chart').getAttribute('data-datasets'), '3');

  // Hovering reads every run at one x.
  const plot = page.getByTestId('compare-chart');
  const box = (await plot.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
  const tooltip = page.getByTestId('compare-tooltip');
  await tooltip.waitFor();
  assert.equal(await tooltip.locator('.tip-row').count(), 3);
  assert.match(await tooltip.innerText(), /Images seen [\d,]+/);

  // Settings: only what differs (latent size, beta, learning rate), the rest a toggle away.
  const hp = page.getByTestId('hyperparam-table');
  await hp.getByTestId('hp-row-model.latentDim').waitFor();
  await hp.getByTestId('hp-row-optim.learningRate').waitFor();
  assert.equal(await hp.getByTestId('hp-row-optim.batchSize').count(), 0);
  assert.equal(await hp.locator('tr[data-testid^="hp-row-"]').count(), 3);
  assert.deepEqual(await hp.getByTestId('hp-row-model.latentDim').locator('td').allInnerTexts(), ['2', '2', '16']);
  assert.deepEqual(await hp.getByTestId('hp-row-loss.beta').locator('td').allInnerTexts(), ['1', '1', '4']);
  await page.getByTestId('hp-show-all').check();
  await hp.getByTestId('hp-row-optim.batchSize').waitFor();
  assert.ok((await hp.locator('tr[data-testid^="hp-row-"]').count()) > 15);
  await page.getByTestId('hp-show-all').uncheck();

  // Results: a column per run, with a best value marked.
  const metrics = page.getByTestId('metrics-table');
  assert.equal(await metrics.getAttribute('data-columns'), '3');
  assert.equal(await metrics.locator('thead th.run-heading').count(), 3);
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="metric-row-final-heldout"] td[data-best]') !==
      null,
  );
  for (const cell of await metrics.getByTestId('metric-row-final-heldout').locator('td').allInnerTexts())
    assert.match(cell, /^\d+\.\d\d$/);

  // Images: every run reconstructs the first run's images; the 2-D decoders share the points; KL bars for all.
  await waitForAttr(page, 'compare-recon', 'data-rows', '3', 60_000);
  await waitForAttr(page, 'compare-latent-points', 'data-runs', '2', 60_000);
  assert.equal(await page.getByTestId('compare-latent-points').getAttribute('data-latent-dim'), '2');
  assert.equal(await page.getByTestId('compare-latent-points').getAttribute('data-mode'), 'grid');
  assert.equal(await page.getByTestId(`compare-points-${c}`).count(), 0);
  assert.match(await page.getByTestId('compare-latent-skipped').innerText(), /z16 beta 4 \(#\d+, 16-D\)/);
  await waitForAttr(page, 'compare-kl', 'data-runs', '3', 60_000);
  for (const id of ids) {
    await page.locator(`[data-testid="kl-summary-${id}"][data-active]`).waitFor();
    assert.match(await page.getByTestId(`kl-summary-${id}`).innerText(), /\d+ of (2|16) dimensions active/);
  }
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
  await tooltip.waitFor();
  await shoot(page, 'three');
  await page.mouse.move(0, 0);

  // Prior draws: a seed fixes the points, a new draw changes them, both decoders follow.
  await page.getByTestId('latent-mode-prior').click();
  await waitForAttr(page, 'compare-latent-points', 'data-mode', 'prior');
  await waitForAttr(page, 'compare-latent-points', 'data-runs', '2', 30_000);
  await page.getByTestId('latent-seed').fill('42');
  await waitForAttr(page, 'compare-latent-points', 'data-runs', '2', 30_000);
  // The 16-D run gets its own group.
  await page.getByTestId('latent-group-16').click();
  await waitForAttr(page, 'compare-latent-points', 'data-latent-dim', '16');
  await waitForAttr(page, 'compare-latent-points', 'data-runs', '1', 30_000);
  await page.getByTestId('compare-latent-points').evaluate((el) => el.closest('section')?.scrollIntoView({ block: 'start' }));
  await shoot(page, 'prior-16d', false);

  // Removing a run updates the address, the chips, every panel and the Runs selection.
  await page.getByTestId(`compare-remove-${c}`).click();
  await page.waitForURL((url) => url.hash === `#/compare/${a},${b}`);
  await page.getByTestId(`compare-run-${c}`).waitFor({ state: 'detached' });
  await waitForAttr(page, 'compare-chart', 'data-datasets', '2');
  assert.equal(await page.getByTestId('metrics-table').getAttribute('data-columns'), '2');
  await waitForAttr(page, 'compare-kl', 'data-runs', '2');
  assert.equal(await page.getByTestId('compare-latent-skipped').count(), 0);
  await page.getByTestId('nav-runs').click();
  assert.ok(await page.getByTestId(`select-${a}`).isChecked());
  assert.ok(await page.getByTestId(`select-${b}`).isChecked());
  assert.ok(!(await page.getByTestId(`select-${c}`).isChecked()));
  assert.match(await compareButton.innerText(), /Compare \(2\)/);

  // The nav opens the selection; the picker adds a run back.
  await page.getByTestId('nav-compare').click();
  await page.waitForURL((url) => url.hash === `#/compare/${a},${b}`);
  await page.getByTestId('compare-add').selectOption(String(c));
  await page.waitForURL((url) => url.hash === `#/compare/${a},${b},${c}`);
  await waitForAttr(page, 'compare-chart', 'data-datasets', '3');

  // A run deleted elsewhere drops out of the comparison.
  assert.ok((await rpc.call('deleteRuns', { runIds: [b] })).ok);
  await page.waitForURL((url) => url.hash === `#/compare/${a},${c}`);
  await page.getByTestId(`compare-run-${b}`).waitFor({ state: 'detached' });
  await waitForAttr(page, 'compare-chart', 'data-datasets', '2');

  // A live run added to the comparison fills in as it trains: its curve, then its images once it
  // has a checkpoint.
  // Batch 8 on 2,000 images: ~450 steps, long enough to be added while it trains.
  const liveConfig = presetConfig('quick', {
    ...base,
    'data.limit': 2000,
    'optim.batchSize': 8,
    'run.name': 'live z2',
    'model.latentDim': 2,
  });
  const started = await rpc.call('startRun', { config: liveConfig });
  assert.ok(started.ok);
  const d = (started.value as RunRecord).id;
  await page.locator(`[data-testid="compare-add"] option[value="${d}"]`).waitFor({ state: 'attached' });
  await page.getByTestId('compare-add').selectOption(String(d));
  await page.waitForURL((url) => url.hash === `#/compare/${a},${c},${d}`);
  await page.locator(`[data-testid="compare-run-${d}"] [data-status="running"]`).waitFor();
  await waitForAttr(page, 'compare-chart', 'data-datasets', '3');
  await shoot(page, 'live');
  await page.locator(`[data-testid="compare-run-${d}"] [data-status="completed"]`).waitFor({ timeout: 60_000 });
  await page.locator(`[data-testid="compare-recon-row-${d}"][data-ready="true"]`).waitFor({ timeout: 30_000 });
  await page.locator(`[data-testid="compare-points-${d}"][data-ready="true"]`).waitFor({ timeout: 30_000 });
  await page.locator(`[data-testid="kl-summary-${d}"][data-active]`).waitFor({ timeout: 30_000 });
  assert.equal(await page.getByTestId('metrics-table').getAttribute('data-columns'), '3');

  for (const id of [c, d]) await page.getByTestId(`compare-remove-${id}`).click();
  await page.getByTestId('compare-empty').waitFor();
  await shoot(page, 'empty', false);

  assert.deepEqual(problems, []);
});
