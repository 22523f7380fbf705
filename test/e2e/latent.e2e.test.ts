// The latent explorer end to end against the real browser-mode server: two short runs trained over
// the contract (a 2-D and an 8-D latent space), then, in Chromium, the decoded manifold and its
// time, live slider decoding and its end-to-end latency, the scatter with hover and click, the
// interpolation strip, scrubbing through checkpoints, the many-slider layout with PCA, and a live
// run that has no checkpoint yet picking up its first. Every state is photographed in the light
// and the dark scheme into test-artifacts/latent-*.png for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { LatentEncoding } from '../../src/shared/contract.ts';
import { makeRng } from '../../src/shared/random.ts';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig, tempDir } from '../helpers.ts';
import { launchBrowser, openPage, shootSchemes, startWorkbench } from './harness.ts';
import { openRpc, type RpcSocket } from './ws-rpc.ts';

const VIEWPORT = { width: 1360, height: 900 };
const shoot = (page: Page, name: string, full = true) => shootSchemes(page, `latent-${name}`, VIEWPORT, full);

/** The page's globals, typed by hand (this file is compiled without the DOM's types). */
interface El {
  value: string;
  dataset: Record<string, string | undefined>;
  dispatchEvent(event: unknown): boolean;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  toDataURL(): string;
}
type PageGlobals = {
  document: { querySelector(selector: string): El | null };
  Event: new (type: string, init: { bubbles: boolean }) => unknown;
  MutationObserver: new (cb: () => void) => { observe(target: El, options: { attributes: boolean }): void; disconnect(): void };
  performance: { now(): number };
};

const attr = (page: Page, testid: string, name: string) => page.getByTestId(testid).getAttribute(name);

async function train(rpc: RpcSocket, overrides: Record<string, unknown>): Promise<RunRecord> {
  const started = await rpc.call('startRun', { config: presetConfig('quick', overrides) });
  assert.ok(started.ok, JSON.stringify(started));
  return started.value as RunRecord;
}

const finished = (rpc: RpcSocket, runId: number) =>
  rpc.waitForEvent(
    (e) => e.type === 'training' && e.events.some((x) => x.type === 'status' && x.runId === runId && x.status === 'completed'),
    90_000,
  );

/**
 * Sets slider `d` to `value` as a drag does (an input event) and resolves when the decoded image
 * has been redrawn: the time measured here, inside the page, is input to new pixels, whatever the
 * view reports about itself.
 */
function moveSlider(page: Page, d: number, value: number): Promise<{ measured: number; reported: number; image: string }> {
  return page.evaluate(
    ([dim, v]) => {
      const g = globalThis as unknown as PageGlobals;
      const slider = g.document.querySelector(`[data-testid="latent-slider-${dim}"]`)!;
      const holder = g.document.querySelector('[data-testid="latent-decoded"]')!;
      const before = holder.dataset.drawn;
      return new Promise<{ measured: number; reported: number; image: string }>((resolve) => {
        const observer = new g.MutationObserver(() => {
          if (holder.dataset.drawn === before) return;
          const measured = g.performance.now() - t0;
          observer.disconnect();
          resolve({ measured, reported: Number(holder.dataset.latencyMs), image: holder.querySelector('canvas')!.toDataURL() });
        });
        observer.observe(holder, { attributes: true });
        const t0 = g.performance.now();
        slider.value = String(v);
        slider.dispatchEvent(new g.Event('input', { bubbles: true }));
      });
    },
    [d, value] as const,
  );
}

/**
 * Moves the pointer over the scatter in widening rings around (fx, fy) (fractions of its box) until
 * a point at least `apart` pixels from `away` is under it.
 */
async function hoverSomePoint(
  page: Page,
  fx = 0.5,
  fy = 0.5,
  away: { x: number; y: number } | null = null,
  apart = 0,
): Promise<{ x: number; y: number; index: string }> {
  const box = (await page.getByTestId('latent-scatter').boundingBox())!;
  const cx = box.x + box.width * fx;
  const cy = box.y + box.height * fy;
  for (let ring = 0; ring < 20; ring++) {
    for (let k = 0; k < 8; k++) {
      const angle = (k / 8) * 2 * Math.PI + ring;
      const x = cx + Math.cos(angle) * ring * 12;
      const y = cy + Math.sin(angle) * ring * 12;
      if (away && Math.hypot(x - away.x, y - away.y) < apart) continue;
      await page.mouse.move(x, y);
      const index = await attr(page, 'latent-scatter', 'data-hovered');
      if (index) return { x, y, index };
    }
  }
  throw new Error('no scatter point found under the pointer');
}

/**
 * A small labelled CSV of 28x28 images (a bar whose place depends on the label, and some noise):
 * enough to train on, and a file the test can take away afterwards.
 */
function writeBarsCsv(path: string, count: number): void {
  const rng = makeRng(3);
  const lines = [['label', ...Array.from({ length: 784 }, (_, i) => `${Math.floor(i / 28) + 1}x${(i % 28) + 1}`)].join(',')];
  for (let n = 0; n < count; n++) {
    const label = n % 10;
    const row: number[] = [];
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) row.push(Math.abs(x - (4 + 2 * label)) <= 1 && y > 4 && y < 24 ? 230 : Math.floor(rng() * 40));
    lines.push([label, ...row].join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

test(
  'Latent explorer: manifold, live sliders under 50 ms, scatter hover and click, interpolation, epochs, 8-D with PCA',
  { timeout: 150_000 },
  async (t) => {
    const workbench = await startWorkbench();
    t.after(() => workbench.close());
    const rpc = await openRpc(workbench.wsUrl);
    t.after(() => rpc.close());

    // All 10,000 built-in digits for four epochs: four checkpoints to scrub through, 1,000 held-out
    // images on the scatter, and a manifold that shows digits (about 15 s of training).
    const run2 = await train(rpc, { 'model.latentDim': 2, 'data.limit': 0, 'optim.epochs': 4, 'run.name': 'Digits in 2-D' });
    const run8 = await train(rpc, { 'model.latentDim': 8, 'data.limit': 4000, 'optim.epochs': 3, 'run.name': 'Digits in 8-D' });
    // A 1-D run on a CSV file that is then removed: its encoder has nothing to encode.
    const csv = join(tempDir(t), 'bars.csv');
    writeBarsCsv(csv, 400);
    const run1 = await train(rpc, {
      'model.latentDim': 1,
      'data.source': 'csv',
      'data.path': csv,
      'optim.epochs': 2,
      'run.name': 'Bars on a line',
    });
    await Promise.all([finished(rpc, run2.id), finished(rpc, run8.id), finished(rpc, run1.id)]);
    rmSync(csv);

    const browser = await launchBrowser();
    t.after(() => browser.close());
    const { page, problems } = await openPage(browser, VIEWPORT);

    await page.goto(workbench.url);
    // In from the run view's button.
    await page.goto(`${workbench.base}/#/runs/${run2.id}`);
    await page.locator('[data-testid="run-view"][data-status="completed"]').waitFor();
    const open = page.getByTestId('open-latent');
    await page.waitForFunction(
      () =>
        !(globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } } }).document.querySelector(
          '[data-testid="open-latent"]',
        ).disabled,
    );
    await page.locator('[data-testid="samples-grid"][data-has-image="true"]').waitFor();
    await shoot(page, 'run-view');
    await open.click();
    await page.locator(`[data-testid="latent-view"][data-run-id="${run2.id}"]`).waitFor();
    assert.equal(new URL(page.url()).hash, `#/runs/${run2.id}/latent`);

    // The manifold: 20 x 20 decoded in one call, well under a second from request to screen.
    await page.waitForFunction(
      () =>
        !!(globalThis as unknown as PageGlobals).document
          .querySelector('[data-testid="manifold-grid"]')
          ?.getAttribute('data-decode-ms'),
    );
    assert.equal(await attr(page, 'manifold-grid', 'data-size'), '20');
    // Opening includes starting the latent worker, loading the checkpoint and, for the scatter
    // beside it, the data set: reported, not held to the decode's budget.
    const gridMs = Number(await attr(page, 'manifold-grid', 'data-decode-ms'));
    assert.ok(gridMs > 0, `20x20 manifold shown in ${gridMs} ms on opening`);

    // Scatter of the held-out means, with a tooltip of the image under the pointer.
    await page.waitForFunction(
      () =>
        Number(
          (globalThis as unknown as PageGlobals).document
            .querySelector('[data-testid="latent-scatter"]')
            ?.getAttribute('data-points'),
        ) > 0,
    );
    const points = Number(await attr(page, 'latent-scatter', 'data-points'));
    assert.equal(points, 1000, 'the first 1,000 of the 1,000 held-out images');

    // Once the page has loaded what it loads on opening (the scatter's encoding shares the latent
    // worker), a new range is the same 400 points' worth of decoding, request to screen.
    await page.getByTestId('manifold-range').fill('3');
    await page.locator('[data-testid="manifold-grid"][data-range="3"]').waitFor();
    const regridMs = Number(await attr(page, 'manifold-grid', 'data-decode-ms'));
    assert.ok(regridMs > 0 && regridMs < 1000, `20x20 manifold redrawn in ${regridMs} ms`);

    // Sliders: each move redraws the decoded image, input to pixels under 50 ms.
    await page.locator('[data-testid="latent-decoded"] canvas').waitFor();
    const first = await moveSlider(page, 0, -2);
    const second = await moveSlider(page, 0, 2);
    assert.notEqual(first.image, second.image, 'a different point decodes to a different image');
    const measured: number[] = [];
    const reported: number[] = [];
    for (let i = 0; i < 15; i++) {
      const move = await moveSlider(page, i % 2, Math.round(Math.sin(i) * 300) / 100);
      measured.push(move.measured);
      reported.push(move.reported);
    }
    const under = measured.filter((ms) => ms < 50).length;
    t.diagnostic(
      `slider decode, input to pixels: median ${median(measured).toFixed(1)} ms, max ${Math.max(...measured).toFixed(1)} ms; view reports median ${median(reported).toFixed(1)} ms; 20x20 grid ${gridMs.toFixed(0)} ms on opening, ${regridMs.toFixed(0)} ms redrawn`,
    );
    assert.ok(
      median(measured) < 50,
      `median slider latency ${median(measured)} ms (${measured.map((m) => m.toFixed(0)).join(', ')})`,
    );
    assert.ok(under >= measured.length * 0.8, `${under} of ${measured.length} slider moves under 50 ms`);
    assert.ok(median(reported) < 50, `the view reports a median of ${median(reported)} ms`);

    await page.getByTestId('latent-view').getByText('Latent space').first().waitFor();
    await shoot(page, '2d');

    const hit = await hoverSomePoint(page);
    const tooltip = page.getByTestId('scatter-tooltip');
    await tooltip.waitFor();
    assert.match(await tooltip.innerText(), /label \d/);
    assert.equal(await tooltip.locator('canvas').count(), 1, 'the tooltip shows the image');
    await shoot(page, '2d-hover');

    // Click: the sliders jump to that image's mean (as the encoder gives it over the contract).
    await page.mouse.click(hit.x, hit.y);
    assert.equal(await attr(page, 'latent-scatter', 'data-selected'), hit.index);
    const step = Number(await attr(page, 'latent-scatter', 'data-step'));
    const encoded = await rpc.call('encodeImages', { runId: run2.id, step, count: 1000 });
    assert.ok(encoded.ok);
    const means = (encoded.value as LatentEncoding).means;
    const i = Number(hit.index);
    for (const d of [0, 1]) {
      const slider = Number(await page.getByTestId(`latent-slider-${d}`).inputValue());
      assert.ok(
        Math.abs(slider - Math.max(-4, Math.min(4, means[i * 2 + d]!))) < 0.011,
        `slider ${d} at ${slider}, mean ${means[i * 2 + d]}`,
      );
    }
    await page.getByTestId('set-a').click();

    // Another image as B: the strip decodes ten frames between them.
    // B from another part of the cloud, for a strip that goes somewhere.
    const other = await hoverSomePoint(page, 0.75, 0.3, hit, 150);
    await page.mouse.click(other.x, other.y);
    await page.getByTestId('set-b').click();
    await page.locator('[data-testid="interp-strip"][data-frames="10"]').waitFor();
    await page.getByTestId('interp-kind').getByText('Spherical').click();
    await page.locator('[data-testid="interp-strip"][data-frames="10"]').waitFor();
    await page.getByTestId('reset-encoded').click();
    await page.mouse.move(0, 0);
    await shoot(page, '2d-selected');

    // Scrubbing to the first checkpoint re-encodes the same images there; the axes stay put.
    const latestStep = step;
    const epoch = page.getByTestId('epoch-slider');
    assert.equal(await epoch.inputValue(), '3', 'the newest of four checkpoints is shown first');
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      const slider = g.document.querySelector('[data-testid="epoch-slider"]')!;
      slider.value = '0';
      slider.dispatchEvent(new g.Event('input', { bubbles: true }));
    });
    await page.waitForFunction((s) => {
      const scatter = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="latent-scatter"]');
      return Number(scatter?.getAttribute('data-step')) > 0 && Number(scatter?.getAttribute('data-step')) < s;
    }, latestStep);
    assert.equal(Number(await attr(page, 'latent-scatter', 'data-points')), 1000, 'the same images at every checkpoint');
    await page.getByTestId('checkpoint-label').getByText('epoch 1').waitFor();
    await shoot(page, '2d-epoch1');
    // Play steps through the checkpoints to the newest, and stops there.
    await page.getByTestId('epoch-play').click();
    await page.locator(`[data-testid="latent-scatter"][data-step="${latestStep}"]`).waitFor({ timeout: 20_000 });
    assert.equal(await epoch.inputValue(), '3');
    await page.locator('[data-testid="epoch-play"][aria-label^="Play"]').waitFor();

    // Eight dimensions: eight sliders, PCA axes by default, grid dimensions picked from two selects.
    await page.goto(`${workbench.base}/#/runs/${run8.id}/latent`);
    await page.locator(`[data-testid="latent-view"][data-latent-dim="8"]`).waitFor();
    assert.equal(await page.locator('[data-testid^="latent-slider-"]').count(), 8);
    assert.equal(await page.getByTestId('scatter-mode').locator('[aria-pressed="true"]').innerText(), 'PCA');
    await page.waitForFunction(
      () =>
        Number(
          (globalThis as unknown as PageGlobals).document
            .querySelector('[data-testid="latent-scatter"]')
            ?.getAttribute('data-points'),
        ) > 0,
    );
    await page.getByTestId('dim-y').selectOption('3');
    await page.waitForFunction(
      () =>
        !!(globalThis as unknown as PageGlobals).document
          .querySelector('[data-testid="manifold-grid"]')
          ?.getAttribute('data-decode-ms'),
    );
    await page.locator('[data-testid="interp-strip"][data-frames="10"]').waitFor();
    await shoot(page, '8d-pca');

    // One dimension, data file gone: the scatter says why it is missing; the decoder and the 1-D
    // manifold still work.
    await page.goto(`${workbench.base}/#/runs/${run1.id}/latent`);
    await page.locator(`[data-testid="latent-view"][data-latent-dim="1"]`).waitFor();
    await page
      .getByTestId('scatter-problem')
      .getByText(/not found|no longer/)
      .waitFor();
    await page.locator('[data-testid="manifold-grid"][data-size="20"]').waitFor();
    await moveSlider(page, 0, 1.5);
    assert.equal(await page.locator('[data-testid^="latent-slider-"]').count(), 1);
    await shoot(page, '1d-no-data');

    // A run without a checkpoint yet says so, and picks up its first one live.
    const slow = await train(rpc, {
      'model.latentDim': 4,
      'data.limit': 5000,
      'optim.epochs': 5,
      'optim.batchSize': 2,
      'run.name': 'Latent live',
    });
    await page.goto(`${workbench.base}/#/runs/${slow.id}/latent`);
    await page.getByTestId('no-checkpoint').waitFor();
    await shoot(page, 'no-checkpoint');
    // Stopping saves a checkpoint: the explorer opens on it without a reload.
    const stopped = await rpc.call('stopRun', { runId: slow.id });
    assert.ok(stopped.ok, JSON.stringify(stopped));
    await page.waitForFunction(
      () =>
        Number(
          (globalThis as unknown as PageGlobals).document
            .querySelector('[data-testid="latent-scatter"]')
            ?.getAttribute('data-points'),
        ) > 0,
      undefined,
      { timeout: 30_000 },
    );
    assert.equal(await page.getByTestId('no-checkpoint').count(), 0);

    assert.deepEqual(problems, []);
  },
);
