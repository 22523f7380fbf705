// The app follows the database it shares with other processes: with the workbench open in a real
// browser, the CLI trains runs into the same database file. The CLI's run appears in the runs table
// and the sidebar, its run view shows who trains it and its progress advancing, read from the store,
// and then its completion; a rename and a delete by another process show up as well; and a CLI killed
// mid-run leaves its run reading "interrupted" while the app stays open. Every wait is on a condition
// with a generous bound (the latency itself is measured by bench/follow.ts, not asserted here).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { openDatabase } from '../../src/main/store/database.ts';
import { launchBrowser, openPage, ROOT, shootSchemes, startWorkbench } from './harness.ts';
import { cliArgs } from '../cli-run.ts';

const VIEWPORT = { width: 1280, height: 800 };
const WAIT = 90_000;

/** The CLI as `npm run train` runs it, but as this node process's direct child so its pid is the trainer's. */
function train(
  dbPath: string,
  name: string,
  sets: string[],
): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const args = ['--preset', 'quick', '--db', dbPath, '--backend', 'wasm', '--set', `run.name=${name}`];
  for (const s of sets) args.push('--set', s);
  const child = spawn(process.execPath, cliArgs('train', args), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, output: () => output };
}

/** The id of the runs-table row whose name is `name`, once it is there. */
async function rowIdByName(page: Page, name: string): Promise<number> {
  const row = page.locator('[data-testid^="run-row-"]', { hasText: name });
  await row.waitFor({ timeout: WAIT });
  return Number((await row.getAttribute('data-testid'))!.replace('run-row-', ''));
}

const progressStep = async (page: Page) => Number(await page.getByTestId('progress').getAttribute('data-step'));

/** Waits for a condition checked from here; the bound only guards against a hang. */
async function until(what: string, condition: () => Promise<boolean>, timeout = WAIT): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the open app follows runs the CLI trains in the same database', { timeout: 400_000 }, async (t) => {
  const workbench = await startWorkbench();
  t.after(() => workbench.close());
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const { page, problems } = await openPage(browser, VIEWPORT);
  const clis: ChildProcess[] = [];
  t.after(() => clis.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')));

  let runId = 0;
  let cli!: ReturnType<typeof train>;

  await t.test('the app opens on an empty runs table', async () => {
    await page.goto(workbench.url);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('runs-empty').waitFor();
  });

  await t.test('a run the CLI starts appears in the runs table and the sidebar, owned by the CLI', async () => {
    // 1,080 steps at batch 2, a preview every 100: long enough to watch it move, short enough on a busy machine.
    cli = train(workbench.dbPath, 'trained by the CLI', [
      'data.limit=1200',
      'optim.epochs=2',
      'optim.batchSize=2',
      'run.previewEvery=100',
      'run.checkpointEvery=500',
    ]);
    clis.push(cli.child);
    runId = await rowIdByName(page, 'trained by the CLI');
    await page.getByTestId(`nav-run-${runId}`).waitFor({ timeout: WAIT });
    assert.equal(await page.getByTestId(`owner-${runId}`).innerText(), 'CLI');
    await page.getByTestId(`menu-${runId}`).click();
    assert.ok(await page.getByTestId('row-menu').getByTestId('delete').isDisabled(), 'no deleting a run another process trains');
    await page.keyboard.press('Escape');
    await page.getByTestId('row-menu').waitFor({ state: 'detached' });
  });

  await t.test('its run view names the CLI process instead of offering Pause and Stop', async () => {
    await page.getByTestId(`open-${runId}`).click();
    await page.locator(`[data-testid="run-view"][data-run-id="${runId}"]`).waitFor();
    const owner = page.getByTestId('run-owner');
    await owner.waitFor({ timeout: WAIT });
    assert.equal(await owner.innerText(), `Trained by the CLI, pid ${cli.child.pid}`);
    assert.equal(await page.getByTestId('pause').count(), 0);
    assert.equal(await page.getByTestId('stop').count(), 0);
  });

  await t.test('its progress advances in the run view and the sidebar, read from the store', async () => {
    await until('a first step', async () => (await progressStep(page)) > 0);
    const first = await progressStep(page);
    await until('more steps', async () => (await progressStep(page)) > first);
    await page.locator('[data-testid="loss-chart"]').waitFor();
    await page.locator('[data-testid="samples-grid"][data-has-image="true"]').waitFor({ timeout: WAIT });
    assert.match(await page.getByTestId(`nav-percent-${runId}`).innerText(), /^\d+%$/);
    await shootSchemes(page, 'follow-run-live', VIEWPORT, false);
    await page.getByTestId('nav-runs').click();
    await page.getByTestId(`percent-${runId}`).waitFor();
    await shootSchemes(page, 'follow-runs-live', VIEWPORT, false);
  });

  await t.test('its completion shows everywhere, and the CLI exits cleanly', async () => {
    await page.locator(`[data-testid="run-row-${runId}"][data-status="completed"]`).waitFor({ timeout: 300_000 });
    assert.equal(await page.getByTestId(`nav-run-${runId}`).count(), 0, 'no longer a live run in the sidebar');
    assert.equal(await page.getByTestId(`owner-${runId}`).count(), 0);
    assert.match(await page.getByTestId(`final-loss-${runId}`).innerText(), /^\d+\.\d\d$/);
    await page.getByTestId(`open-${runId}`).click();
    await page.locator(`[data-testid="run-view"][data-status="completed"]`).waitFor();
    const total = Number(await page.getByTestId('progress').getAttribute('data-total'));
    assert.ok(total > 0);
    await until('the last step', async () => (await progressStep(page)) === total);
    assert.equal(await page.getByTestId('run-owner').count(), 0);
    assert.equal(await cli.exited, 0, cli.output());
  });

  await t.test('a rename and a delete by another process show up', async () => {
    const other = openDatabase(workbench.dbPath);
    try {
      other.runs.update(runId, { name: 'renamed elsewhere' });
      await page.locator('#run-title', { hasText: 'renamed elsewhere' }).waitFor({ timeout: WAIT });
      other.runs.remove(runId);
    } finally {
      other.close();
    }
    await page.getByText(`Run ${runId} not found`).waitFor({ timeout: WAIT });
  });

  await t.test('a CLI killed mid-run leaves its run interrupted in the open app', async () => {
    const doomed = train(workbench.dbPath, 'killed mid-run', ['data.limit=6000', 'optim.epochs=5', 'optim.batchSize=2']);
    clis.push(doomed.child);
    await page.getByTestId('nav-runs').click();
    const id = await rowIdByName(page, 'killed mid-run');
    await page.locator(`[data-testid="run-row-${id}"][data-status="running"]`).waitFor({ timeout: WAIT });
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    await page.locator(`[data-testid="run-row-${id}"][data-status="interrupted"]`).waitFor({ timeout: WAIT });
    await page.getByTestId(`resume-${id}`).waitFor();
    await page.getByTestId(`open-${id}`).click();
    await page
      .getByTestId('status-message')
      .getByText(new RegExp(`pid ${doomed.child.pid}\\) stopped unexpectedly`))
      .waitFor();
    await shootSchemes(page, 'follow-run-interrupted', VIEWPORT, false);
  });

  await t.test('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
