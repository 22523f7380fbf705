// Runs: the table of every run (a virtualised grid: only rows in view exist; sort, filter, select
// with shift-click ranges, the row menu's rename, tags and delete, resume, columns, grouping) and
// the selection bar's Compare and Delete.
import type { Locator } from 'playwright-core';
import { BasePage } from './base-page.ts';
import { ComparePage } from './compare-page.ts';
import { FilterBox } from './filter-box.ts';
import { RunViewPage } from './run-view-page.ts';

export class RunsPage extends BasePage {
  readonly table = this.byTestId('runs-table');
  readonly empty = this.byTestId('runs-empty');
  readonly filterInput = this.byTestId('runs-filter');
  readonly filterBox = new FilterBox(this.page);
  readonly compareButton = this.byTestId('compare-selected');
  readonly deleteSelectedButton = this.byTestId('delete-selected');
  readonly confirmDeleteButton = this.byTestId('confirm-delete');
  readonly cancelDeleteButton = this.byTestId('cancel-delete');
  readonly rows = this.page.locator('[data-testid^="run-row-"]');
  readonly firstRow = this.page.locator('[data-testid^="run-row-"]').first();
  readonly groupRows = this.byTestId('group-row');
  readonly count = this.byTestId('runs-count');

  /** The ids of the rows shown, top to bottom. */
  async shownIds(): Promise<number[]> {
    const ids = await this.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid') ?? ''));
    return ids.map((id) => Number(id.replace('run-row-', '')));
  }

  row(runId: number): Locator {
    return this.byTestId(`run-row-${runId}`);
  }

  /** Waits for the row to show `status`. */
  async waitForRowStatus(runId: number, status: string, timeout = 30_000): Promise<void> {
    await this.page.locator(`[data-testid="run-row-${runId}"][data-status="${status}"]`).waitFor({ timeout });
  }

  finalLoss(runId: number): Promise<string> {
    return this.row(runId).getByTestId(`final-loss-${runId}`).innerText();
  }

  selectBox(runId: number): Locator {
    return this.byTestId(`select-${runId}`);
  }

  async select(...runIds: number[]): Promise<void> {
    for (const id of runIds) await this.selectBox(id).check();
  }

  async sortBy(column: string): Promise<void> {
    await this.byTestId(`sort-${column}`).click();
  }

  async filter(text: string): Promise<void> {
    await this.filterInput.fill(text);
  }

  async resume(runId: number): Promise<void> {
    await this.row(runId).getByTestId(`resume-${runId}`).click();
  }

  async open(runId: number): Promise<RunViewPage> {
    await this.row(runId).getByTestId(`open-${runId}`).click();
    const view = new RunViewPage(this.page);
    await view.root(runId).waitFor();
    return view;
  }

  /** Opens the row's "⋯" menu and picks `item` (open, rename, tags, compare, delete). */
  async menuItem(runId: number, item: string): Promise<void> {
    await this.byTestId(`menu-${runId}`).click();
    await this.byTestId('row-menu')
      .getByTestId(item === 'delete' ? 'delete' : `menu-${item}`)
      .click();
  }

  async rename(runId: number, name: string): Promise<void> {
    const row = this.row(runId);
    await this.menuItem(runId, 'rename');
    await row.getByTestId('rename-input').fill(name);
    await row.getByTestId('rename-input').press('Enter');
    await row.getByText(name).waitFor();
  }

  async editTags(runId: number, tags: string): Promise<void> {
    const row = this.row(runId);
    await this.menuItem(runId, 'tags');
    await row.getByTestId('edit-tags-input').fill(tags);
    await row.getByTestId('edit-tags-save').click();
  }

  /** Asks to delete one run; the confirmation is left open. */
  async askToDelete(runId: number): Promise<void> {
    await this.menuItem(runId, 'delete');
    await this.confirmDeleteButton.waitFor();
  }

  async compareSelection(): Promise<ComparePage> {
    await this.compareButton.click();
    const compare = new ComparePage(this.page);
    await compare.view.waitFor();
    return compare;
  }

  /** How far the table's columns are wider than the table (<= 0: no sideways scrolling). */
  overflow(): Promise<number> {
    return this.table.evaluate((t) => t.scrollWidth - t.clientWidth);
  }

  /** Scrolls the table sideways to its last columns (a column just added is there). */
  async scrollRight(): Promise<void> {
    await this.table.evaluate((t) => {
      t.scrollLeft = t.scrollWidth;
    });
  }

  /** Shift-click (or plain click) on a run's box. */
  async clickBox(runId: number, shift = false): Promise<void> {
    await this.selectBox(runId).click({ modifiers: shift ? ['Shift'] : [] });
  }

  /** Run ids of the rows now in the DOM, top to bottom. */
  async renderedRunIds(): Promise<number[]> {
    const ids = await this.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid') ?? ''));
    return ids.map((id) => Number(id.replace('run-row-', '')));
  }

  /** Scrolls the table to its last row and waits until it is drawn. */
  async scrollToEnd(): Promise<void> {
    await this.table.evaluate((t) => {
      t.scrollTop = t.scrollHeight;
    });
  }

  async groupButSeed(): Promise<void> {
    await this.byTestId('group-by').click();
    await this.byTestId('group-but-seed').click();
    await this.byTestId('group-by').click();
  }

  async addColumn(key: string): Promise<void> {
    await this.byTestId('columns').click();
    await this.byTestId('add-column').selectOption(key);
    await this.byTestId('columns').click();
  }

  /** The header's column keys, left to right (from the sort buttons' test ids). */
  async columnKeys(): Promise<string[]> {
    const ids = await this.table
      .locator('[role="columnheader"] [data-testid^="sort-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''));
    return ids.map((id) => id.replace('sort-', ''));
  }
}
