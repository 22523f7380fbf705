// New experiment: presets, the form generated from the config schema (each field by its config key,
// its problem shown beside it), the data check and Launch.
import type { Locator } from 'playwright-core';
import { join } from 'node:path';
import { ARTIFACTS } from '../harness.ts';
import { BasePage, VIEWPORT } from './base-page.ts';

const artifact = (file: string) => join(ARTIFACTS, file);
import { RunViewPage } from './run-view-page.ts';

export class NewExperimentPage extends BasePage {
  readonly launchButton = this.byTestId('launch');
  readonly datasetSummary = this.byTestId('dataset-summary');
  /** An image folder's files that could not be decoded, in a disclosure under the summary. */
  readonly datasetSkipped = this.byTestId('dataset-skipped');
  readonly browseButton = this.byTestId('browse-data');
  /** What the run will evaluate on (test split or held-out share), and how many images. */
  readonly evaluationSplit = this.byTestId('evaluation-split');
  readonly bernoulliWarning = this.byTestId('bernoulli-warning');
  readonly testCandidate = this.byTestId('test-candidate');
  readonly dataSection = this.byTestId('group-data');
  /** The "Schedules & regularisation" section: KL and learning-rate schedules, free bits, IWAE, stopping, clipping. */
  readonly controlsSection = this.byTestId('group-controls');

  /** The input of a setting, by its config key (`optim.epochs`). */
  field(key: string): Locator {
    return this.byTestId(`field-${key}`);
  }

  fieldError(key: string): Locator {
    return this.byTestId(`error-${key}`);
  }

  labelChip(label: number): Locator {
    return this.byTestId(`label-chip-${label}`);
  }

  async choosePreset(id: string): Promise<void> {
    await this.byTestId(`preset-${id}`).click();
  }

  async fill(values: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(values)) await this.field(key).fill(value);
  }

  async allLabels(): Promise<void> {
    await this.byTestId('labels-all').click();
  }

  /** Sets settings by config key, choosing in selects and typing in boxes, in the order given. */
  async set(settings: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(settings)) {
      const field = this.field(key);
      if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
      else await field.fill(value);
    }
  }

  /** Makes a folder of images the data source (browser mode: a path on the server's disk). */
  async useImageFolder(path: string, settings: Record<string, string>): Promise<void> {
    await this.field('data.source').selectOption('folder');
    await this.field('data.path').fill(path);
    await this.set(settings);
  }

  async checkData(): Promise<void> {
    await this.byTestId('check-data').click();
  }

  async useTestCandidate(): Promise<void> {
    await this.byTestId('use-test-candidate').click();
  }

  /** The Data section alone, light and dark, at each viewport: test-artifacts/NAME-WxH-SCHEME.png. */
  async shootDataSection(name: string, viewports: { width: number; height: number }[]): Promise<void> {
    for (const viewport of viewports) {
      // Laid out at the viewport's width, then as tall as the form so the sticky Launch bar, at the
      // window's bottom, covers none of the section.
      await this.page.setViewportSize(viewport);
      const bottom = await this.page.locator('main').evaluate((el) => el.scrollHeight + el.getBoundingClientRect().top);
      await this.page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.ceil(bottom) + 200) });
      for (const colorScheme of ['light', 'dark'] as const) {
        await this.page.emulateMedia({ colorScheme });
        await this.dataSection.screenshot({ path: artifact(`${name}-${viewport.width}x${viewport.height}-${colorScheme}.png`) });
      }
    }
    await this.page.emulateMedia({ colorScheme: 'light' });
    await this.page.setViewportSize(VIEWPORT);
  }

  async launch(): Promise<RunViewPage> {
    await this.launchButton.click();
    const view = new RunViewPage(this.page);
    await view.root().waitFor();
    return view;
  }
}
