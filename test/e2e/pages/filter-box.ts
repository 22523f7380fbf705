// The Runs filter box: the query input, its completion list, its error with the offending part
// marked, and the syntax help.
import type { Locator } from 'playwright-core';
import { BasePage } from './base-page.ts';

export class FilterBox extends BasePage {
  readonly input = this.byTestId('runs-filter');
  readonly suggestionList = this.byTestId('filter-suggestions');
  readonly suggestions = this.byTestId('filter-suggestion');
  readonly error = this.byTestId('filter-error');
  readonly errorMark = this.byTestId('filter-error-mark');
  readonly helpButton = this.byTestId('filter-help');

  /** Clears the box and types `text` key by key, as a person would (completion follows the cursor). */
  async type(text: string): Promise<void> {
    await this.input.fill('');
    await this.input.pressSequentially(text);
  }

  async suggestionLabels(): Promise<string[]> {
    await this.suggestionList.waitFor();
    return this.suggestionList.locator('.label').allInnerTexts();
  }

  suggestion(label: string): Locator {
    return this.suggestions.filter({ has: this.page.getByText(label, { exact: true }) });
  }

  async value(): Promise<string> {
    return this.input.inputValue();
  }
}
