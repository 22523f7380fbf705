// The run page's evaluation panel: the headline NLL_k and diagnostics, the Evaluate form (k,
// checkpoint), its progress with Cancel, and the table of every evaluation of the run.
import { BasePage } from './base-page.ts';

export class EvaluationPanel extends BasePage {
  readonly root = this.byTestId('evaluation-panel');
  readonly nll = this.byTestId('eval-nll');
  readonly bitsPerDim = this.byTestId('eval-bpd');
  readonly activeUnits = this.byTestId('eval-au');
  readonly kInput = this.byTestId('eval-k');
  readonly checkpoint = this.byTestId('eval-step');
  readonly evaluateButton = this.byTestId('eval-start');
  readonly progress = this.byTestId('eval-progress');
  readonly table = this.byTestId('eval-table');

  async waitForHeadline(timeout = 60_000): Promise<void> {
    await this.nll.waitFor({ timeout });
  }

  /** Rows of the evaluations table, newest first: their cells' text. */
  async rows(): Promise<string[][]> {
    return this.table
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('td'), (td) => (td.textContent ?? '').trim())));
  }

  async waitForRows(count: number, timeout = 120_000): Promise<void> {
    await this.page.waitForFunction((n) => document.querySelectorAll('[data-testid="eval-table"] tbody tr').length >= n, count, {
      timeout,
    });
  }

  /** Evaluates the checkpoint at `step` with `k` samples per image. */
  async evaluate(k: number, step: number): Promise<void> {
    await this.kInput.fill(String(k));
    await this.checkpoint.selectOption({ label: `step ${step.toLocaleString('en-US')}` });
    await this.evaluateButton.click();
  }
}
