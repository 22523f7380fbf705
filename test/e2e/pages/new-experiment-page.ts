// New experiment: presets, the form generated from the config schema (each field by its config key,
// its problem shown beside it), the data check and Launch.
import type { Locator } from 'playwright-core';
import { BasePage } from './base-page.ts';
import { RunViewPage } from './run-view-page.ts';

export class NewExperimentPage extends BasePage {
  readonly launchButton = this.byTestId('launch');
  readonly datasetSummary = this.byTestId('dataset-summary');
  readonly browseButton = this.byTestId('browse-data');
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

  async checkData(): Promise<void> {
    await this.byTestId('check-data').click();
  }

  async launch(): Promise<RunViewPage> {
    await this.launchButton.click();
    const view = new RunViewPage(this.page);
    await view.root().waitFor();
    return view;
  }
}
