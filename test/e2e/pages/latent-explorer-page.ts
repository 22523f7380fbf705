// The latent explorer: sliders and the decoded image, the decoded manifold, the scatter of held-out
// encodings (hover, click), interpolation between two images, and the checkpoint slider with play.
import type { Locator } from 'playwright-core';
import { BasePage, waitUntil, type PageGlobals } from './base-page.ts';
import { HANG_GUARD_MS } from '../harness.ts';

export interface SliderMove {
  /** Input event to new pixels, measured inside the page. */
  measured: number;
  /** What the view reports about itself (data-latency-ms). */
  reported: number;
  /** The decoded image as a data URL. */
  image: string;
}

export class LatentExplorerPage extends BasePage {
  readonly scatter = this.byTestId('latent-scatter');
  readonly scatterTooltip = this.byTestId('scatter-tooltip');
  readonly scatterProblem = this.byTestId('scatter-problem');
  readonly manifold = this.byTestId('manifold-grid');
  readonly decodedCanvas = this.page.locator('[data-testid="latent-decoded"] canvas');
  readonly epochSlider = this.byTestId('epoch-slider');
  readonly checkpointLabel = this.byTestId('checkpoint-label');
  readonly bestCheckpointButton = this.byTestId('checkpoint-best');
  readonly lastCheckpointButton = this.byTestId('checkpoint-last');
  readonly noCheckpoint = this.byTestId('no-checkpoint');
  readonly sliders = this.page.locator('[data-testid^="latent-slider-"]');

  root(runId?: number): Locator {
    return this.page.locator(
      runId === undefined ? '[data-testid="latent-view"]' : `[data-testid="latent-view"][data-run-id="${runId}"]`,
    );
  }

  slider(d: number): Locator {
    return this.byTestId(`latent-slider-${d}`);
  }

  /** Waits until the manifold has been decoded at least once. */
  waitForManifold(timeout = HANG_GUARD_MS): Promise<string | null> {
    return waitUntil(
      'a decoded manifold (data-decode-ms)',
      () => this.readAttr('manifold-grid', 'data-decode-ms'),
      (v) => !!v,
      timeout,
    );
  }

  waitForScatterPoints(timeout = HANG_GUARD_MS): Promise<number> {
    return this.waitForAtLeast('latent-scatter', 'data-points', 1, timeout);
  }

  async setManifoldRange(range: string): Promise<void> {
    await this.byTestId('manifold-range').fill(range);
    await this.page.locator(`[data-testid="manifold-grid"][data-range="${range}"]`).waitFor();
  }

  /**
   * Sets slider `d` to `value` as a drag does (an input event) and resolves when the decoded image
   * has been redrawn, with the time from input to new pixels measured inside the page.
   */
  moveSlider(d: number, value: number): Promise<SliderMove> {
    return this.page.evaluate(
      ([dim, v]) => {
        const g = globalThis as unknown as PageGlobals;
        const slider = g.document.querySelector(`[data-testid="latent-slider-${dim}"]`)!;
        const holder = g.document.querySelector('[data-testid="latent-decoded"]')!;
        const before = holder.dataset.drawn;
        return new Promise<SliderMove>((resolve) => {
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
   * Moves the pointer over the scatter in widening rings around (fx, fy) (fractions of its box)
   * until a point at least `apart` pixels from `away` is under it.
   */
  async hoverSomePoint(
    fx = 0.5,
    fy = 0.5,
    away: { x: number; y: number } | null = null,
    apart = 0,
  ): Promise<{ x: number; y: number; index: string }> {
    const box = await this.scatter.boundingBox();
    if (!box) throw new Error('the scatter has no box');
    const cx = box.x + box.width * fx;
    const cy = box.y + box.height * fy;
    for (let ring = 0; ring < 20; ring++) {
      for (let k = 0; k < 8; k++) {
        const angle = (k / 8) * 2 * Math.PI + ring;
        const x = cx + Math.cos(angle) * ring * 12;
        const y = cy + Math.sin(angle) * ring * 12;
        if (away && Math.hypot(x - away.x, y - away.y) < apart) continue;
        await this.page.mouse.move(x, y);
        const index = await this.attr('latent-scatter', 'data-hovered');
        if (index) return { x, y, index };
      }
    }
    throw new Error('no scatter point found under the pointer');
  }

  async setA(): Promise<void> {
    await this.byTestId('set-a').click();
  }

  async setB(): Promise<void> {
    await this.byTestId('set-b').click();
  }

  async waitForInterpolation(frames = 10): Promise<void> {
    await this.page.locator(`[data-testid="interp-strip"][data-frames="${frames}"]`).waitFor();
  }

  async interpolation(kind: 'Linear' | 'Spherical'): Promise<void> {
    await this.byTestId('interp-kind').getByText(kind).click();
  }

  async resetToEncoded(): Promise<void> {
    await this.byTestId('reset-encoded').click();
  }

  /** Drags the checkpoint slider to `index` (an input event, as a drag sends). */
  async scrubTo(index: number): Promise<void> {
    await this.page.evaluate((i) => {
      const g = globalThis as unknown as PageGlobals;
      const slider = g.document.querySelector('[data-testid="epoch-slider"]')!;
      slider.value = String(i);
      slider.dispatchEvent(new g.Event('input', { bubbles: true }));
    }, index);
  }

  async play(): Promise<void> {
    await this.byTestId('epoch-play').click();
  }

  async waitForPlayStopped(): Promise<void> {
    await this.page.locator('[data-testid="epoch-play"][aria-label^="Play"]').waitFor();
  }

  scatterStep(): Promise<number> {
    return this.numberAttr('latent-scatter', 'data-step');
  }

  scatterMode(): Locator {
    return this.byTestId('scatter-mode').locator('[aria-pressed="true"]');
  }

  /** "Generate this digit": picks a conditional VAE's label and waits for the manifold decoded with it. */
  async pickLabel(label: number): Promise<void> {
    await this.byTestId(`label-picker-${label}`).click();
    await this.page.locator(`[data-testid="label-picker"][data-label="${label}"]`).waitFor();
    await this.page.locator(`[data-testid="manifold-grid"][data-label="${label}"]`).waitFor();
  }

  /** The decoded image as a data URL, once it has been drawn at least `after` times. */
  async decodedImage(after = 1): Promise<string> {
    await this.waitForAtLeast('latent-decoded', 'data-drawn', after);
    return this.decodedCanvas.evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
  }

  async chooseGridDimension(axis: 'x' | 'y', dim: number): Promise<void> {
    await this.byTestId(`dim-${axis}`).selectOption(String(dim));
  }
}
