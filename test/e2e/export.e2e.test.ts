// Export from the app in browser mode: a finished run's Export… button downloads a .zip that holds
// the export folder, while a live run's button stays disabled. The run view with the button is
// photographed into test-artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, ROOT, startWorkbench } from './harness.ts';
import { openRpc } from './ws-rpc.ts';

const ARTIFACTS = join(ROOT, 'test-artifacts');

test('UI export: a finished run downloads as a zip with its manifest and models', { timeout: 120_000 }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const workbench = await startWorkbench();
  t.after(() => workbench.close());
  const rpc = await openRpc(workbench.wsUrl);
  t.after(() => rpc.close());
  const started = await rpc.call('startRun', {
    config: presetConfig('quick', { 'data.limit': 400, 'optim.epochs': 1, 'run.name': 'export e2e' }),
  });
  assert.ok(started.ok, JSON.stringify(started));
  const run = started.value as RunRecord;
  await rpc.waitForEvent(
    (e) => e.type === 'training' && e.events.some((x) => x.type === 'status' && x.runId === run.id && x.status === 'completed'),
    60_000,
  );

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true })).newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });

  await page.goto(workbench.url);
  await page.goto(`${workbench.base}/#/runs/${run.id}`);
  await page.locator(`[data-testid="run-view"][data-status="completed"]`).waitFor();
  const button = page.getByTestId('export');
  await page.waitForFunction(
    () =>
      !(globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } } }).document.querySelector(
        '[data-testid="export"]',
      ).disabled,
  );
  await page.screenshot({ path: join(ARTIFACTS, 'export-run-view.png') });

  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), button.click()]);
  assert.equal(download.suggestedFilename(), 'export e2e.zip');
  const dir = mkdtempSync(join(tmpdir(), 'vae-e2e-download-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const saved = join(dir, 'run.zip');
  await download.saveAs(saved);
  const listing = spawnSync('python3', ['-m', 'zipfile', '-l', saved], { encoding: 'utf8' });
  assert.equal(listing.status, 0, listing.stderr);
  for (const name of ['manifest.json', 'encoder/model.json', 'decoder/model.json'])
    assert.match(listing.stdout, new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'), `${name} in:\n${listing.stdout}`);

  // A run still training cannot be exported yet.
  const live = await rpc.call('startRun', {
    config: presetConfig('quick', { 'data.limit': 2000, 'optim.epochs': 50, 'optim.batchSize': 2 }),
  });
  assert.ok(live.ok);
  const liveId = (live.value as RunRecord).id;
  await page.goto(`${workbench.base}/#/runs/${liveId}`);
  await page.locator(`[data-testid="run-view"][data-run-id="${liveId}"]`).waitFor();
  assert.ok(await page.getByTestId('export').isDisabled(), 'Export is disabled while the run is live');
  await rpc.call('stopRun', { runId: liveId });

  assert.deepEqual(problems, []);
});
