import type { ImageGrid } from '../../shared/training.ts';

/**
 * Tiles images (pixel values 0..1, `height*width` each; null leaves a blank cell) into one
 * grayscale byte grid, row-major over cells. Bytes rather than floats: previews cross threads and
 * land in the database, and 8 bits are all a screen shows.
 */
export function imageGrid(images: (Float32Array | null)[], rows: number, cols: number, height: number, width: number): ImageGrid {
  const pixels = new Uint8Array(rows * cols * height * width);
  const rowStride = cols * width;
  images.slice(0, rows * cols).forEach((img, cell) => {
    if (!img) return;
    const top = Math.floor(cell / cols) * height;
    const left = (cell % cols) * width;
    for (let y = 0; y < height; y++) {
      const out = (top + y) * rowStride + left;
      for (let x = 0; x < width; x++) {
        const v = img[y * width + x]!;
        pixels[out + x] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      }
    }
  });
  return { rows, cols, height, width, pixels };
}
