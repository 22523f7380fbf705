// Which runs the image panels (reconstructions, decoded points, KL bars) show. Each run there is a
// row or a panel of images: six are comparable at a glance, fifty would be a wall of thumbnails. So
// with many runs the panels show a page of them, and with groups one run per group (its first),
// a page of groups at a time.

import type { CompareGroup, CompareRun } from './compare-run.ts';

export const IMAGE_PAGE = 6;

export interface ImagePage {
  label: string;
  runs: CompareRun[];
}

/** The pages to pick from; a single page when everything fits. */
export function imagePages(runs: readonly CompareRun[], groups: readonly CompareGroup[] | null, size = IMAGE_PAGE): ImagePage[] {
  const candidates = groups ? groups.flatMap((g) => (g.runs[0] ? [g.runs[0]] : [])) : [...runs];
  const noun = groups ? 'Groups' : 'Runs';
  const pages: ImagePage[] = [];
  for (let i = 0; i < candidates.length; i += size) {
    const slice = candidates.slice(i, i + size);
    const label =
      candidates.length <= size
        ? `All ${candidates.length} ${noun.toLowerCase()}`
        : `${noun} ${i + 1}–${i + slice.length} of ${candidates.length}`;
    pages.push({ label, runs: slice });
  }
  return pages;
}

/**
 * Points of history fetched per run: the chart decimates to its width anyway, and fifty runs at
 * 2,000 points each would be slow to fetch and to plot, so the budget is shared.
 */
export function historyPoints(runCount: number): number {
  return Math.max(150, Math.min(2000, Math.round(40_000 / Math.max(1, runCount))));
}
