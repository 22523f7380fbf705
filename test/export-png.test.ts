// The export's PNG files, written and read through sharp, checked against an independent reading:
// the chunks split by the spec with zlib's CRC-32 and inflate, and a file whose rows use every PNG
// filter type, as image editors write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32, deflateSync, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodePng, encodePng, gridToImage, pngInfo } from '../src/main/export/png.ts';
import { makeRng } from '../src/shared/random.ts';
import type { ImageGrid } from '../src/shared/training.ts';

function randomImage(width: number, height: number, seed: number, channels: 1 | 3 = 1) {
  const rng = makeRng(seed);
  return {
    width,
    height,
    channels,
    pixels: Uint8Array.from({ length: width * height * channels }, () => Math.floor(rng() * 256)),
  };
}

/** Splits a PNG into its chunks by the spec, checking each CRC with zlib's implementation. */
function chunks(png: Uint8Array): { type: string; data: Buffer }[] {
  const buf = Buffer.from(png);
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: { type: string; data: Buffer }[] = [];
  for (let o = 8; o < buf.length;) {
    const length = buf.readUInt32BE(o);
    const type = buf.toString('latin1', o + 4, o + 8);
    assert.equal(buf.readUInt32BE(o + 8 + length), zlibCrc32(buf.subarray(o + 4, o + 8 + length)), `${type} CRC`);
    out.push({ type, data: buf.subarray(o + 8, o + 8 + length) });
    o += 12 + length;
  }
  return out;
}

/** A PNG put together from chunks, with correct CRCs, whatever they claim. */
function pngOf(parts: [string, Uint8Array][]): Uint8Array {
  const out = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of parts) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlibCrc32(Buffer.concat([head.subarray(4), data])));
    out.push(head, Buffer.from(data), crc);
  }
  return Buffer.concat(out);
}

function ihdr(width: number, height: number, color = 0): Uint8Array {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b.set([8, color, 0, 0, 0], 8);
  return b;
}

/** The unfiltered rows of a PNG's image data, as IHDR (width, bytes a pixel) lays them out. */
function rawRows(png: Uint8Array): { ihdr: number[]; rows: Uint8Array[] } {
  const parts = chunks(png);
  const head = parts.find((c) => c.type === 'IHDR')!.data;
  const [width, height] = [head.readUInt32BE(0), head.readUInt32BE(4)];
  const bpp = head[9] === 2 ? 3 : 1;
  const raw = inflateSync(Buffer.concat(parts.filter((c) => c.type === 'IDAT').map((c) => c.data)));
  const stride = width * bpp + 1;
  assert.equal(raw.length, height * stride);
  const rows: Uint8Array[] = [];
  let prev = new Uint8Array(width * bpp);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * stride]!;
    const line = raw.subarray(y * stride + 1, (y + 1) * stride);
    const out = new Uint8Array(width * bpp);
    for (let i = 0; i < out.length; i++) {
      const a = i >= bpp ? out[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      out[i] = (line[i]! + [0, a, b, (a + b) >> 1, paeth][filter]!) & 0xff;
    }
    rows.push(out);
    prev = out;
  }
  return { ihdr: [width, height, head[8]!, head[9]!, head[12]!], rows };
}

test('encodePng writes 8-bit grayscale for one channel and 8-bit RGB for three, row for row the bytes given', async () => {
  for (const channels of [1, 3] as const) {
    const image = randomImage(37, 23, 2 + channels, channels);
    const png = await encodePng(image);
    const { ihdr: head, rows } = rawRows(png);
    assert.deepEqual(head, [37, 23, 8, channels === 1 ? 0 : 2, 0], 'width, height, bit depth, colour type, not interlaced');
    for (let y = 0; y < 23; y++)
      assert.deepEqual(rows[y], image.pixels.subarray(y * 37 * channels, (y + 1) * 37 * channels), `row ${y}`);
    assert.deepEqual(await decodePng(png), image);
  }
  await assert.rejects(encodePng({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(4) }), /2x2x3 needs 12 bytes, got 4/);
});

test('a colour grid exports as an RGB PNG that sharp decodes back to the exact bytes, at a non-square size', async () => {
  // 2 x 3 cells of 5 high, 7 wide: the PNG is 21 x 10, each pixel r, g, b as the grid has them.
  const { pixels } = randomImage(21, 10, 9, 3);
  const grid: ImageGrid = { rows: 2, cols: 3, height: 5, width: 7, channels: 3, pixels };
  const png = await encodePng(gridToImage(grid));
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [21, 10, 3]);
  assert.deepEqual(new Uint8Array(data), pixels);
  assert.equal((await sharp(png).metadata()).space, 'srgb');
  // A grayscale grid stays one channel: no RGB triples in the file.
  const gray = await encodePng(gridToImage({ rows: 1, cols: 2, height: 3, width: 4, pixels: pixels.subarray(0, 24) }));
  assert.deepEqual(await pngInfo(gray), { width: 8, height: 3, channels: 1 });
});

test('decodePng undoes every row filter, as other programs write them', async () => {
  for (const channels of [1, 3] as const) {
    const { width, height, pixels } = randomImage(9, 10, 3, channels);
    const stride = width * channels;
    // Filter each row as the spec defines (type y % 5), so rows exercise Sub, Up, Average and Paeth.
    const raw = new Uint8Array(height * (stride + 1));
    for (let y = 0; y < height; y++) {
      const type = y % 5;
      raw[y * (stride + 1)] = type;
      for (let i = 0; i < stride; i++) {
        const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
        const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
        const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels]! : 0;
        const p = a + b - c;
        const paeth =
          Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
            ? a
            : Math.abs(p - b) <= Math.abs(p - c)
              ? b
              : c;
        raw[y * (stride + 1) + 1 + i] = (pixels[y * stride + i]! - [0, a, b, (a + b) >> 1, paeth][type]!) & 0xff;
      }
    }
    const png = pngOf([
      ['IHDR', ihdr(width, height, channels === 1 ? 0 : 2)],
      ['IDAT', deflateSync(raw)],
      ['IEND', new Uint8Array(0)],
    ]);
    assert.deepEqual(await decodePng(png), { width, height, channels, pixels });
  }
});

test('decodePng refuses damaged and unsupported files with a reason', async () => {
  const png = Buffer.from(await encodePng(randomImage(8, 8, 4)));
  await assert.rejects(decodePng(png.subarray(0, 40)), /not a readable image|cannot be decoded/);
  // A flipped bit in the image data: its chunk's CRC no longer matches.
  const idatAt = chunks(png).findIndex((c) => c.type === 'IDAT');
  assert.ok(idatAt > 0);
  const damaged = Buffer.from(png);
  damaged[damaged.length - 20]! ^= 1;
  await assert.rejects(decodePng(damaged), /PNG cannot be decoded/);
  await assert.rejects(decodePng(Buffer.from('GIF89a........')), /not a readable image/);
  const jpeg = await sharp(Buffer.alloc(48, 90), { raw: { width: 4, height: 4, channels: 3 } })
    .jpeg()
    .toBuffer();
  await assert.rejects(decodePng(jpeg), /not a PNG file \(jpeg data\)/);
  const rgba = await sharp(Buffer.alloc(64, 90), { raw: { width: 4, height: 4, channels: 4 } })
    .png()
    .toBuffer();
  await assert.rejects(decodePng(rgba), /grayscale or RGB without alpha, but it has 4 channels/);
});

test('a PNG is sized from its IHDR before any image data is inflated', async () => {
  // 64 MiB of zeros deflate to about 64 KiB: a small file that would inflate to far more than 10x10 needs.
  const bomb = deflateSync(Buffer.alloc(64 << 20), { level: 9 });
  assert.ok(bomb.length < 100_000);
  const small = pngOf([
    ['IHDR', ihdr(10, 10)],
    ['IDAT', bomb],
    ['IEND', new Uint8Array(0)],
  ]);
  // libpng inflates only the rows IHDR declares and leaves the rest unread (measured: a 256 MiB bomb
  // decodes in about 0.1 s where inflating it takes 9 s), so the result is the 10x10 picture.
  assert.deepEqual(await decodePng(small), { width: 10, height: 10, channels: 1, pixels: new Uint8Array(100) });

  // IHDR claims a picture too large to hold: refused from the header, whatever the data.
  const huge = pngOf([
    ['IHDR', ihdr(100_000, 100_000)],
    ['IDAT', bomb],
    ['IEND', new Uint8Array(0)],
  ]);
  await assert.rejects(decodePng(huge), /PNG is 100000x100000 pixels \(IHDR\), more than the 16777216 pixels/);
  assert.deepEqual(await pngInfo(huge), { width: 100_000, height: 100_000, channels: 1 });

  // The limit scales, and a PNG within it decodes.
  const image = randomImage(40, 30, 3);
  await assert.rejects(decodePng(await encodePng(image), 1000), /40x30 pixels \(IHDR\), more than the 1000 pixels/);
  assert.deepEqual(await decodePng(await encodePng(image), 1200), image);
});
