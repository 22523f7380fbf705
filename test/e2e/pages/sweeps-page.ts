// The list of sweeps: one row per sweep with its status, progress and best run.
import type { Locator } from 'playwright-core';
import { BasePage } from './base-page.ts';
import { SweepViewPage } from './sweep-view-page.ts';

export class SweepsPage extends BasePage {
  readonly root = this.byTestId('sweeps-view');

  row(sweepId: number): Locator {
    return this.byTestId(`sweep-row-${sweepId}`);
  }

  /** The sweep's status badge in its row. */
  badge(sweepId: number): Locator {
    return this.row(sweepId).getByTestId('status-badge');
  }

  async open(sweepId: number): Promise<SweepViewPage> {
    await this.byTestId(`sweep-link-${sweepId}`).click();
    const view = new SweepViewPage(this.page);
    await view.root(sweepId).waitFor();
    return view;
  }
}
