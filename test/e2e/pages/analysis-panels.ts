// The analysis panels (in Compare, and in a sweep's view): the parallel-coordinates plot with its
// brushes and axis order, the rate–distortion plane and "which settings matter". State is read from
// data attributes; brushing drags the mouse along an axis as a person would.
import { BasePage } from './base-page.ts';
import { shootSchemes } from '../harness.ts';

export class AnalysisPanels extends BasePage {
  readonly root = this.byTestId('analysis-panels');
  readonly plot = this.byTestId('parallel-coords');
  readonly count = this.byTestId('pc-count');
  readonly rdPlane = this.byTestId('rd-plane');
  readonly rdLeftOut = this.byTestId('rd-left-out');
  readonly importance = this.byTestId('settings-importance');
  readonly importanceMethod = this.byTestId('si-method');

  /** Drags along an axis from one height to another, as fractions of the axis (0 bottom, 1 top). */
  async brush(key: string, from: number, to: number): Promise<void> {
    const hit = this.byTestId(`pc-hit-${key}`);
    await hit.scrollIntoViewIfNeeded();
    const box = await hit.boundingBox();
    if (!box) throw new Error(`axis ${key} has no box`);
    // The hit area reaches 6 px past both ends of the axis.
    const y = (t: number) => box.y + 6 + (1 - t) * (box.height - 12);
    const x = box.x + box.width / 2;
    await this.page.mouse.move(x, y(from));
    await this.page.mouse.down();
    await this.page.mouse.move(x, (y(from) + y(to)) / 2, { steps: 4 });
    await this.page.mouse.move(x, y(to), { steps: 4 });
    await this.page.mouse.up();
  }

  readonly tooltip = this.byTestId('pc-tooltip');

  /** Points just right of an axis, at a height on it (0 bottom, 1 top), where lines leave it. */
  async hoverNear(key: string, t: number, dx = 20): Promise<void> {
    const box = await this.byTestId(`pc-hit-${key}`).boundingBox();
    if (!box) throw new Error(`axis ${key} has no box`);
    await this.page.mouse.move(box.x + box.width / 2 + dx, box.y + 6 + (1 - t) * (box.height - 12));
  }

  async clearBrush(key: string): Promise<void> {
    await this.byTestId(`pc-clear-${key}`).click();
  }

  async moveRight(key: string): Promise<void> {
    await this.byTestId(`pc-right-${key}`).click();
  }

  /**
   * Drags an axis by its title, as a person would, to just past another axis (to its right, or its
   * left with `side: 'left'`). `during` runs while the button is still held (the landing mark shows).
   */
  async dragAxis(key: string, pastKey: string, side: 'left' | 'right' = 'right', during?: () => Promise<void>): Promise<void> {
    const title = this.byTestId(`pc-title-${key}`);
    await title.scrollIntoViewIfNeeded();
    const from = await title.boundingBox();
    const past = await this.byTestId(`pc-hit-${pastKey}`).boundingBox();
    if (!from || !past) throw new Error(`axis ${key} or ${pastKey} has no box`);
    const y = from.y + from.height / 2;
    const x = past.x + past.width / 2 + (side === 'right' ? 30 : -30);
    await this.page.mouse.move(from.x + from.width / 2, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x, y + 4, { steps: 8 });
    // Dropped back on its own place, the axis has nowhere new to land: no mark.
    await this.byTestId('pc-drop-mark').waitFor({ state: pastKey === key ? 'detached' : 'visible' });
    if (during) await during();
    await this.page.mouse.up();
  }

  async passing(): Promise<number> {
    return Number(await this.plot.getAttribute('data-passing'));
  }

  async order(): Promise<string[]> {
    return ((await this.plot.getAttribute('data-order')) ?? '').split(',');
  }

  /** Scrolls a panel to the top of the pane and photographs the window in both schemes. */
  async shootPanel(testid: string, name: string): Promise<void> {
    await this.byTestId(testid).evaluate((el) => el.closest('section')?.scrollIntoView({ block: 'start' }));
    await this.page.mouse.move(0, 0);
    const size = this.page.viewportSize();
    if (!size) throw new Error('the page has no viewport size');
    await shootSchemes(this.page, name, size, false);
  }
}
