// Compare: the runs side by side (chips to remove, a picker to add), overlaid curves and their
// controls with a shared hover, the settings that differ, results, reconstructions, decoded latent
// points and KL bars. Panel state is read from data attributes.
import type { Locator } from 'playwright-core';
import { BasePage } from './base-page.ts';

export class ComparePage extends BasePage {
  readonly view = this.byTestId('compare-view');
  readonly empty = this.byTestId('compare-empty');
  readonly emptyRunsLink = this.byTestId('compare-empty-runs');
  readonly chart = this.byTestId('compare-chart');
  readonly tooltip = this.byTestId('compare-tooltip');
  readonly smoothing = this.byTestId('compare-smoothing');
  readonly logScale = this.byTestId('compare-log-scale');
  readonly hyperparams = this.byTestId('hyperparam-table');
  readonly showAllSettings = this.byTestId('hp-show-all');
  readonly metrics = this.byTestId('metrics-table');
  readonly latentPoints = this.byTestId('compare-latent-points');
  readonly latentSkipped = this.byTestId('compare-latent-skipped');
  readonly addPicker = this.byTestId('compare-add');

  chip(runId: number): Locator {
    return this.byTestId(`compare-run-${runId}`);
  }

  /** The chip's status badge once it reads `status`. */
  chipStatus(runId: number, status: string): Locator {
    return this.page.locator(`[data-testid="compare-run-${runId}"] [data-status="${status}"]`);
  }

  /** Waits for the address to list exactly these runs. */
  async waitForRuns(runIds: number[]): Promise<void> {
    const hash = `#/compare/${runIds.join(',')}`;
    await this.page.waitForURL((url) => url.hash === hash);
  }

  datasets(): Promise<string | null> {
    return this.chart.getAttribute('data-datasets');
  }

  async pickPart(part: 'total' | 'recon' | 'kl'): Promise<void> {
    await this.byTestId(`compare-part-${part}`).click();
  }

  async pickSplit(split: 'train' | 'heldOut'): Promise<void> {
    await this.byTestId(`compare-split-${split}`).click();
  }

  async pickXAxis(axis: string): Promise<void> {
    await this.byTestId('compare-x-axis').selectOption(axis);
  }

  /** Moves the pointer to a point inside the chart, as fractions of its box. */
  async hoverChart(fx = 0.45, fy = 0.5): Promise<void> {
    const box = await this.chart.boundingBox();
    if (!box) throw new Error('the compare chart has no box');
    await this.page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
    await this.tooltip.waitFor();
  }

  settingRow(key: string): Locator {
    return this.hyperparams.getByTestId(`hp-row-${key}`);
  }

  settingRows(): Locator {
    return this.hyperparams.locator('tr[data-testid^="hp-row-"]');
  }

  async remove(runId: number): Promise<void> {
    await this.byTestId(`compare-remove-${runId}`).click();
  }

  async add(runId: number): Promise<void> {
    await this.page.locator(`[data-testid="compare-add"] option[value="${runId}"]`).waitFor({ state: 'attached' });
    await this.addPicker.selectOption(String(runId));
  }

  async priorDraws(seed: string): Promise<void> {
    await this.byTestId('latent-mode-prior').click();
    await this.waitForAttr('compare-latent-points', 'data-mode', 'prior');
    await this.byTestId('latent-seed').fill(seed);
  }

  async latentGroup(dim: number): Promise<void> {
    await this.byTestId(`latent-group-${dim}`).click();
    await this.waitForAttr('compare-latent-points', 'data-latent-dim', String(dim));
  }

  async scrollToLatentPoints(): Promise<void> {
    await this.latentPoints.evaluate((el) => el.closest('section')?.scrollIntoView({ block: 'start' }));
  }
}
