// Single images out of an ImageGrid mosaic: the tooltip, the decoded point and the interpolation's
// two originals each draw one cell of a grid that holds many.

import { gridChannels, withChannels } from '../../../../shared/image-grid.ts';
import type { ImageGrid } from '../../../../shared/training.ts';

/** Cell `index` (row-major) of `grid`, as a 1 x 1 grid with the same channels; null when out of range. */
export function cellOf(grid: ImageGrid, index: number): ImageGrid | null {
  const { rows, cols, height: h, width: w } = grid;
  if (!Number.isInteger(index) || index < 0 || index >= rows * cols) return null;
  const channels = gridChannels(grid);
  const line = w * channels;
  const cell = h * line;
  if (cols === 1)
    return withChannels(
      { rows: 1, cols: 1, height: h, width: w, pixels: grid.pixels.subarray(index * cell, (index + 1) * cell) },
      channels,
    );
  // Wider mosaics interleave cells row by row: copy the cell's rows out.
  const r = Math.floor(index / cols);
  const c = index % cols;
  const pixels = new Uint8Array(cell);
  for (let y = 0; y < h; y++) {
    const src = (r * h + y) * cols * line + c * line;
    pixels.set(grid.pixels.subarray(src, src + line), y * line);
  }
  return withChannels({ rows: 1, cols: 1, height: h, width: w, pixels }, channels);
}
