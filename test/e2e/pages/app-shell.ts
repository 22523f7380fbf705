// The frame around every screen: the header with the app's info and the sidebar's navigation (New
// experiment, Runs, Compare, one entry per live run). Each move returns the screen it lands on.
import type { Locator } from 'playwright-core';
import { BasePage } from './base-page.ts';
import { ComparePage } from './compare-page.ts';
import { LatentExplorerPage } from './latent-explorer-page.ts';
import { NewExperimentPage } from './new-experiment-page.ts';
import { RunViewPage } from './run-view-page.ts';
import { RunsPage } from './runs-page.ts';
import { SweepsPage } from './sweeps-page.ts';

export class AppShell extends BasePage {
  readonly appInfo = this.byTestId('app-info');

  /** Loads the app at `url` (the one with the token, first) and waits until it has mounted. */
  async open(url: string): Promise<this> {
    await this.page.goto(url);
    await this.appInfo.getByText(/^v\d+\.\d+/).waitFor();
    return this;
  }

  /** Loads the app afresh at a route, e.g. `#/runs/3`, on the same server (under its path prefix). */
  async goto(hash: string): Promise<void> {
    const here = new URL(this.page.url());
    await this.page.goto(`${here.origin}${here.pathname.replace(/\/?$/, '/')}${hash}`);
  }

  navRun(runId: number): Locator {
    return this.byTestId(`nav-run-${runId}`);
  }

  async openNewExperiment(): Promise<NewExperimentPage> {
    await this.byTestId('nav-new').click();
    return new NewExperimentPage(this.page);
  }

  async openRuns(): Promise<RunsPage> {
    await this.byTestId('nav-runs').click();
    return new RunsPage(this.page);
  }

  async openSweeps(): Promise<SweepsPage> {
    await this.byTestId('nav-sweeps').click();
    const page = new SweepsPage(this.page);
    await page.root.waitFor();
    return page;
  }

  /** The Sweeps entry's count of live (running or paused) sweeps, or 0 when it shows none. */
  async liveSweeps(): Promise<number> {
    const badge = this.byTestId('nav-sweeps-live');
    return (await badge.count()) === 0 ? 0 : parseInt(await badge.innerText(), 10);
  }

  async openCompare(): Promise<ComparePage> {
    await this.byTestId('nav-compare').click();
    return new ComparePage(this.page);
  }

  /** A live run's entry in the sidebar. */
  async openLiveRun(runId: number): Promise<RunViewPage> {
    await this.navRun(runId).click();
    return new RunViewPage(this.page);
  }

  async gotoRun(runId: number): Promise<RunViewPage> {
    await this.goto(`#/runs/${runId}`);
    const view = new RunViewPage(this.page);
    await view.root(runId).waitFor();
    return view;
  }

  async gotoLatent(runId: number): Promise<LatentExplorerPage> {
    await this.goto(`#/runs/${runId}/latent`);
    const explorer = new LatentExplorerPage(this.page);
    await explorer.root(runId).waitFor();
    return explorer;
  }
}
