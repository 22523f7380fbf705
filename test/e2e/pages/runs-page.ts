// Runs: the table of every run (sort, filter, select, inline rename and tags, resume, delete) and
// the Compare button for the selection.
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
  readonly firstRow = this.page.locator('[data-testid="runs-table"] tbody tr').first();

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

  async rename(runId: number, name: string): Promise<void> {
    const row = this.row(runId);
    await row.getByTestId('rename').click();
    await row.getByTestId('rename-input').fill(name);
    await row.getByTestId('rename-input').press('Enter');
    await row.getByText(name).waitFor();
  }

  async editTags(runId: number, tags: string): Promise<void> {
    const row = this.row(runId);
    await row.getByTestId('edit-tags').click();
    await row.getByTestId('edit-tags-input').fill(tags);
    await row.getByTestId('edit-tags-save').click();
  }

  /** Asks to delete one run; the confirmation is left open. */
  async askToDelete(runId: number): Promise<void> {
    await this.row(runId).getByTestId('delete').click();
    await this.confirmDeleteButton.waitFor();
  }

  async compareSelection(): Promise<ComparePage> {
    await this.compareButton.click();
    const compare = new ComparePage(this.page);
    await compare.view.waitFor();
    return compare;
  }

  /** How far the table is wider than its pane (<= 0: it fits). */
  overflow(): Promise<number> {
    return this.table.evaluate((t) => t.scrollWidth - (t.parentElement?.clientWidth ?? 0));
  }
}
