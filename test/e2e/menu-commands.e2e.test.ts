// The Electron File menu's commands in the real built renderer: the page gets the preload's client
// from a stub (test/e2e/stub-client.ts) that also delivers menu commands the way the preload's
// onCommand does, and the test sends File > New Experiment and File > Open Data File from the runs
// list. (The Electron runtime itself cannot be downloaded here; the menu and preload halves are in
// test/electron.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { AppCommand, AppInfo } from '../../src/shared/contract.ts';
import { PRESETS } from '../../src/shared/presets.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { stubClientScript } from './stub-client.ts';

const APP_INFO: AppInfo = {
  version: '0.1.0',
  shell: 'electron',
  databasePath: '/home/me/.config/VAE Workbench/workbench.db',
  logFile: '/home/me/.config/VAE Workbench/workbench.log',
  presets: PRESETS,
  maxConcurrent: 2,
  pid: 4242,
  cores: 2,
};
/** What the stub's native file dialog answers. */
const PICKED = '/home/me/data/mnist_train.csv';

// The preload's onCommand, in the page: listeners subscribe, and the test plays main's part.
const ON_COMMAND = String.raw`
(() => {
  const listeners = new Set();
  window.workbench.onCommand = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  window.__menu = (command) => {
    for (const listener of listeners) listener({ type: 'command', command });
    return listeners.size;
  };
})();
`;

describe('File menu commands in the app', { timeout: 120_000 }, () => {
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  const sendMenu = (command: AppCommand) => page.evaluate(`window.__menu(${JSON.stringify(command)})`) as Promise<number>;
  const hash = () => new URL(page.url()).hash;

  before(async () => {
    [workbench, browser] = await Promise.all([startWorkbench(), launchBrowser()]);
    ({ page, problems } = await openPage(browser, { width: 1280, height: 860 }));
    await page.context().addInitScript({ content: stubClientScript({ appInfo: APP_INFO, runs: [], historySteps: {} }) });
    await page.context().addInitScript({ content: ON_COMMAND });
  });

  after(async () => {
    await browser?.close();
    await workbench?.close();
  });

  test('the app opens on the runs list', async () => {
    await page.goto(`${workbench.url}#/runs`);
    await page.getByTestId('runs-empty').waitFor();
    assert.equal(hash(), '#/runs');
  });

  test('File > New Experiment opens the form', async () => {
    const listeners = await sendMenu('new-experiment');
    assert.equal(listeners, 1, 'exactly one subscriber');
    await page.getByRole('heading', { name: 'New experiment' }).waitFor();
    assert.equal(hash(), '#/new');
  });

  test('File > Open Data File opens the form with the picked file as its data source', async () => {
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('runs-empty').waitFor();
    assert.equal(await page.getByTestId('field-data.source').count(), 0, 'the form is not showing');
    await sendMenu('open-data-file');
    await page.getByRole('heading', { name: 'New experiment' }).waitFor();
    assert.equal(hash(), '#/new');
    const path = page.getByTestId('field-data.path');
    await path.waitFor();
    await page.waitForFunction(
      (picked) =>
        (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector(
          '[data-testid="field-data.path"]',
        )?.value === picked,
      PICKED,
    );
    assert.equal(await page.getByTestId('field-data.source').inputValue(), 'csv');
    assert.deepEqual(problems, []);
  });
});
