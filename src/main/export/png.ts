// An export's image grids as PNG files, written and read with sharp (libvips over libpng): 8-bit
// grayscale for one-channel grids, 8-bit RGB for colour ones, as the grid's bytes already are.

import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { gridChannels } from '../../shared/image-grid.ts';
import type { ImageGrid } from '../../shared/training.ts';

export interface RasterImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Row-major, `channels` interleaved bytes a pixel. */
  pixels: Uint8Array;
}

/**
 * The most pixels a PNG may have for this module to decode it: 16 Mpx, well past an export's
 * largest grid (64 images of 256x256). A PNG's image data is deflated and can inflate a thousandfold,
 * so its size is judged from IHDR (sharp's metadata reads only the header) before it is decoded.
 */
export const MAX_PNG_PIXELS = 16 * 1024 * 1024;

export async function encodePng(image: RasterImage): Promise<Uint8Array> {
  const { width, height, channels, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`PNG size must be positive whole numbers, got ${width}x${height}`);
  if (pixels.length !== width * height * channels)
    throw new Error(`PNG of ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${pixels.length}`);
  // Without 'b-w', libvips writes a one-channel image as RGB.
  return sharp(pixels, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Width, height and channels from the header alone; throws saying what is wrong with a file that is not a PNG. */
export async function pngInfo(bytes: Uint8Array): Promise<{ width: number; height: number; channels: number }> {
  let meta: Metadata;
  try {
    // No pixel limit here: the header is all that is read, and the caller judges the size.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new Error(`not a readable image: ${(e as Error).message}`, { cause: e });
  }
  if (meta.format !== 'png') throw new Error(`not a PNG file (${meta.format} data)`);
  return { width: meta.width, height: meta.height, channels: meta.channels };
}

/**
 * Decodes an 8-bit grayscale or RGB PNG (any row filters, as image editors write them); throws an
 * Error saying what is wrong with any other file, a damaged one, or one larger than `maxPixels`.
 */
export async function decodePng(bytes: Uint8Array, maxPixels = MAX_PNG_PIXELS): Promise<RasterImage> {
  const { width, height, channels } = await pngInfo(bytes);
  if (width * height > maxPixels)
    throw new Error(`PNG is ${width}x${height} pixels (IHDR), more than the ${maxPixels} pixels an image may have here`);
  if (channels !== 1 && channels !== 3)
    throw new Error(`PNG must be 8-bit grayscale or RGB without alpha, but it has ${channels} channels`);
  let data: Buffer;
  let info: OutputInfo;
  try {
    // failOn 'warning': a damaged file is refused, not decoded as far as it goes. libpng inflates
    // only the rows IHDR declares, so image data that runs on past them is never inflated.
    ({ data, info } = await sharp(bytes, { failOn: 'warning', limitInputPixels: maxPixels })
      .toColourspace(channels === 1 ? 'b-w' : 'srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }));
  } catch (e) {
    throw new Error(`PNG cannot be decoded: ${(e as Error).message}`, { cause: e });
  }
  if (info.channels !== channels || data.length !== width * height * channels)
    throw new Error(`PNG decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${channels}`);
  return { width, height, channels, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** An image grid's bytes are already laid out as one picture, row-major over cells. */
export function gridToImage(grid: ImageGrid): RasterImage {
  return { width: grid.cols * grid.width, height: grid.rows * grid.height, channels: gridChannels(grid), pixels: grid.pixels };
}
