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
  readonly groupBy = this.byTestId('compare-group-by');
  readonly legendItems = this.byTestId('compare-legend-item');
  readonly loading = this.byTestId('compare-loading');
  readonly imageRuns = this.byTestId('image-runs');
  /** The training-controls panel: β, learning rate or objective per step, a curve per run. */
  readonly controls = this.byTestId('compare-controls');
  readonly controlsChart = this.byTestId('compare-controls-chart');

  async pickControl(quantity: 'beta' | 'learningRate' | 'objective'): Promise<void> {
    await this.byTestId(`compare-controls-${quantity}`).click();
  }

  controlsRun(runId: number): Locator {
    return this.byTestId(`compare-controls-run-${runId}`);
  }

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
    // The box is in viewport coordinates: a chart scrolled out of view would never be hovered.
    await this.chart.scrollIntoViewIfNeeded();
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

  /** Picks the label Compare's conditional runs decode the latent points with. */
  async latentLabel(label: number): Promise<void> {
    await this.byTestId(`compare-label-picker-${label}`).click();
    await this.page.locator(`[data-testid="compare-label-picker"][data-label="${label}"]`).waitFor();
  }

  async latentGroup(dim: number): Promise<void> {
    await this.byTestId(`latent-group-${dim}`).click();
    await this.waitForAttr('compare-latent-points', 'data-latent-dim', String(dim));
  }

  async scrollToLatentPoints(): Promise<void> {
    await this.latentPoints.evaluate((el) => el.closest('section')?.scrollIntoView({ block: 'start' }));
  }

  /** Groups by every varying setting but the seed, and waits for the address to say so. */
  async groupButSeed(): Promise<void> {
    await this.byTestId('group-but-seed').click();
    await this.page.waitForURL((url) => url.hash.includes('?group='));
  }

  async toggleGroupKey(key: string): Promise<void> {
    await this.byTestId(`group-key-${key}`).click();
  }

  async bandMode(mode: 'std' | 'minmax'): Promise<void> {
    await this.byTestId(`compare-band-${mode}`).click();
    await this.waitForAttr('compare-chart', 'data-band-mode', mode);
  }

  /** Each legend entry's text and its n. */
  async legend(): Promise<{ text: string; n: number; total: number }[]> {
    return this.legendItems.evaluateAll((items) =>
      items.map((el) => {
        const e = el as unknown as { innerText: string; dataset: Record<string, string | undefined> };
        return { text: e.innerText, n: Number(e.dataset.n), total: Number(e.dataset.total) };
      }),
    );
  }

  /**
   * Scrolls the results table's own scroller until its last column heading is in view, and reports
   * where that heading, the scroller and the pinned first column of the first row then are.
   */
  async scrollResultsToLastColumn(): Promise<{
    scrollLeft: number;
    scroller: Box;
    last: Box;
    pinned: Box;
    pinnedOnTop: boolean;
    pageScrollX: number;
  }> {
    const last = this.metrics.locator('thead th[scope="col"]').last();
    await last.scrollIntoViewIfNeeded();
    const box = async (l: Locator): Promise<Box> => {
      const b = await l.boundingBox();
      if (!b) throw new Error('an element of the results table has no box');
      return b;
    };
    const scroller = this.metrics.locator('xpath=..');
    return {
      scrollLeft: await scroller.evaluate((el) => (el as unknown as { scrollLeft: number }).scrollLeft),
      scroller: await box(scroller),
      last: await box(last),
      pinned: await box(this.metrics.locator('tbody th[scope="row"]').first()),
      pinnedOnTop: await this.metrics
        .locator('tbody th[scope="row"]')
        .first()
        .evaluate((el) => {
          // What the user sees at the pinned cell's centre: the cell itself, not a value scrolled over it.
          const r = (el as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect();
          const doc = (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): unknown } }).document;
          return doc.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el;
        }),
      pageScrollX: await this.page.evaluate(() => (globalThis as unknown as { scrollX: number }).scrollX),
    };
  }
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
