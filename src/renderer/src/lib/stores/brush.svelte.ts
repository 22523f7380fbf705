// Brushes from the parallel-coordinates plot: ranges on value keys (settings and metrics, see
// src/shared/run-values.ts) that a run must fall in to be shown. They filter runs everywhere the
// user looks (the Runs table, Compare, a sweep's analysis), so the plot is a way of asking "which
// runs are these?" and seeing them in every view at once.

import { SvelteMap } from 'svelte/reactivity';
import { runValue } from '../../../../shared/run-values.ts';
import type { RunRecord } from '../../../../shared/training.ts';

/** An inclusive range on a numeric key, or the set of text values kept on a categorical one. */
export type BrushRange = { kind: 'range'; lo: number; hi: number } | { kind: 'values'; values: string[] };

const STORAGE_KEY = 'vae-workbench.brushes.v1';

/** Brushes as stored, checked field by field: storage is written by older builds and by hand. */
function readStored(): [string, BrushRange][] {
  try {
    const parsed: unknown = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter((entry): entry is [string, BrushRange] => {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') return false;
      const r = entry[1] as Partial<BrushRange> | null;
      if (r?.kind === 'range') return Number.isFinite(r.lo) && Number.isFinite(r.hi);
      return r?.kind === 'values' && Array.isArray(r.values) && r.values.every((v) => typeof v === 'string');
    });
  } catch {
    return [];
  }
}

class Brush {
  /** Remembered across reloads, so a brushed view comes back as it was left. */
  readonly ranges = new SvelteMap<string, BrushRange>(readStored());

  private save(): void {
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify([...this.ranges]));
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
