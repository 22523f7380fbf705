// Grayscale 8-bit PNG, written and read by hand: the image grids are already bytes, and an image
// library would be a dependency for the few dozen lines PNG's simplest form needs.
// Reading accepts only what this module writes (8-bit grayscale, not interlaced) but every row
// filter, so a file re-saved by an image editor in the same form still imports.

import { deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_GRAY = 0;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG (and zlib, gzip) define it. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  // The CRC covers the type and the data, not the length.
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface GrayImage {
  width: number;
  height: number;
  /** Row-major, one byte a pixel. */
  pixels: Uint8Array;
}

export function encodePng(image: GrayImage): Uint8Array {
  const { width, height, pixels } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`PNG size must be positive whole numbers, got ${width}x${height}`);
  if (pixels.length !== width * height)
    throw new Error(`PNG of ${width}x${height} needs ${width * height} pixels, got ${pixels.length}`);
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, COLOR_GRAY, 0, 0, 0], 8);
  // Filter type 0 on every row: digit grids are mostly flat black, which deflate handles well anyway.
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  const parts = [
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * The most pixels a PNG may have for this module to inflate it: 16 Mpx, well past an export's
 * largest grid (64 images of 256x256). A PNG's image data is deflated and can inflate a thousandfold,
 * so its size is judged from IHDR, before any of it is inflated.
 */
export const MAX_PNG_PIXELS = 16 * 1024 * 1024;

/** Width and height from IHDR, which the PNG spec puts first; reads nothing else. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b))
    throw new Error('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = SIGNATURE.length;
  if (bytes.length < at + 8 + 13 || new TextDecoder().decode(bytes.subarray(at + 4, at + 8)) !== 'IHDR')
    throw new Error('PNG does not start with an IHDR chunk');
  return { width: view.getUint32(at + 8), height: view.getUint32(at + 12) };
}

/** Decodes an 8-bit grayscale PNG; throws an Error saying what is wrong with any other file. */
export function decodePng(bytes: Uint8Array, maxPixels = MAX_PNG_PIXELS): GrayImage {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b))
    throw new Error('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = SIGNATURE.length;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (offset + 12 > bytes.length) throw new Error('PNG is truncated');
    const length = view.getUint32(offset);
    if (offset + 12 + length > bytes.length) throw new Error('PNG is truncated');
    const type = new TextDecoder().decode(bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length))
      throw new Error(`PNG chunk ${type} has a wrong CRC (the file is damaged)`);
    if (type === 'IHDR') {
      const hv = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = hv.getUint32(0);
      height = hv.getUint32(4);
      const [depth, color, , , interlace] = data.subarray(8, 13);
      if (depth !== 8 || color !== COLOR_GRAY || interlace !== 0)
        throw new Error(
          `PNG must be 8-bit grayscale, not interlaced (bit depth ${depth}, color type ${color}, interlace ${interlace})`,
        );
      if (width * height > maxPixels)
        throw new Error(`PNG is ${width}x${height} pixels (IHDR), more than the ${maxPixels} pixels an image may have here`);
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      ended = true;
    }
    offset += 12 + length;
  }
  if (width === 0 || height === 0) throw new Error('PNG has no IHDR chunk');
  const stride = width + 1;
  let raw: Uint8Array;
  try {
    // One byte more than IHDR implies, so image data that runs on is seen without inflating the rest.
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: height * stride + 1 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new Error(`PNG image data inflates to more than the ${height * stride} bytes its IHDR implies (${width}x${height})`, {
        cause: e,
      });
    throw new Error(`PNG image data cannot be inflated: ${(e as Error).message}`, { cause: e });
  }
  if (raw.length !== height * stride) throw new Error(`PNG image data has ${raw.length} bytes, expected ${height * stride}`);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * stride];
    const line = raw.subarray(y * stride + 1, (y + 1) * stride);
    const out = pixels.subarray(y * width, (y + 1) * width);
    const up = y > 0 ? pixels.subarray((y - 1) * width, y * width) : null;
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? out[x - 1]! : 0;
      const b = up ? up[x]! : 0;
      const c = up && x > 0 ? up[x - 1]! : 0;
      let predictor: number;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) predictor = paeth(a, b, c);
      else throw new Error(`PNG row ${y} has an unknown filter type ${filter}`);
      out[x] = (line[x]! + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** An image grid's bytes are already laid out as one picture, row-major over cells. */
export function gridToImage(grid: { rows: number; cols: number; height: number; width: number; pixels: Uint8Array }): GrayImage {
  return { width: grid.cols * grid.width, height: grid.rows * grid.height, pixels: grid.pixels };
}
