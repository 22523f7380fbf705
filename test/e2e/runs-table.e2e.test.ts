// The Runs table at scale, against the real browser-mode server and a real SQLite file holding
// 1,000 finished runs (written through the store before the server starts: see many-runs.ts), in a
// 1024x640 window: the key metric stays in view, rows stay one line, only a window of rows is in
// the DOM, the last run scrolls into view, shift-click selects a range, a tag click filters, grouping
// "all but the seed" shows mean ± std, and the chosen columns survive a reload. Screenshots of 3 and
// of 1,000 runs at 1280x800 and 1024x640, light and dark, go to test-artifacts/runs-table-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { fillRuns, LATENTS, BETAS, RATES } from './many-runs.ts';
import { AppShell } from './pages/app-shell.ts';
import { waitUntil } from './pages/base-page.ts';
import type { RunsPage } from './pages/runs-page.ts';
import { steps } from './steps.ts';
import { TABLE_ROW_H } from '../../src/renderer/src/lib/virtual-window.ts';

const SMALL = { width: 1024, height: 640 };
const LARGE = { width: 1280, height: 800 };
const COUNT = 1000;
const LONG_NAME = 'a run with a very long name that says everything about it: latent 8, beta 4, lr 1e-3, seed 2, and more';

describe('Runs table with 1,000 runs', () => {
  const step = steps();
  const dir = mkdtempSync(join(tmpdir(), 'vae-runs-table-'));
  let workbench: Workbench;
  let small: Workbench;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let runs: RunsPage;
  let ids: number[];

  before(async () => {
    // The newest run (listed first) has the long name; every 50th is tagged.
    ids = fillRuns(join(dir, 'many.db'), {
      count: COUNT,
      names: { [COUNT - 1]: LONG_NAME },
      tags: (i) => (i % 50 === 45 ? ['baseline'] : []),
    });
    fillRuns(join(dir, 'three.db'), { count: 3, tags: (i) => (i === 0 ? ['baseline'] : []) });
    workbench = await startWorkbench({ dbPath: join(dir, 'many.db') });
    small = await startWorkbench({ dbPath: join(dir, 'three.db') });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
    await small?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  step('the table lists 1,000 runs with only a window of rows in the DOM', async () => {
    ({ page, problems } = await openPage(browser, SMALL));
    const app = await new AppShell(page).open(workbench.url);
    runs = await app.openRuns();
    await runs.row(ids.at(-1)!).waitFor();
    assert.equal(await runs.table.getAttribute('aria-rowcount'), String(COUNT + 1));
    const rendered = await runs.rows.count();
    assert.ok(rendered > 5 && rendered < 60, `${rendered} run rows in the DOM for a 640 px window`);
  });

  step('the key metric of every row in view is inside the 1024 px window', async () => {
    const visible = await runs.renderedRunIds();
    const viewportHeight = SMALL.height;
    let checked = 0;
    for (const id of visible) {
      const box = await runs.row(id).getByTestId(`final-loss-${id}`).boundingBox();
      assert.ok(box, `run ${id} has a key metric cell`);
      if (box.y + box.height > viewportHeight || box.y < 0) continue; // overscan rows below the fold
      assert.ok(box.x >= 208 && box.x + box.width <= SMALL.width, `run ${id}'s −ELBO at x ${box.x}..${box.x + box.width}`);
      assert.match(await runs.finalLoss(id), /^\d+\.\d\d$/);
      checked++;
    }
    assert.ok(checked >= 5, `${checked} rows checked`);
  });

  step(
    'a scroll of three rows shows three new runs in three reused elements, adds and removes none, and pins cells only when too wide',
    async () => {
      // Sticky cells cost a compositing layer each: only a table wider than its box pins them (RunsTable.svelte).
      assert.equal(await runs.table.getAttribute('data-pinned'), 'true', 'at 1024 px the table is wider than its box');
      // A string: tsx would wrap the inner functions in a helper the page lacks.
      const changes = (await page.evaluate(`(async () => {
      const t = document.querySelector('[data-testid="runs-table"]');
      const isRow = (n) => n instanceof HTMLElement && n.matches('[data-testid^="run-row-"]');
      const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      t.scrollTop = 100 * ${TABLE_ROW_H};
      await frames();
      const before = [...t.querySelectorAll('[data-testid^="run-row-"]')];
      const runsBefore = before.map((el) => el.dataset.testid);
      let added = 0;
      let removed = 0;
      const count = (records) => records.forEach((r) => {
        added += [...r.addedNodes].filter(isRow).length;
        removed += [...r.removedNodes].filter(isRow).length;
      });
      const observer = new MutationObserver(count);
      observer.observe(t, { childList: true, subtree: true });
      t.scrollTop += 3 * ${TABLE_ROW_H};
      await frames();
      count(observer.takeRecords());
      observer.disconnect();
      const after = [...t.querySelectorAll('[data-testid^="run-row-"]')];
      const runsAfter = after.map((el) => el.dataset.testid);
      const kept = after.filter((el) => before.includes(el)).length;
      const newRuns = runsAfter.filter((id) => !runsBefore.includes(id)).length;
      const goneRuns = runsBefore.filter((id) => !runsAfter.includes(id)).length;
      // Tab follows the rows, not the elements' order (reading-order: each row's index).
      const inOrder = after.every((el) => el.style.readingOrder === el.dataset.index);
      t.scrollTop = 0;
      await frames();
      return { before: before.length, after: after.length, added, removed, kept, newRuns, goneRuns, inOrder };
    })()`)) as Record<string, number | boolean>;
      assert.deepEqual(changes, {
        before: changes.before,
        after: changes.before,
        added: 0,
        removed: 0,
        kept: changes.before,
        newRuns: 3,
        goneRuns: 3,
        inOrder: true,
      });
      await runs.row(ids.at(-1)!).waitFor();
    },
  );

  step('a long name stays on one line, cut, with the full name on hover', async () => {
    const longId = ids.at(-1)!;
    const other = ids.at(-2)!;
    const a = await runs.row(longId).boundingBox();
    const b = await runs.row(other).boundingBox();
    assert.ok(a && b);
    assert.equal(a.height, b.height, 'the long-named row is as tall as the others');
    const link = runs.row(longId).getByTestId(`open-${longId}`);
    assert.equal(await link.getAttribute('title'), LONG_NAME);
    const cut = await link.evaluate((el) => el.scrollWidth > el.clientWidth);
    assert.ok(cut, 'the name is ellipsised');
  });

  step('scrolling to the end shows the first run created', async () => {
    await runs.scrollToEnd();
    await runs.row(ids[0]!).waitFor();
    const box = await runs.row(ids[0]!).boundingBox();
    assert.ok(box && box.y + box.height <= SMALL.height, 'the last row is inside the window');
    const rendered = await runs.rows.count();
    assert.ok(rendered < 60, `${rendered} run rows in the DOM after scrolling`);
    await runs.shoot('runs-table-1000-end-1024');
    await runs.table.evaluate((t) => {
      t.scrollTop = 0;
    });
    await runs.row(ids.at(-1)!).waitFor();
  });

  step('shift-click selects the range from the last clicked row', async () => {
    const listed = await runs.renderedRunIds();
    await runs.clickBox(listed[1]!);
    await runs.clickBox(listed[5]!, true);
    for (const id of listed.slice(1, 6)) assert.ok(await runs.selectBox(id).isChecked(), `run ${id} selected`);
    assert.ok(!(await runs.selectBox(listed[0]!).isChecked()));
    assert.ok(!(await runs.selectBox(listed[6]!).isChecked()));
    assert.match(await runs.deleteSelectedButton.innerText(), /\(5\)/);
    await runs.shoot('runs-table-1000-1024');
    await page.setViewportSize(LARGE);
    // At 1280 px the default columns fit: nothing needs pinning.
    await waitUntil(
      'the table unpinned at 1280 px',
      () => runs.table.getAttribute('data-pinned'),
      (v) => v === 'false',
    );
    await runs.shoot('runs-table-1000-1280');
    await page.setViewportSize(SMALL);
    await runs.byTestId('clear-selection').click();
  });

  step('clicking a tag shows the runs with that tag', async () => {
    await runs.row(ids.at(-1)!).waitFor();
    const tagged = ids.filter((_, i) => i % 50 === 45);
    await runs
      .byTestId(`run-row-${tagged.at(-1)}`)
      .getByTestId('tag-baseline')
      .click();
    assert.equal(await runs.filterInput.inputValue(), 'tag:baseline');
    await waitUntil(
      'the count of tagged runs',
      () => runs.count.innerText(),
      (t) => t.startsWith(`${tagged.length} of`),
    );
    await runs.filter('');
  });

  step('grouping by all settings but the seed shows mean ± std per group', async () => {
    await runs.groupButSeed();
    const groups = LATENTS.length * BETAS.length * RATES.length;
    await waitUntil(
      'group rows',
      () => runs.count.innerText(),
      (t) => t.includes(`in ${groups} groups`),
    );
    const first = runs.groupRows.first();
    // 1,000 runs over 60 settings: 16 or 17 seeds' worth each.
    const size = Number(await first.getAttribute('data-group-size'));
    assert.ok(size === Math.floor(COUNT / groups) || size === Math.ceil(COUNT / groups), `a group of ${size}`);
    assert.match(await first.getByTestId('group-key-metric').innerText(), /^\d+\.\d\d ± \d+\.\d\d$/);
    const rendered = await runs.groupRows.count();
    assert.ok(rendered < 60, `${rendered} group rows in the DOM`);
    // Expanding a group lists its runs under it; the window still bounds the DOM.
    await first.getByTestId('group-toggle').click();
    await waitUntil(
      'the expanded group',
      () => runs.rows.count(),
      (n) => n >= 10,
    );
    await runs.shoot('runs-table-1000-grouped-1024');
    await page.setViewportSize(LARGE);
    await runs.shoot('runs-table-1000-grouped-1280');
    await page.setViewportSize(SMALL);
    await runs.byTestId('group-by').click();
    await runs.byTestId('group-none').click();
    await runs.byTestId('group-by').click();
  });

  step('a chosen column survives a reload', async () => {
    await runs.addColumn('heldOut.recon');
    assert.ok((await runs.columnKeys()).includes('heldOut.recon'));
    await page.reload();
    await runs.row(ids.at(-1)!).waitFor();
    const keys = await runs.columnKeys();
    assert.ok(keys.includes('heldOut.recon'), `columns after reload: ${keys.join(', ')}`);
    await runs.byTestId('columns').click();
    await runs.shoot('runs-table-columns-1024');
    await runs.byTestId('reset-columns').click();
    await runs.byTestId('columns').click();
  });

  step('three runs, at 1280x800 and 1024x640', async () => {
    const opened = await openPage(browser, LARGE);
    const app = await new AppShell(opened.page).open(small.url);
    const three = await app.openRuns();
    await three.rows.nth(2).waitFor();
    await three.shoot('runs-table-3-1280');
    await opened.page.setViewportSize(SMALL);
    await three.shoot('runs-table-3-1024');
    assert.deepEqual(opened.problems, []);
    await opened.page.context().close();
  });

  step('no page errors', () => {
    assert.deepEqual(problems, []);
  });
});
