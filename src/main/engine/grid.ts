import type { ImageGrid } from '../../shared/training.ts';

/**
 * Tiles images (pixel values 0..1, `height*width*channels` each, channels interleaved; null leaves
 * a blank cell) into one byte grid, row-major over cells, channels kept interleaved (HWC). Bytes
 * rather than floats: previews cross threads and land in the database, and 8 bits are all a screen
 * shows. A grayscale grid carries no `channels` field, exactly as before colour existed.
 */
export function imageGrid(
  images: (Float32Array | null)[],
  rows: number,
  cols: number,
  height: number,
  width: number,
  channels: 1 | 3 = 1,
): ImageGrid {
  const pixels = new Uint8Array(rows * cols * height * width * channels);
  const rowValues = width * channels;
  const gridRowStride = cols * rowValues;
  images.slice(0, rows * cols).forEach((img, cell) => {
    if (!img) return;
    const top = Math.floor(cell / cols) * height;
    const left = (cell % cols) * rowValues;
    for (let y = 0; y < height; y++) {
      const out = (top + y) * gridRowStride + left;
      const from = y * rowValues;
      for (let x = 0; x < rowValues; x++) {
        const v = img[from + x]!;
        pixels[out + x] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      }
    }
  });
  return channels === 3 ? { rows, cols, height, width, channels, pixels } : { rows, cols, height, width, pixels };
}
