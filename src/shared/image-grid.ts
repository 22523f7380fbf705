// What makes an ImageGrid well formed, in one place: the store checks a grid before saving it, the
// renderer before drawing it, import before storing it. A grid's channel count is not stored: it is
// read from `channels` (absent = 1) and, for stored bytes, derived from their count.

import type { ImageGrid } from './training.ts';

type GridShape = Pick<ImageGrid, 'rows' | 'cols' | 'height' | 'width' | 'channels'>;

/** 1 (grayscale) or 3 (RGB, interleaved); grids made before colour existed have no `channels`. */
export function gridChannels(grid: Pick<ImageGrid, 'channels'>): 1 | 3 {
  return grid.channels === 3 ? 3 : 1;
}

/** Bytes the grid's pixels must have: rows * cols * height * width * channels. */
export function gridByteLength(grid: GridShape): number {
  return grid.rows * grid.cols * grid.height * grid.width * gridChannels(grid);
}

/**
 * The channel count a grid of this shape has when its pixels are `byteLength` bytes: 1 or 3, or
 * null when the bytes fit neither.
 */
export function channelsFromByteLength(grid: Omit<GridShape, 'channels'>, byteLength: number): 1 | 3 | null {
  const plane = grid.rows * grid.cols * grid.height * grid.width;
  return byteLength === plane ? 1 : byteLength === plane * 3 ? 3 : null;
}

/** `grid` with `channels` set only for colour, so a grayscale grid is what it always was. */
export function withChannels<T extends Omit<ImageGrid, 'channels'>>(grid: T, channels: 1 | 3): T & Pick<ImageGrid, 'channels'> {
  return channels === 3 ? { ...grid, channels: 3 } : grid;
}

/**
 * What is wrong with `grid`, naming the field, or null when it is well formed: positive whole
 * dimensions, channels 1, 3 or absent, and exactly rows*cols*height*width*channels bytes.
 */
export function imageGridProblem(grid: unknown): { field: string; message: string } | null {
  if (!grid || typeof grid !== 'object') return { field: 'grid', message: 'Image grid must be an object.' };
  const g = grid as Record<string, unknown>;
  for (const name of ['rows', 'cols', 'height', 'width']) {
    const v = g[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      return { field: name, message: `Image grid ${name} must be a positive integer.` };
  }
  if (g.channels !== undefined && g.channels !== 1 && g.channels !== 3)
    return { field: 'channels', message: `Image grid channels must be 1 or 3, not ${JSON.stringify(g.channels)}.` };
  const shape = g as unknown as ImageGrid;
  const { rows, cols, height, width } = shape;
  const channels = gridChannels(shape);
  const bytes = gridByteLength(shape);
  if (!(g.pixels instanceof Uint8Array) || g.pixels.length !== bytes) {
    const got = g.pixels instanceof Uint8Array ? `${g.pixels.length} bytes` : 'no byte array';
    return {
      field: 'pixels',
      message: `Image grid pixels must be ${rows}x${cols}x${height}x${width}x${channels} = ${bytes} bytes, got ${got}.`,
    };
  }
  return null;
}
