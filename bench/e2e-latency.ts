// `npx tsx bench/e2e-latency.ts [--moves N] [--json]`: what a person waits for in the browser, on
// the built app in headless Chromium, measured with the same page objects the e2e tests drive:
//   - a run with 100,000 logged steps (the stub backend): time until its chart holds every point,
//     and the longest main-thread task while 3,000 more stream in (target: under 250 ms, and not
//     growing with the history),
//   - the latent explorer of a freshly trained 2-D run: the 20x20 manifold decoded on opening and
//     redrawn for a new range (target: under 1 s), and slider moves from input event to new pixels,
//     measured inside the page, beside what the view reports (target: median under 50 ms).
// Prints numbers; asserts nothing. The e2e tests check that these things happen, not how fast.

import { parseArgs } from 'node:util';
import type { RunRecord } from '../src/shared/training.ts';
import { launchBrowser, openPage, startWorkbench } from '../test/e2e/harness.ts';
import { AppShell } from '../test/e2e/pages/app-shell.ts';
import { VIEWPORT } from '../test/e2e/pages/base-page.ts';
import { RunViewPage } from '../test/e2e/pages/run-view-page.ts';
import { LONG_TASK_OBSERVER, longStreamingRun, stubClientScript } from '../test/e2e/stub-client.ts';
import { openRpc, runFinished } from '../test/e2e/ws-rpc.ts';
import { presetConfig } from '../test/helpers.ts';

const { values } = parseArgs({ options: { moves: { type: 'string', default: '30' }, json: { type: 'boolean' } } });
const moves = Number(values.moves);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;

const workbench = await startWorkbench();
const browser = await launchBrowser();
const rpc = await openRpc(workbench.wsUrl);

try {
  // The long run, against the stub.
  const options = longStreamingRun();
  const stream = options.stream!;
  const stub = await openPage(browser, VIEWPORT, { initScripts: [stubClientScript(options), LONG_TASK_OBSERVER] });
  const view = new RunViewPage(stub.page);
  const opening = performance.now();
  await stub.page.goto(`${workbench.url}#/runs/1`);
  await view.waitForChartPoints(100_000, 120_000);
  const openMs = performance.now() - opening;
  // Long tasks from here on are the streaming's: opening (parsing 100,000 points once) is excluded.
  const before = (await stub.page.evaluate('window.__longTasks.length')) as number;
  await view.waitForChartPoints(100_000 + stream.perBatch * stream.batches, 120_000);
  const streaming = ((await stub.page.evaluate('window.__longTasks')) as number[]).slice(before);
  await stub.page.context().close();

  // The latent explorer of a real run.
  const started = await rpc.call('startRun', {
    config: presetConfig('quick', { 'model.latentDim': 2, 'data.limit': 3000, 'optim.epochs': 2, 'run.name': 'latency' }),
  });
  if (!started.ok) throw new Error(started.error.message);
  const run = started.value as RunRecord;
  await rpc.waitForEvent(runFinished(run.id), 600_000);
  const { page } = await openPage(browser, VIEWPORT);
  const app = await new AppShell(page).open(workbench.url);
  const explorer = await app.gotoLatent(run.id);
  await explorer.waitForManifold(120_000);
  const gridOpenMs = await explorer.numberAttr('manifold-grid', 'data-decode-ms');
  await explorer.waitForScatterPoints(120_000);
  const regrids: number[] = [];
  for (const range of ['3', '2', '4', '3.5', '2.5']) {
    await explorer.setManifoldRange(range);
    regrids.push(await explorer.numberAttr('manifold-grid', 'data-decode-ms'));
  }
  await explorer.decodedCanvas.waitFor();
  const measured: number[] = [];
  const reported: number[] = [];
  for (let i = 0; i < moves; i++) {
    const move = await explorer.moveSlider(i % 2, Math.round(Math.sin(i) * 300) / 100);
    measured.push(move.measured);
    reported.push(move.reported);
  }

  const result = {
    longRun: {
      points: 100_000,
      openMs,
      streamedBatches: stream.batches,
      longTasksWhileStreaming: streaming.length,
      longestTaskWhileStreamingMs: Math.max(0, ...streaming),
    },
    latent: {
      manifoldOnOpeningMs: gridOpenMs,
      manifoldRedrawMedianMs: pct(regrids, 0.5),
      manifoldRedrawMaxMs: Math.max(...regrids),
      sliderMoves: moves,
      sliderMedianMs: pct(measured, 0.5),
      sliderP95Ms: pct(measured, 0.95),
      sliderMaxMs: Math.max(...measured),
      sliderUnder50: measured.filter((ms) => ms < 50).length,
      sliderReportedMedianMs: pct(reported, 0.5),
    },
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const { longRun: l, latent: s } = result;
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    process.stdout.write(
      `100,000-step run: chart complete ${ms(l.openMs)} after opening; while ${l.streamedBatches} batches streamed: ` +
        `${l.longTasksWhileStreaming} long tasks, longest ${ms(l.longestTaskWhileStreamingMs)} (target < 250 ms)\n` +
        `20x20 manifold: ${ms(s.manifoldOnOpeningMs)} on opening (worker start, checkpoint and data load included), ` +
        `redrawn in ${ms(s.manifoldRedrawMedianMs)} median, ${ms(s.manifoldRedrawMaxMs)} max (target < 1 s)\n` +
        `slider, input to pixels over ${s.sliderMoves} moves: median ${s.sliderMedianMs.toFixed(1)} ms, p95 ${s.sliderP95Ms.toFixed(1)} ms, ` +
        `max ${s.sliderMaxMs.toFixed(1)} ms, ${s.sliderUnder50} under 50 ms (target: median < 50 ms); ` +
        `the view reports a median of ${s.sliderReportedMedianMs.toFixed(1)} ms\n`,
    );
  }
} finally {
  await rpc.close();
  await browser.close();
  await workbench.close();
}
