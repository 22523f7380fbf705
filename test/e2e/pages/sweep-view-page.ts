// One sweep: its status and controls (Pause, Resume, Cancel), progress by status, the best run so
// far, the definition, its runs and the Compare groups link.
import type { Locator } from 'playwright-core';
import { BasePage, waitUntil } from './base-page.ts';

export interface SweepCounts {
  total: number;
  finished: number;
  training: number;
  queued: number;
  pruned: number;
  failed: number;
}

export class SweepViewPage extends BasePage {
  readonly progress = this.byTestId('sweep-progress');
  readonly pauseButton = this.byTestId('sweep-pause');
  readonly resumeButton = this.byTestId('sweep-resume');
  readonly cancelButton = this.byTestId('sweep-cancel');
  readonly best = this.byTestId('sweep-best');
  readonly bestLink = this.byTestId('sweep-best-link');
  readonly definition = this.byTestId('sweep-definition');
  readonly compareLink = this.byTestId('sweep-compare');
  readonly runsTable = this.byTestId('sweep-runs');
  /** The status badge beside the title (the runs table has badges of its own). */
  readonly badge = this.page.locator('[data-testid="sweep-view"] .title [data-testid="status-badge"]');

  root(sweepId?: number): Locator {
    return this.page.locator(
      sweepId === undefined ? '[data-testid="sweep-view"]' : `[data-testid="sweep-view"][data-sweep-id="${sweepId}"]`,
    );
  }

  async sweepId(): Promise<number> {
    return Number(await this.root().getAttribute('data-sweep-id'));
  }

  async status(): Promise<string | null> {
    return this.root().getAttribute('data-status');
  }

  async waitForStatus(status: string, timeout = 30_000): Promise<void> {
    await this.page.locator(`[data-testid="sweep-view"][data-status="${status}"]`).waitFor({ timeout });
  }

  async counts(): Promise<SweepCounts> {
    const read = async (name: string) => Number(await this.progress.getAttribute(`data-${name}`));
    return {
      total: await read('total'),
      finished: await read('finished'),
      training: await read('training'),
      queued: await read('queued'),
      pruned: await read('pruned'),
      failed: await read('failed'),
    };
  }

  /** Waits until the counts satisfy `accept` (the timeout only guards against a hang). */
  waitForCounts(what: string, accept: (c: SweepCounts) => boolean, timeout = 30_000): Promise<SweepCounts> {
    return waitUntil(what, () => this.counts(), accept, timeout);
  }

  runRows(): Locator {
    return this.runsTable.locator('tbody tr');
  }
}
