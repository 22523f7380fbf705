// What every screen's page object shares: its Playwright page, lookups by test id, waits that say
// what they waited for, and the light and dark screenshots.
import type { Locator, Page } from 'playwright-core';
import { HANG_GUARD_MS, shootSchemes } from '../harness.ts';

export const VIEWPORT = { width: 1360, height: 900 };

/**
 * Polls `read` until `accept` holds and returns the value. The timeout only guards against a hang;
 * its error says what was awaited and what was last seen.
 */
export async function waitUntil<T>(
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeout = HANG_GUARD_MS,
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeout / 1000} s for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The page's globals, typed by hand (the tests compile without the DOM's types); page functions take no closures. */
export interface PageElement {
  value: string;
  disabled: boolean;
  dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): PageElement | null;
  dispatchEvent(event: unknown): boolean;
  toDataURL(): string;
}
export interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null };
  Event: new (type: string, init: { bubbles: boolean }) => unknown;
  MutationObserver: new (cb: () => void) => {
    observe(target: PageElement, options: { attributes: boolean }): void;
    disconnect(): void;
  };
  performance: { now(): number };
}

/** A drawn image grid's canvas: its bitmap size, its size on screen, how it is scaled and sampled pixels. */
export interface CanvasReading {
  width: number;
  height: number;
  cssWidth: number;
  cssHeight: number;
  /** The computed `image-rendering`: 'pixelated' keeps enlarged pixels hard-edged. */
  rendering: string;
  /** RGBA of the bitmap at each asked point, in order. */
  pixels: number[][];
}

export abstract class BasePage {
  constructor(readonly page: Page) {}

  byTestId(testid: string): Locator {
    return this.page.getByTestId(testid);
  }

  attr(testid: string, name: string): Promise<string | null> {
    return this.byTestId(testid).getAttribute(name);
  }

  async numberAttr(testid: string, name: string): Promise<number> {
    return Number(await this.attr(testid, name));
  }

  /** The attribute now, or null when the element is not there (no waiting). */
  readAttr(testid: string, name: string): Promise<string | null> {
    return this.page.evaluate(
      ([id, n]) =>
        (globalThis as unknown as PageGlobals).document.querySelector(`[data-testid="${id}"]`)?.getAttribute(n) ?? null,
      [testid, name] as const,
    );
  }

  /** Waits until `[data-testid=testid]`'s attribute `name` is `value`. */
  waitForAttr(testid: string, name: string, value: string, timeout = HANG_GUARD_MS): Promise<string | null> {
    return waitUntil(
      `${testid} ${name}="${value}"`,
      () => this.readAttr(testid, name),
      (v) => v === value,
      timeout,
    );
  }

  /** Waits until the attribute, read as a number, is at least `min`. */
  waitForAtLeast(testid: string, name: string, min: number, timeout = HANG_GUARD_MS): Promise<number> {
    return waitUntil(
      `${testid} ${name} >= ${min}`,
      async () => Number(await this.readAttr(testid, name)),
      (v) => v >= min,
      timeout,
    );
  }

  /** The first canvas inside `selector`, read back from its bitmap at `points` (bitmap coordinates). */
  readCanvas(selector: string, points: [number, number][]): Promise<CanvasReading> {
    return this.page.evaluate(
      ([sel, pts]) => {
        interface CanvasLike {
          width: number;
          height: number;
          getBoundingClientRect(): { width: number; height: number };
          getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
        }
        const g = globalThis as unknown as {
          document: { querySelector(s: string): CanvasLike | null };
          getComputedStyle(el: CanvasLike): { imageRendering: string };
        };
        const canvas = g.document.querySelector(`${sel} canvas`);
        if (!canvas) throw new Error(`no canvas in ${sel}`);
        const box = canvas.getBoundingClientRect();
        const ctx = canvas.getContext('2d');
        return {
          width: canvas.width,
          height: canvas.height,
          cssWidth: box.width,
          cssHeight: box.height,
          rendering: g.getComputedStyle(canvas).imageRendering,
          pixels: pts.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data)),
        };
      },
      [selector, points] as const,
    );
  }

  /**
   * How much of the first canvas inside `selector` is in colour: the share of its pixels whose
   * channels differ by more than `spread` (a grey image has none), and whether any differ at all.
   */
  colourShare(selector: string, spread = 24): Promise<{ share: number; anyColour: boolean }> {
    return this.page.evaluate(
      ([sel, gap]) => {
        interface CanvasLike {
          width: number;
          height: number;
          getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
        }
        const g = globalThis as unknown as { document: { querySelector(s: string): CanvasLike | null } };
        const canvas = g.document.querySelector(`${sel} canvas`);
        if (!canvas) throw new Error(`no canvas in ${sel}`);
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let coloured = 0;
        let anyColour = false;
        for (let i = 0; i < data.length; i += 4) {
          const [r, gr, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          const d = Math.max(r, gr, b) - Math.min(r, gr, b);
          if (d > gap) coloured++;
          if (d > 0) anyColour = true;
        }
        return { share: coloured / (data.length / 4), anyColour };
      },
      [selector, spread] as const,
    );
  }

  /** Light and dark screenshots into test-artifacts/NAME-SCHEME.png (`full`: the whole content pane). */
  shoot(name: string, full = false): Promise<void> {
    const size = this.page.viewportSize() ?? VIEWPORT;
    return shootSchemes(this.page, name, size, full);
  }
}
