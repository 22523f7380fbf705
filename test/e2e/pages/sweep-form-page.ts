// New experiment in Sweep mode: the axes (each a setting and its values), how to run them, and the
// launch bar with the live count of runs, their first names and the problems to fix.
import type { Locator } from 'playwright-core';
import { NewExperimentPage } from './new-experiment-page.ts';
import { SweepViewPage } from './sweep-view-page.ts';

export class SweepFormPage extends NewExperimentPage {
  readonly count = this.byTestId('sweep-count');
  readonly names = this.byTestId('sweep-names');
  readonly problems = this.byTestId('sweep-problems');
  readonly launchSweepButton = this.byTestId('launch-sweep');

  async useSweepMode(): Promise<void> {
    await this.byTestId('mode-sweep').click();
    await this.byTestId('sweep-axes').waitFor();
  }

  axis(index: number): Locator {
    return this.byTestId(`axis-${index}`);
  }

  axisError(index: number): Locator {
    return this.byTestId(`axis-${index}-error`);
  }

  /** Adds an axis for the setting `path` with its values typed as a list ("2, 8, 16"). */
  async addListAxis(path: string, values: string): Promise<number> {
    const index = await this.page.locator('[data-testid^="axis-"][data-path]').count();
    await this.byTestId('add-axis').click();
    await this.byTestId(`axis-${index}-path`).selectOption(path);
    await this.setAxisValues(index, values);
    return index;
  }

  async setAxisValues(index: number, values: string): Promise<void> {
    await this.byTestId(`axis-${index}-values`).fill(values);
  }

  async setSeeds(n: number): Promise<void> {
    await this.byTestId('sweep-seeds').fill(String(n));
  }

  /** "Job queue (URL)" as where the runs train, with the URL typed (or pasted) into its field. */
  async useQueue(url: string): Promise<void> {
    await this.byTestId('sweep-executor-queue').click();
    await this.byTestId('sweep-queue-url').fill(url);
  }

  async setParallel(n: number): Promise<void> {
    await this.byTestId('sweep-parallel').fill(String(n));
  }

  /** The live count of runs, or null while it cannot be counted. */
  async runCount(): Promise<number | null> {
    const v = await this.count.getAttribute('data-count');
    return v === null || v === '' ? null : Number(v);
  }

  async launchSweep(): Promise<SweepViewPage> {
    await this.launchSweepButton.click();
    const view = new SweepViewPage(this.page);
    await view.root().waitFor();
    return view;
  }
}
