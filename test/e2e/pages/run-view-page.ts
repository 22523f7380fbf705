// One run: its status and controls (Pause, Resume, Stop, Export, Explore latent space), progress,
// the loss chart (its points counted in data attributes), the image grids, notes and tags.
import type { Locator } from 'playwright-core';
import { BasePage } from './base-page.ts';
import { LatentExplorerPage } from './latent-explorer-page.ts';
import { HANG_GUARD_MS } from '../harness.ts';

export class RunViewPage extends BasePage {
  readonly progress = this.byTestId('progress');
  readonly statusMessage = this.byTestId('status-message');
  readonly pauseButton = this.byTestId('pause');
  readonly resumeButton = this.byTestId('resume');
  readonly stopButton = this.byTestId('stop');
  readonly exportButton = this.byTestId('export');
  /** Which checkpoint Export writes: last or best. */
  readonly exportCheckpoint = this.byTestId('export-checkpoint');
  /** The training-controls chart (objective, β, learning rate), on runs that use a schedule. */
  readonly controlsChart = this.byTestId('controls-chart');
  readonly controlsSummary = this.byTestId('controls-summary');
  readonly lossChart = this.byTestId('loss-chart');
  readonly heldOutTotal = this.byTestId('metric-heldout-total');
  readonly logScale = this.byTestId('log-scale');
  readonly smoothing = this.byTestId('smoothing');
  readonly klToggle = this.byTestId('toggle-kl');
  readonly tags = this.byTestId('run-tags');
  readonly notes = this.byTestId('run-notes');
  readonly newFromRunButton = this.byTestId('new-from-run');
  readonly copySettingsButton = this.byTestId('copy-settings');
  readonly settingsCli = this.byTestId('settings-cli');
  readonly settingsJson = this.byTestId('settings-json');
  readonly resetZoomButton = this.byTestId('loss-chart-reset-zoom');
  readonly savePngButton = this.byTestId('loss-chart-save-png');
  readonly saveCsvButton = this.byTestId('loss-chart-save-csv');

  /** Ctrl + wheel over the loss chart's middle: what zooms it. */
  async zoomLossChart(): Promise<void> {
    const box = await this.lossChart.boundingBox();
    if (!box) throw new Error('the loss chart is not on screen');
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await this.page.keyboard.down('Control');
    await this.page.mouse.wheel(0, -400);
    await this.page.keyboard.up('Control');
  }

  /** The view, of one run when `runId` is given. */
  root(runId?: number): Locator {
    return this.page.locator(
      runId === undefined ? '[data-testid="run-view"]' : `[data-testid="run-view"][data-run-id="${runId}"]`,
    );
  }

  async runId(): Promise<number> {
    return Number(await this.root().getAttribute('data-run-id'));
  }

  async waitForStatus(status: string, timeout = HANG_GUARD_MS): Promise<void> {
    await this.page.locator(`[data-testid="run-view"][data-status="${status}"]`).waitFor({ timeout });
  }

  chartPoints(): Promise<number> {
    return this.numberAttr('loss-chart', 'data-points');
  }

  waitForChartPoints(min: number, timeout = HANG_GUARD_MS): Promise<number> {
    return this.waitForAtLeast('loss-chart', 'data-points', min, timeout);
  }

  waitForHeldOutPoints(min: number, timeout = HANG_GUARD_MS): Promise<number> {
    return this.waitForAtLeast('loss-chart', 'data-held-out-points', min, timeout);
  }

  async waitForImages(timeout = HANG_GUARD_MS): Promise<void> {
    await this.page.locator('[data-testid="recon-grid"][data-has-image="true"]').waitFor({ timeout });
    await this.page.locator('[data-testid="samples-grid"][data-has-image="true"]').waitFor({ timeout });
  }

  async pause(): Promise<void> {
    await this.pauseButton.click();
    await this.waitForStatus('paused');
  }

  async resume(): Promise<void> {
    await this.resumeButton.click();
    await this.waitForStatus('running');
  }

  async stop(): Promise<void> {
    await this.stopButton.click();
  }

  async saveNotes(tags: string, notes: string): Promise<void> {
    await this.tags.fill(tags);
    await this.notes.fill(notes);
    await this.byTestId('save-notes').click();
    await this.page.locator('[data-testid="save-notes"]:disabled').waitFor();
  }

  async waitForExportEnabled(timeout = HANG_GUARD_MS): Promise<void> {
    await this.page.locator('[data-testid="export"]:enabled').waitFor({ timeout });
  }

  /** Waits for the checkpoint that enables the button, then follows it. */
  async openLatentExplorer(): Promise<LatentExplorerPage> {
    await this.page.locator('[data-testid="open-latent"]:enabled').waitFor();
    const runId = await this.runId();
    await this.byTestId('open-latent').click();
    const explorer = new LatentExplorerPage(this.page);
    await explorer.root(runId).waitFor();
    return explorer;
  }
}
