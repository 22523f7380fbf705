// A queue sweep that nobody follows (the app was closed while its workers trained on) reads
// "Waiting" in the Sweeps list, the sidebar's live sweeps and on its own page, from the same status logic
// (sweep-view.ts sweepBadgeStatus); a local sweep that runs still reads "Running". Stub backend.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { DEFAULT_SWEEP, type SweepRecord } from '../../src/shared/sweep.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { steps } from './steps.ts';
import { stubAppInfo, stubClientScript, stubRun, type StubOptions } from './stub-client.ts';

const sweep = (id: number, overrides: Partial<SweepRecord>): SweepRecord => ({
  id,
  name: '',
  definition: { ...DEFAULT_SWEEP, axes: [{ path: 'model.latentDim', values: [2, 8] }] },
  status: 'running',
  statusMessage: '',
  createdAt: Date.UTC(2026, 10, 30, 9, id),
  finishedAt: null,
  owner: null,
  total: 2,
  counts: { queued: 0, running: 2, paused: 0, completed: 0, failed: 0, interrupted: 0, pruned: 0 },
  bestRunId: null,
  bestHeldOut: null,
  queue: null,
  ...overrides,
});

describe('a queue sweep nobody follows reads Waiting, in the list and on its page', () => {
  const step = steps();
  let workbench: Workbench;
  let browser: Browser;
  let app: AppShell;
  let problems: string[];

  const options: StubOptions = {
    appInfo: stubAppInfo('browser'),
    runs: [1, 2, 3, 4].map((id) =>
      stubRun(id, { status: 'running', finishedAt: null, sweepId: id <= 2 ? 1 : 2, sweepIndex: (id - 1) % 2 }),
    ),
    historySteps: {},
    sweeps: [
      sweep(1, { owner: { pid: 4242, kind: 'app' } }),
      sweep(2, { queue: 'postgres://postgres:***@127.0.0.1:55432/workbench' }),
    ],
  };

  before(async () => {
    workbench = await startWorkbench();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
  });

  step('the Sweeps list: the followed local sweep is Running, the queue sweep Waiting', async () => {
    const opened = await openPage(browser, { width: 1280, height: 800 }, { initScripts: [stubClientScript(options)] });
    problems = opened.problems;
    app = await new AppShell(opened.page).open(workbench.url);
    const list = await app.openSweeps();
    await list.row(2).waitFor();
    assert.equal(await list.badge(1).innerText(), 'Running');
    assert.equal(await list.badge(2).innerText(), 'Waiting');
    assert.equal(await list.badge(2).getAttribute('data-status'), 'waiting');
    assert.match((await list.badge(2).getAttribute('title')) ?? '', /Resume to follow it again/);
    // The sidebar's live sweeps too.
    assert.equal(await app.byTestId('nav-sweep-1').getByTestId('status-badge').innerText(), 'Running');
    assert.equal(await app.byTestId('nav-sweep-2').getByTestId('status-badge').innerText(), 'Waiting');
    await list.shoot('sweep-list-waiting-1280');
  });

  step('its page says the same', async () => {
    const view = await (await app.openSweeps()).open(2);
    assert.equal(await view.badge.innerText(), 'Waiting');
    await view.byTestId('sweep-waiting').waitFor();
    assert.equal(await view.resumeButton.isEnabled(), true);
  });

  step('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
