// Brushes from the parallel-coordinates plot: ranges on value keys (settings and metrics, see
// src/shared/run-values.ts) that a run must fall in to be shown. They filter runs everywhere the
// user looks (the Runs table, Compare, a sweep's analysis), so the plot is a way of asking "which
// runs are these?" and seeing them in every view at once.

import { SvelteMap } from 'svelte/reactivity';
import { runValue } from '../../../../shared/run-values.ts';
import type { RunRecord } from '../../../../shared/training.ts';
import { parseBrushes, serializeBrushes, type BrushRange } from '../brush-range.ts';

export type { BrushRange };

const STORAGE_KEY = 'vae-workbench.brushes.v1';

function readStored(): [string, BrushRange][] {
  try {
    return parseBrushes(globalThis.localStorage?.getItem(STORAGE_KEY) ?? null);
  } catch {
    // Storage disabled: nothing is remembered.
    return [];
  }
}

class Brush {
  /** Remembered across reloads, so a brushed view comes back as it was left. */
  readonly ranges = new SvelteMap<string, BrushRange>(readStored());

  private save(): void {
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, serializeBrushes(this.ranges));
    } catch {
      // Storage full or disabled: the brushes still work for this page's life.
    }
  }

  get active(): boolean {
    return this.ranges.size > 0;
  }

  set(key: string, range: BrushRange | null): void {
    if (range === null) this.ranges.delete(key);
    else this.ranges.set(key, range);
    this.save();
  }

  clear(): void {
    this.ranges.clear();
    this.save();
  }

  /** True when the run is inside every brush; a run without a value for a brushed key is outside. */
  passes(run: RunRecord): boolean {
    for (const [key, range] of this.ranges) {
      const v = runValue(run, key);
      if (v === null) return false;
      if (range.kind === 'range') {
        if (typeof v !== 'number' || v < range.lo || v > range.hi) return false;
      } else if (!range.values.includes(String(v))) return false;
    }
    return true;
  }
}

export const brush = new Brush();
