// Colour image grids in the real browser. Colour models may not exist yet, so the grids are written
// into the test's database through the store (a square RGB run, a non-square RGB run and a
// grayscale one), then the served app shows them on the run page, and the contract hands back the
// older grids a timeline would scrub to. Compare's image panels draw what a run's model decodes,
// which only a colour model makes: for them a stub backend in the page answers with colour grids.
// Each canvas is read back pixel by pixel; every screen is photographed at 1280x800 and 1024x640,
// light and dark, into test-artifacts/colour-*.png.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openDatabase } from '../../src/main/store/index.ts';
import type { ExperimentConfig } from '../../src/shared/config.ts';
import type { ImageGrid, RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { AppShell } from './pages/app-shell.ts';
import { ComparePage } from './pages/compare-page.ts';
import type { RunViewPage } from './pages/run-view-page.ts';
import { stubAppInfo, stubClientScript, stubRun } from './stub-client.ts';
import { steps } from './steps.ts';
import { openRpc, type RpcSocket } from './ws-rpc.ts';

const LARGE = { width: 1280, height: 800 };
const SMALL = { width: 1024, height: 640 };

/**
 * The colour of pixel (x, y) of cell `cell` in a `h` x `w` image: a dark red-green gradient behind
 * a disc of one of eight saturated colours, with a 2-pixel checkerboard in the top-left corner that
 * blurs to grey if the view smooths. Self-contained: the page runs its source too.
 */
function cellColour(cell: number, y: number, x: number, h: number, w: number, shift: number): [number, number, number] {
  const palette: [number, number, number][] = [
    [230, 40, 40],
    [40, 200, 60],
    [50, 90, 240],
    [250, 210, 40],
    [210, 50, 210],
    [40, 210, 220],
    [250, 140, 20],
    [245, 245, 245],
  ];
  if (x < 6 && y < 6) return (Math.floor(x / 2) + Math.floor(y / 2)) % 2 === 0 ? [255, 255, 255] : [0, 0, 0];
  const r = Math.min(h, w) * 0.32;
  if (Math.hypot(x - (w - 1) / 2, y - (h - 1) / 2) <= r) return palette[(cell + shift) % palette.length]!;
  return [Math.round((90 * x) / (w - 1)), Math.round((90 * y) / (h - 1)), 70];
}

function colourGrid(rows: number, cols: number, h: number, w: number, shift: number): ImageGrid {
  const pixels = new Uint8Array(rows * cols * h * w * 3);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          pixels.set(cellColour(r * cols + c, y, x, h, w, shift), (((r * h + y) * cols + c) * w + x) * 3);
  return { rows, cols, height: h, width: w, channels: 3, pixels };
}

function grayGrid(rows: number, cols: number, h: number, w: number): ImageGrid {
  const pixels = new Uint8Array(rows * cols * h * w);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) pixels[((r * h + y) * cols + c) * w + x] = cellColour(r * cols + c, y, x, h, w, 0)[0];
  return { rows, cols, height: h, width: w, pixels };
}

/** Where cell (r, c)'s pixel (x, y) lands on the canvas: 1-pixel gaps, 3 more after each row pair when paired. */
function canvasPoint(grid: ImageGrid, r: number, c: number, x: number, y: number, paired: boolean): [number, number] {
  return [c * (grid.width + 1) + x, r * (grid.height + 1) + (paired ? Math.floor(r / 2) * 3 : 0) + y];
}

/** A few telling pixels of a grid: checkerboard squares, a disc centre, the background, in several cells. */
function probes(grid: ImageGrid, paired: boolean): { at: [number, number]; rgb: number[] }[] {
  const out: { at: [number, number]; rgb: number[] }[] = [];
  const channels = grid.channels ?? 1;
  for (const [r, c] of [
    [0, 0],
    [Math.min(1, grid.rows - 1), grid.cols - 1],
    [grid.rows - 1, Math.floor(grid.cols / 2)],
  ] as const) {
    for (const [x, y] of [
      [0, 0],
      [2, 0],
      [Math.floor(grid.width / 2), Math.floor(grid.height / 2)],
      [grid.width - 1, grid.height - 1],
    ] as const) {
      const i = (((r * grid.height + y) * grid.cols + c) * grid.width + x) * channels;
      const rgb =
        channels === 3 ? Array.from(grid.pixels.subarray(i, i + 3)) : [grid.pixels[i]!, grid.pixels[i]!, grid.pixels[i]!];
      out.push({ at: canvasPoint(grid, r, c, x, y, paired), rgb: [...rgb, 255] });
    }
  }
  return out;
}

/** Checks a drawn grid: bitmap of the grid's size, pixels as given, enlarged without smoothing. */
async function expectDrawn(view: RunViewPage | ComparePage, selector: string, grid: ImageGrid, paired: boolean): Promise<void> {
  const expected = probes(grid, paired);
  const seen = await view.readCanvas(
    selector,
    expected.map((p) => p.at),
  );
  assert.equal(seen.width, grid.cols * grid.width + grid.cols - 1, `${selector}: bitmap width`);
  assert.deepEqual(
    seen.pixels,
    expected.map((p) => p.rgb),
    `${selector}: pixels`,
  );
  assert.equal(seen.rendering, 'pixelated', `${selector}: enlarged pixels stay hard-edged`);
  assert.ok(seen.cssWidth >= seen.width, `${selector}: shown at least at its size (${seen.cssWidth} px for ${seen.width})`);
  assert.ok(Math.abs(seen.cssHeight / seen.cssWidth - seen.height / seen.width) < 0.02, `${selector}: aspect kept`);
}

/** Photographs the page at both sizes, light and dark. */
async function shootBoth(view: RunViewPage | ComparePage, name: string): Promise<void> {
  for (const [size, label] of [
    [LARGE, '1280'],
    [SMALL, '1024'],
  ] as const) {
    await view.page.setViewportSize(size);
    await view.shoot(`colour-${name}-${label}`, true);
  }
  await view.page.setViewportSize(LARGE);
}

function withImages(config: ExperimentConfig, height: number, width: number, channels: 1 | 3): ExperimentConfig {
  return { ...config, data: { ...config.data, imageHeight: height, imageWidth: width, channels } };
}

/**
 * Added after the stub backend: its runs get a checkpoint, and encoding and decoding answer with
 * colour grids of `cellColour`, so Compare's image panels have colour to draw.
 */
function colourModelsScript(h: number, w: number): string {
  return `(() => {
  const cellColour = ${String(cellColour)};
  const H = ${h}, W = ${w};
  const grid = (rows, cols, shift) => {
    const pixels = new Uint8Array(rows * cols * H * W * 3);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++)
      pixels.set(cellColour(r * cols + c, y, x, H, W, shift), (((r * H + y) * cols + c) * W + x) * 3);
    return { rows, cols, height: H, width: W, channels: 3, pixels };
  };
  const api = window.workbench;
  const getRun = api.getRun;
  const checkpoints = [{ step: 100, epoch: 2, atEpochEnd: true, best: true }];
  api.getRun = async (args) => {
    const r = await getRun(args);
    if (r.ok) r.value.checkpoints = checkpoints;
    return r;
  };
  // Compare reads its runs' histories in batches.
  const getRunHistories = api.getRunHistories;
  api.getRunHistories = async (args) => {
    const r = await getRunHistories(args);
    if (r.ok) for (const h of r.value) h.checkpoints = checkpoints;
    return r;
  };
  api.encodeImages = async ({ runId, count, sourceRunId, includeImages }) => ({ ok: true, value: {
    runId, step: 100, epoch: 2, sourceRunId: sourceRunId ?? runId, source: 'held-out', count, latentDim: 2,
    means: Array.from({ length: count * 2 }, (_, i) => Math.sin(i)), labels: null, klPerDim: [2.1, 0.7],
    images: includeImages ? grid(count, 1, 0) : null,
  } });
  api.decodeLatents = async ({ runId, points, cols }) => {
    const c = cols ?? points.length;
    return { ok: true, value: { runId, step: 100, epoch: 2, grid: grid(Math.ceil(points.length / c), c, runId), decodeMs: 1 } };
  };
})();`;
}

describe('Colour image grids: run pages from the database, the contract, Compare and the latent explorer', () => {
  const step = steps();
  let dir: string;
  let workbench: Workbench;
  let rpc: RpcSocket;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let app: AppShell;
  const grids = {
    square: {
      reconstruction: colourGrid(4, 8, 32, 32, 0),
      samples: colourGrid(4, 8, 32, 32, 3),
      older: colourGrid(4, 8, 32, 32, 5),
    },
    wide: { reconstruction: colourGrid(4, 6, 24, 40, 1), samples: colourGrid(3, 6, 24, 40, 4) },
    gray: { reconstruction: grayGrid(4, 8, 28, 28), samples: grayGrid(4, 8, 28, 28) },
  };
  const ids = { square: 0, wide: 0, gray: 0 };
  let compare: ComparePage;
  const [H, W] = [24, 40];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vae-e2e-colour-'));
    const dbPath = join(dir, 'workbench.db');
    const store = openDatabase(dbPath);
    try {
      const quick = presetConfig('quick', { 'data.limit': 300, 'optim.epochs': 2 });
      for (const [key, name, config] of [
        ['square', 'colour 32×32', withImages(quick, 32, 32, 3)],
        ['wide', 'colour 24×40', withImages(quick, 24, 40, 3)],
        ['gray', 'grayscale 28×28', quick],
      ] as const) {
        const run = store.runs.create({
          config: { ...config, run: { ...config.run, name } },
          name,
          datasetName: 'test grids',
          datasetFingerprint: key,
        });
        store.runs.markStarted(run.id, { backend: 'wasm', ownerPid: process.pid, totalSteps: 100 });
        store.runs.setProgress(run.id, { step: 100, epoch: 2 });
        const set = grids[key];
        if ('older' in set) store.images.save(run.id, { epoch: 1, step: 50, kind: 'samples', grid: set.older });
        store.images.save(run.id, { epoch: 2, step: 100, kind: 'reconstruction', grid: set.reconstruction });
        store.images.save(run.id, { epoch: 2, step: 100, kind: 'samples', grid: set.samples });
        store.runs.markFinished(run.id, 'completed', '');
        ids[key] = run.id;
      }
    } finally {
      store.close();
    }
    workbench = await startWorkbench({ dbPath });
    rpc = await openRpc(workbench.wsUrl);
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, LARGE));
    app = await new AppShell(page).open(workbench.url);
  });
  after(async () => {
    await browser?.close();
    await rpc?.close();
    await workbench?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  step('a square RGB run shows its reconstructions and samples in colour, crisp, pixel for pixel', async () => {
    const view = await app.gotoRun(ids.square);
    await view.waitForImages();
    await expectDrawn(view, '[data-testid="recon-grid"]', grids.square.reconstruction, true);
    await expectDrawn(view, '[data-testid="samples-grid"]', grids.square.samples, false);
    await shootBoth(view, 'run-square');
  });

  step('a non-square RGB run keeps its cells 24 high and 40 wide', async () => {
    const view = await app.gotoRun(ids.wide);
    await view.waitForImages();
    await expectDrawn(view, '[data-testid="recon-grid"]', grids.wide.reconstruction, true);
    await expectDrawn(view, '[data-testid="samples-grid"]', grids.wide.samples, false);
    await shootBoth(view, 'run-wide');
  });

  step('a grayscale run looks as it always has: gray bytes, r = g = b', async () => {
    const view = await app.gotoRun(ids.gray);
    await view.waitForImages();
    await expectDrawn(view, '[data-testid="recon-grid"]', grids.gray.reconstruction, true);
    await expectDrawn(view, '[data-testid="samples-grid"]', grids.gray.samples, false);
  });

  step('the timeline: the contract lists both logged steps and returns the older grid in colour', async () => {
    const detail = await rpc.call('getRun', { runId: ids.square });
    assert.ok(detail.ok, JSON.stringify(detail));
    const value = detail.value as { imageSteps: Record<string, number[]>; images: { kind: string; grid: ImageGrid }[] };
    assert.deepEqual(value.imageSteps.samples, [50, 100]);
    assert.equal(value.images.find((i) => i.kind === 'samples')!.grid.channels, 3);
    const older = await rpc.call('getImage', { runId: ids.square, kind: 'samples', step: 50 });
    assert.ok(older.ok, JSON.stringify(older));
    const grid = (older.value as { grid: ImageGrid }).grid;
    assert.equal(grid.channels, 3);
    assert.deepEqual(new Uint8Array(grid.pixels), grids.square.older.pixels);
    const gray = await rpc.call('getImage', { runId: ids.gray, kind: 'samples', step: 100 });
    assert.ok(gray.ok && !('channels' in (gray.value as { grid: ImageGrid }).grid), 'grayscale grids carry no channels');
    assert.deepEqual(problems, []);
  });

  step("Compare (stub backend with colour models): originals and each run's reconstructions in colour, crisp", async () => {
    const config = withImages(presetConfig('quick', { 'model.latentDim': 2 }), H, W, 3);
    const runs: RunRecord[] = [1, 2].map((id) => stubRun(id, { config, name: `colour run ${id}` }));
    const stub = stubClientScript({ appInfo: stubAppInfo('browser'), runs, historySteps: { 1: 400, 2: 400 } });
    // A page of its own: the stub answers for the backend there, with its own runs 1 and 2.
    const stubbed = await openPage(browser, LARGE, { initScripts: [stub, colourModelsScript(H, W)] });
    problems = stubbed.problems;
    await stubbed.page.goto(`${workbench.url}#/compare/1,2`);
    compare = new ComparePage(stubbed.page);
    await compare.waitForRuns([1, 2]);
    await compare.waitForAttr('compare-recon', 'data-rows', '2');
    // The originals: run 1's first ten images in a row, as encodeImages returned them.
    const originals = colourGrid(1, 10, H, W, 0);
    await expectDrawn(compare, '[data-testid="compare-recon"] > .strip:nth-child(2)', originals, false);
    await expectDrawn(compare, '[data-testid="compare-recon-row-2"]', colourGrid(1, 10, H, W, 2), false);
    await compare.byTestId('compare-recon').scrollIntoViewIfNeeded();
    await shootBoth(compare, 'compare');
    assert.deepEqual(problems, []);
  });

  step('the latent explorer: manifold, decoder, scatter hover and interpolation in colour, cells 24 x 40', async () => {
    const app = new AppShell(compare.page);
    const explorer = await app.gotoLatent(1);
    await explorer.waitForManifold();
    await explorer.waitForScatterPoints();
    await explorer.page.locator('[data-testid="latent-decoded"] canvas').waitFor();
    // decodeLatents answers run 1 with shift 1: cell i has palette colour i + 1.
    const manifold = await explorer.readCanvas('[data-testid="manifold-grid"]', [[Math.floor(W / 2), Math.floor(H / 2)]]);
    assert.deepEqual(manifold.pixels, [[...cellColour(0, H / 2, W / 2, H, W, 1), 255]]);
    // 20 cells of 40 pixels are wider than the panel: shown smaller, smoothed; enlarged, hard-edged.
    assert.equal(manifold.rendering, manifold.cssWidth < manifold.width ? 'auto' : 'pixelated');
    const decoded = await explorer.readCanvas('[data-testid="latent-decoded"]', [[Math.floor(W / 2), Math.floor(H / 2)]]);
    assert.deepEqual([decoded.width, decoded.height], [W, H]);
    assert.ok(Math.abs(decoded.cssHeight / decoded.cssWidth - H / W) < 0.02, 'the decoded image keeps its aspect');
    const hit = await explorer.hoverSomePoint();
    await explorer.scatterTooltip.waitFor();
    const tip = await explorer.readCanvas('[data-testid="scatter-tooltip"]', [[Math.floor(W / 2), Math.floor(H / 2)]]);
    const i = Number(hit.index);
    assert.deepEqual(
      tip.pixels,
      [[...cellColour(i, Math.floor(H / 2), Math.floor(W / 2), H, W, 0), 255]],
      `the tooltip shows image ${i}`,
    );
    await explorer.shoot('colour-latent-hover-1280');
    await explorer.page.mouse.click(hit.x, hit.y);
    await explorer.setA();
    const other = await explorer.hoverSomePoint(0.75, 0.3, hit, 150);
    await explorer.page.mouse.click(other.x, other.y);
    await explorer.setB();
    await explorer.waitForInterpolation();
    await shootBoth(compare, 'latent');
    assert.deepEqual(problems, []);
  });
});
