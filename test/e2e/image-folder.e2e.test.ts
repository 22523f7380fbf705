// An image folder in the real browser against the built server (so sharp loads from the built main
// bundle, in its inspect worker): the form takes the folder's path, shows only the settings that
// apply, and its data check reports the classes, colour and the file it will skip. The Data section
// is photographed at both sizes, light and dark: test-artifacts/image-folder-data-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { makeImageFolder } from '../../scripts/make-image-folder.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { VIEWPORT } from './pages/base-page.ts';
import type { NewExperimentPage } from './pages/new-experiment-page.ts';
import { steps } from './steps.ts';

describe('image folder: the form takes a folder and checks it', () => {
  const step = steps();
  let workbench: Workbench;
  let browser: Browser;
  let form: NewExperimentPage;
  let folder: string;

  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-images-'));
    folder = join(dir, 'shapes');
    await makeImageFolder(folder, { count: 60, classes: 3 });
    writeFileSync(join(folder, 'squares', 'broken.jpg'), 'not a jpeg');
    workbench = await startWorkbench();
    browser = await launchBrowser();
    const opened = await openPage(browser, VIEWPORT);
    form = await new AppShell(opened.page).open(workbench.url).then((app) => app.openNewExperiment());
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  step('choosing an image folder shows its settings; its test split is a folder', async () => {
    await form.choosePreset('quick');
    await form.field('data.channels').waitFor({ state: 'detached' });
    await form.useImageFolder(folder, {
      'data.channels': '3',
      'data.imageHeight': '32',
      'data.imageWidth': '32',
      'data.fit': 'pad',
      'data.badImages': 'skip',
    });
    assert.equal(await form.field('data.testPath').getAttribute('placeholder'), '/path/to/test-images/');
    assert.equal(await form.field('data.labelsPath').count(), 0);
  });

  step('the data check reports classes, colour and the skipped file', async () => {
    await form.checkData();
    await form.datasetSummary
      .getByText(/60 images of 32×32 in colour, 3 classes \(discs, squares, stripes\)/)
      .waitFor({ timeout: 60_000 });
    assert.match(await form.datasetSkipped.innerText(), /1 file could not be decoded and will be skipped/);
    // The label filter offers the classes by name, with their counts, and nothing else.
    assert.match(await form.labelChip(0).innerText(), /discs\s+20/);
    assert.equal(await form.labelChip(3).count(), 0);
    await form.datasetSkipped.locator('summary').click();
    assert.match(await form.datasetSkipped.innerText(), /broken\.jpg: .*unsupported image format/);
    await form.shootDataSection('image-folder-data', [
      { width: 1280, height: 800 },
      { width: 1024, height: 640 },
    ]);
  });
});
