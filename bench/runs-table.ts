/// <reference lib="dom" />
// `npm run bench:runs [-- --runs N] [--loads N] [--json] [--trace F] [--trace-floor F]`: the Runs table with 10,000 runs (default). Fills a
// fresh SQLite file with finished runs spread like a sweep (test/e2e/many-runs.ts), then reports:
//   - listRuns in main: the store's list (the first call reads every row and parses every config;
//     later calls reuse the list while the change log says nothing changed, see
//     src/main/store/run-list-cache.ts), a re-read after one run changed, packing the list by column
//     (src/shared/run-list.ts) and its size, and the whole request over the real server's socket,
//   - listRunsHead (the table's first screenful, src/shared/run-list-head.ts) over the socket,
//   - the renderer, in headless Chromium, over several fresh page loads onto the table: from the
//     request to the head in the store, to the first rows painted, and to the whole list in the
//     store; and the table's first rows after a click on Runs with the list already loaded,
//   - scrolling: the table scrolled a fixed distance every animation frame, frame times p50/p95/max
//     and dropped frames (a frame over 1.5 x the display's interval), and the rows in the DOM; the
//     same scroll over a static copy of the table (the browser's floor: scrolling content that never
//     changes) and the same frames without scrolling, both measured in the same run.
// Targets (issue 9): the list loads in under 300 ms; scrolling drops no frames. Prints numbers;
// asserts nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/main/store/index.ts';
import { launchBrowser, openPage, startWorkbench } from '../test/e2e/harness.ts';
import { fillRuns } from '../test/e2e/many-runs.ts';
import { packRunList } from '../src/shared/run-list.ts';
import { encodeWire } from '../src/shared/wire.ts';
import { AppShell } from '../test/e2e/pages/app-shell.ts';
import { openRpc } from '../test/e2e/ws-rpc.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    frames: { type: 'string', default: '600' },
    loads: { type: 'string', default: '7' },
    json: { type: 'boolean' },
    trace: { type: 'string' },
    'trace-floor': { type: 'string' },
  },
});
const count = Number(values.runs);
const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'disabled-by-default-v8.cpu_profiler',
  'blink.user_timing',
  'v8.execute',
  'toplevel',
];
const frames = Number(values.frames);
const SCROLL_STEP_PX = 90;
const median = (xs: number[]) => pct(xs, 0.5);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

const dir = mkdtempSync(join(tmpdir(), 'vae-bench-runs-'));
const dbPath = join(dir, 'runs.db');
try {
  let t = performance.now();
  fillRuns(dbPath, { count, tags: (i) => (i % 97 === 0 ? ['baseline'] : []) });
  const fillMs = performance.now() - t;

  // The store alone, in this process.
  const store = openDatabase(dbPath);
  t = performance.now();
  const list = store.runs.list();
  const storeFirstMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    store.runs.list();
    warm.push(performance.now() - t);
  }
  // One run changes (as a status change would): the list is patched, not read again.
  store.runs.update(list[list.length - 1]!.id, { notes: 'changed' });
  t = performance.now();
  const changed = store.runs.list();
  const storeOneChangedMs = performance.now() - t;
  t = performance.now();
  const packed = packRunList(changed);
  const packMs = performance.now() - t;
  t = performance.now();
  const wireBytes = encodeWire({ ok: true, value: packed }).length;
  const stringifyMs = performance.now() - t;
  const plainBytes = encodeWire({ ok: true, value: changed }).length;
  store.close();

  const workbench = await startWorkbench({ dbPath });
  const browser = await launchBrowser();
  try {
    // The request over the real server's socket, as a client sees it (server list + JSON + transport + parse).
    const rpc = await openRpc(workbench.wsUrl);
    const overSocket: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      const r = await rpc.call('listRuns');
      if (!r.ok) throw new Error(r.error.message);
      overSocket.push(performance.now() - t);
    }
    await rpc.close();

    // The head a page opening on the table asks for first (src/shared/run-list-head.ts), over the socket.
    const headArgs = { sort: { key: 'created', direction: 'desc' as const }, query: '', count: 32 };
    const rpcHead = await openRpc(workbench.wsUrl);
    const headOverSocket: number[] = [];
    let headBytes = 0;
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      const r = await rpcHead.call('listRunsHead', headArgs);
      if (!r.ok) throw new Error(r.error.message);
      headOverSocket.push(performance.now() - t);
      headBytes = encodeWire(r).length;
    }
    await rpcHead.close();

    // The renderer: fresh page loads straight onto the Runs view, as opening the app or reloading
    // it there does. Each load: request to the head's rows in the store, to the first rows painted,
    // and to the whole list in the store (src/renderer/src/lib/stores/runs.svelte.ts).
    const { page } = await openPage(browser, { width: 1280, height: 800 });
    const app = await new AppShell(page).open(workbench.url);
    await app.goto('#/runs');
    const loads: { headMs: number; firstRowsMs: number; listMs: number; firstRowsFromNavigationMs: number }[] = [];
    for (let i = 0; i < Number(values.loads); i++) {
      await page.reload();
      await page.waitForFunction(() => performance.getEntriesByName('runs:list').length > 0, undefined, { timeout: 120_000 });
      await page.waitForFunction(() => performance.getEntriesByName('runs-table:first-rows').length > 0, undefined, {
        timeout: 120_000,
      });
      // A string: tsx would wrap an inner function in a helper the page lacks.
      loads.push(
        (await page.evaluate(`(() => {
          const list = performance.getEntriesByName('runs:list')[0];
          const head = performance.getEntriesByName('runs:head')[0];
          const rows = performance.getEntriesByName('runs-table:first-rows')[0];
          return {
            headMs: head ? head.startTime + head.duration - list.startTime : NaN,
            firstRowsMs: rows.startTime - list.startTime,
            listMs: list.duration,
            firstRowsFromNavigationMs: rows.startTime,
          };
        })()`)) as (typeof loads)[number],
      );
    }
    const renderer = {
      loads,
      headMedianMs: median(loads.map((l) => l.headMs)),
      firstRowsMedianMs: median(loads.map((l) => l.firstRowsMs)),
      firstRowsMaxMs: Math.max(...loads.map((l) => l.firstRowsMs)),
      listMedianMs: median(loads.map((l) => l.listMs)),
      firstRowsFromNavigationMedianMs: median(loads.map((l) => l.firstRowsFromNavigationMs)),
    };
    // Going to the Runs view with the list already loaded: the table's first render alone.
    const toTable: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.getByTestId('nav-new').click();
      await page.getByTestId('runs-table').waitFor({ state: 'detached' });
      const before = (await page.evaluate(`performance.getEntriesByName('runs-table:first-rows').length`)) as number;
      await page.evaluate(
        `(() => { performance.mark('bench:nav-runs'); document.querySelector('[data-testid="nav-runs"]').click(); })()`,
      );
      await page.waitForFunction((n) => performance.getEntriesByName('runs-table:first-rows').length > n, before);
      toTable.push(
        (await page.evaluate(`(() => {
          const rows = performance.getEntriesByName('runs-table:first-rows').at(-1);
          return rows.startTime - performance.getEntriesByName('bench:nav-runs').at(-1).startTime;
        })()`)) as number,
      );
    }
    await page.locator('[data-testid^="run-row-"]').first().waitFor();

    // Scrolling: a fixed step every animation frame, like a steady flick; and the same frames with no
    // scrolling at all, the reference: headless Chromium's frame clock has hiccups of its own, and a
    // frame late in both is the machine's, not the table's.
    // A string, not a function: tsx would wrap the inner functions in a helper the page lacks.
    const frameLoop = async (stepPx: number, testid = 'runs-table') =>
      (await page.evaluate(`(async (n, stepPx) => {
      const grid = document.querySelector('[data-testid="${testid}"]');
      grid.scrollTop = 0;
      const longTasks = [];
      const observer = new PerformanceObserver((l) => l.getEntries().forEach((e) => longTasks.push(e.duration)));
      observer.observe({ type: 'longtask' });
      const deltas = [];
      const domRows = [];
      await new Promise((done) => {
        let last = 0;
        let i = 0;
        const step = (time) => {
          if (last > 0) deltas.push(time - last);
          last = time;
          domRows.push(grid.querySelectorAll('[data-testid^="run-row-"]').length);
          if (i++ >= n) return done();
          grid.scrollTop += stepPx;
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
      observer.disconnect();
      return { deltas, longTasks, maxDomRows: Math.max(...domRows), scrolledPx: grid.scrollTop };
    })(${frames}, ${stepPx})`)) as { deltas: number[]; longTasks: number[]; maxDomRows: number; scrolledPx: number };
    const still = await frameLoop(0);
    // --trace FILE: a Chromium trace of the scrolling (open it in DevTools' Performance panel, or
    // summarise it with bench/trace-summary.ts, or per frame with bench/trace-frames.ts); build with
    // VAE_NO_MINIFY=1 for function names.
    if (values.trace) await browser.startTracing(page, { path: values.trace, categories: TRACE_CATEGORIES });
    const scroll = await frameLoop(SCROLL_STEP_PX);
    if (values.trace) await browser.stopTracing();
    // The browser's own floor: the same page, the table hidden and in its place a copy of it whose
    // body holds, built once and never changed, as many copies of the rows on screen as the scroll
    // covers (same elements, classes and CSS; each row at its offset as the table places them).
    // Between its repaints its frames are what Chromium spends on any scrolled content (new tiles
    // rastered, composited, drawn): the floor per frame (bench/trace-frames.ts --trace-floor, p50).
    // It is no floor for dropped frames: each time the scroll leaves the area Chromium painted, it
    // paints the next ~4,000 px (some 120 rows) at once, a 100-500 ms frame (content-visibility: auto
    // on its rows does worse: ~40 ms of main thread a frame, measured). Measured after the table's
    // scroll: the copy's ~50,000 elements, once removed, are garbage whose sweeping (Blink's heap,
    // tasks of ~100 ms) would otherwise land in the table's frames.
    await page.evaluate(`(() => {
      const grid = document.querySelector('[data-testid="runs-table"]');
      const rows = [...grid.querySelectorAll('.body .row')].sort((a, b) => a.dataset.index - b.dataset.index);
      const copy = grid.cloneNode(false);
      copy.dataset.testid = 'runs-table-static';
      copy.append(grid.querySelector('.header').cloneNode(true));
      const body = grid.querySelector('.body').cloneNode(false);
      const rowH = rows[0].getBoundingClientRect().height;
      const count = Math.ceil((${frames} * ${SCROLL_STEP_PX} + grid.clientHeight) / rowH) + 1;
      body.style.height = count * rowH + 'px';
      for (let i = 0; i < count; i++) {
        const row = rows[i % rows.length].cloneNode(true);
        // Placed as the table places its rows (set here too, so the floor is the same whatever the
        // table's own CSS: an earlier table moved a block of rows instead).
        Object.assign(row.style, { position: 'absolute', top: '0', left: '0', right: '0', contain: 'strict' });
        row.style.transform = 'translateY(' + i * rowH + 'px)';
        row.dataset.index = String(i);
        body.append(row);
      }
      copy.append(body);
      grid.style.display = 'none';
      grid.after(copy);
    })()`);
    // --trace-floor FILE: the same trace of the floor's scrolling, to set beside --trace's.
    const floorTrace = values['trace-floor'];
    if (floorTrace) await browser.startTracing(page, { path: floorTrace, categories: TRACE_CATEGORIES });
    const floor = await frameLoop(SCROLL_STEP_PX, 'runs-table-static');
    if (floorTrace) await browser.stopTracing();
    await page.evaluate(`(() => {
      document.querySelector('[data-testid="runs-table-static"]').remove();
      document.querySelector('[data-testid="runs-table"]').style.display = '';
    })()`);
    const stillInterval = median(still.deltas);
    const stillDropped = still.deltas.filter((d) => d > stillInterval * 1.5).length;
    const interval = median(scroll.deltas);
    const dropped = scroll.deltas.filter((d) => d > interval * 1.5).length;
    const floorInterval = median(floor.deltas);

    const result = {
      runs: count,
      loadAverage: loadavg(),
      fillMs,
      main: {
        storeFirstMs,
        storeWarmMedianMs: median(warm),
        storeOneChangedMs,
        packMs,
        wireBytes,
        plainBytes,
        stringifyMs,
        overSocketMedianMs: median(overSocket),
        overSocket,
        headOverSocketMedianMs: median(headOverSocket),
        headBytes,
      },
      renderer,
      toTableMedianMs: median(toTable),
      toTable,
      scroll: {
        frames: scroll.deltas.length,
        scrolledPx: scroll.scrolledPx,
        frameP50Ms: interval,
        frameP95Ms: pct(scroll.deltas, 0.95),
        frameMaxMs: Math.max(...scroll.deltas),
        dropped,
        longTasks: scroll.longTasks.length,
        longestTaskMs: Math.max(0, ...scroll.longTasks),
        maxDomRows: scroll.maxDomRows,
      },
      floor: {
        frames: floor.deltas.length,
        scrolledPx: floor.scrolledPx,
        frameP50Ms: floorInterval,
        frameP95Ms: pct(floor.deltas, 0.95),
        frameMaxMs: Math.max(...floor.deltas),
        dropped: floor.deltas.filter((d) => d > floorInterval * 1.5).length,
        longTasks: floor.longTasks.length,
        domRows: floor.maxDomRows,
      },
      still: {
        frames: still.deltas.length,
        frameP95Ms: pct(still.deltas, 0.95),
        frameMaxMs: Math.max(...still.deltas),
        dropped: stillDropped,
      },
    };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      const ms = (v: number) => `${v.toFixed(0)} ms`;
      const { main: m, renderer: r, scroll: s, still: q, floor: f } = result;
      process.stdout.write(
        `${count} runs (filled in ${ms(fillMs)})\n` +
          `main: store list ${ms(m.storeFirstMs)} first (rows read, configs parsed), ${ms(m.storeWarmMedianMs)} unchanged ` +
          `(median of 5), ${ms(m.storeOneChangedMs)} after one run changed; packed in ${ms(m.packMs)}: ` +
          `${(m.wireBytes / 1e6).toFixed(1)} MB of JSON (${(m.plainBytes / 1e6).toFixed(1)} MB as records), encoded in ${ms(m.stringifyMs)}\n` +
          `listRuns over the socket: ${ms(m.overSocketMedianMs)} median (${m.overSocket.map((v) => v.toFixed(0)).join(', ')})\n` +
          `listRunsHead (the first ${headArgs.count} rows, ${(m.headBytes / 1e3).toFixed(0)} kB) over the socket: ${ms(m.headOverSocketMedianMs)} median\n` +
          `renderer, ${r.loads.length} fresh page loads onto the table: request to first rows painted ${ms(r.firstRowsMedianMs)} median, ` +
          `${ms(r.firstRowsMaxMs)} at most (target: under 300 ms; ${r.loads.map((l) => l.firstRowsMs.toFixed(0)).join(', ')}); ` +
          `to the head in the store ${ms(r.headMedianMs)}, to the whole list in the store ${ms(r.listMedianMs)}; ` +
          `first rows ${ms(r.firstRowsFromNavigationMedianMs)} from navigation start\n` +
          `to the table with the list loaded (a click on Runs to its first rows painted): ${ms(result.toTableMedianMs)} median ` +
          `(${result.toTable.map((v) => v.toFixed(0)).join(', ')})\n` +
          `scroll ${s.frames} frames over ${s.scrolledPx} px: frame p50 ${s.frameP50Ms.toFixed(1)} ms, p95 ${s.frameP95Ms.toFixed(1)} ms, ` +
          `max ${s.frameMaxMs.toFixed(1)} ms, ${s.dropped} dropped (> 1.5 x p50), ${s.longTasks} long tasks (longest ${ms(s.longestTaskMs)}), ` +
          `at most ${s.maxDomRows} rows in the DOM\n` +
          `floor, the same scroll over a static copy of the table (${f.domRows} rows built once, nothing changes): ` +
          `frame p50 ${f.frameP50Ms.toFixed(1)} ms, p95 ${f.frameP95Ms.toFixed(1)} ms, max ${f.frameMaxMs.toFixed(1)} ms, ` +
          `${f.dropped} dropped, ${f.longTasks} long tasks\n` +
          `reference, the same ${q.frames} frames without scrolling: p95 ${q.frameP95Ms.toFixed(1)} ms, max ${q.frameMaxMs.toFixed(1)} ms, ` +
          `${q.dropped} dropped\n` +
          `load average ${loadavg()
            .map((v) => v.toFixed(1))
            .join(' ')}\n`,
      );
    }
  } finally {
    await browser.close();
    await workbench.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
