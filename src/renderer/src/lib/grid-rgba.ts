// Turns an ImageGrid (one mosaic of rows*cols cells of height*width pixels, grayscale or RGB) into
// RGBA bytes for a canvas, with transparent gaps between cells so the page background separates them.

import { gridChannels, imageGridProblem } from '../../../shared/image-grid.ts';
import type { ImageGrid } from '../../../shared/training.ts';

export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray<ArrayBuffer>;
}

export interface GridLayout {
  /** Transparent pixels between neighbouring cells. */
  gap: number;
  /** Extra gap after every second row: reconstruction grids pair an input row with its reconstruction. */
  pairGap?: number;
}

function rowTop(r: number, h: number, layout: GridLayout): number {
  return r * (h + layout.gap) + Math.floor(r / 2) * (layout.pairGap ?? 0);
}

export function gridToRgba(grid: ImageGrid, layout: GridLayout = { gap: 1 }): RgbaImage {
  const problem = imageGridProblem(grid);
  if (problem) throw new RangeError(problem.message);
  const { rows, cols, height: h, width: w, pixels } = grid;
  const channels = gridChannels(grid);
  const width = cols * w + Math.max(0, cols - 1) * layout.gap;
  const height = rows === 0 ? 0 : rowTop(rows - 1, h, layout) + h;
  const data = new Uint8ClampedArray(width * height * 4);
  const srcStride = cols * w * channels;
  for (let r = 0; r < rows; r++) {
    const top = rowTop(r, h, layout);
    for (let c = 0; c < cols; c++) {
      const left = c * (w + layout.gap);
      for (let y = 0; y < h; y++) {
        let src = (r * h + y) * srcStride + c * w * channels;
        let dst = ((top + y) * width + left) * 4;
        if (channels === 3) {
          for (let x = 0; x < w; x++, src += 3, dst += 4) {
            data[dst] = pixels[src]!;
            data[dst + 1] = pixels[src + 1]!;
            data[dst + 2] = pixels[src + 2]!;
            data[dst + 3] = 255;
          }
        } else {
          for (let x = 0; x < w; x++, src++, dst += 4) {
            const v = pixels[src]!;
            data[dst] = v;
            data[dst + 1] = v;
            data[dst + 2] = v;
            data[dst + 3] = 255;
          }
        }
      }
    }
  }
  return { width, height, data };
}
