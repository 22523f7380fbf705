// The hand-written PNG codec, checked against an independent reading: zlib's own CRC-32 and
// inflate, and a decoder fed rows with every PNG filter type, as image editors write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as zlibCrc32, deflateSync, inflateSync } from 'node:zlib';
import { crc32, decodePng, encodePng, pngSize } from '../src/main/export/png.ts';
import { makeRng } from '../src/shared/random.ts';

function randomImage(width: number, height: number, seed: number) {
  const rng = makeRng(seed);
  return { width, height, pixels: Uint8Array.from({ length: width * height }, () => Math.floor(rng() * 256)) };
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

test('crc32 agrees with zlib and with the value every PNG ends in', () => {
  assert.equal(crc32(new TextEncoder().encode('IEND')), 0xae426082);
  const bytes = randomImage(100, 37, 1).pixels;
  assert.equal(crc32(bytes), zlibCrc32(bytes));
});

test('encodePng writes 8-bit grayscale whose inflated rows are the pixels', () => {
  const image = randomImage(37, 23, 2);
  const parts = chunks(encodePng(image));
  assert.deepEqual(
    parts.map((c) => c.type),
    ['IHDR', 'IDAT', 'IEND'],
  );
  const ihdr = parts[0]!.data;
  assert.deepEqual([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ...ihdr.subarray(8)], [37, 23, 8, 0, 0, 0, 0]);
  const raw = inflateSync(parts[1]!.data);
  assert.equal(raw.length, 23 * 38);
  for (let y = 0; y < 23; y++) {
    assert.equal(raw[y * 38], 0, 'filter type');
    assert.deepEqual([...raw.subarray(y * 38 + 1, (y + 1) * 38)], [...image.pixels.subarray(y * 37, (y + 1) * 37)]);
  }
  assert.deepEqual(decodePng(encodePng(image)), image);
});

test('decodePng undoes every row filter', () => {
  const { width, height, pixels } = randomImage(9, 10, 3);
  // Filter each row as the spec defines (type y % 5), so rows exercise Sub, Up, Average and Paeth.
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    const type = y % 5;
    raw[y * (width + 1)] = type;
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? pixels[y * width + x - 1]! : 0;
      const b = y > 0 ? pixels[(y - 1) * width + x]! : 0;
      const c = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1]! : 0;
      const p = a + b - c;
      const paeth =
        Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][type]!;
      raw[y * (width + 1) + 1 + x] = (pixels[y * width + x]! - predictor) & 0xff;
    }
  }
  // Reuse the encoder's framing, swapping in the filtered data (and fixing that chunk's CRC).
  const plain = Buffer.from(encodePng({ width, height, pixels }));
  const idatAt = 8 + 12 + 13;
  const data = deflateSync(raw);
  const idat = Buffer.alloc(12 + data.length);
  idat.writeUInt32BE(data.length, 0);
  idat.write('IDAT', 4, 'latin1');
  data.copy(idat, 8);
  idat.writeUInt32BE(zlibCrc32(idat.subarray(4, 8 + data.length)), 8 + data.length);
  const oldLength = plain.readUInt32BE(idatAt);
  const png = Buffer.concat([plain.subarray(0, idatAt), idat, plain.subarray(idatAt + 12 + oldLength)]);
  assert.deepEqual(decodePng(png).pixels, pixels);
});

test('decodePng refuses damaged and unsupported files with a reason', () => {
  const png = Buffer.from(encodePng(randomImage(8, 8, 4)));
  assert.throws(() => decodePng(png.subarray(0, 40)), /truncated/);
  const flipped = Buffer.from(png);
  flipped[40]! ^= 1;
  assert.throws(() => decodePng(flipped), /wrong CRC/);
  assert.throws(() => decodePng(Buffer.from('GIF89a........')), /not a PNG/);
  const rgb = Buffer.from(png);
  rgb[8 + 8 + 9] = 2;
  rgb.writeUInt32BE(zlibCrc32(rgb.subarray(12, 29)), 29);
  assert.throws(() => decodePng(rgb), /8-bit grayscale/);
});

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

function ihdr(width: number, height: number): Uint8Array {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b.set([8, 0, 0, 0, 0], 8);
  return b;
}

test('a PNG is sized from its IHDR before any image data is inflated', () => {
  // 64 MiB of zeros deflate to about 64 KiB: a small file that would inflate to far more than 10x10 needs.
  const bomb = deflateSync(Buffer.alloc(64 << 20), { level: 9 });
  assert.ok(bomb.length < 100_000);
  const small = pngOf([
    ['IHDR', ihdr(10, 10)],
    ['IDAT', bomb],
    ['IEND', new Uint8Array(0)],
  ]);
  assert.throws(() => decodePng(small), /PNG image data inflates to more than the 110 bytes its IHDR implies \(10x10\)/);

  // IHDR claims a picture too large to hold: refused from the header, whatever the data.
  const huge = pngOf([
    ['IHDR', ihdr(100_000, 100_000)],
    ['IDAT', bomb],
    ['IEND', new Uint8Array(0)],
  ]);
  assert.throws(() => decodePng(huge), /PNG is 100000x100000 pixels \(IHDR\), more than the 16777216 pixels/);
  assert.deepEqual(pngSize(huge), { width: 100_000, height: 100_000 });

  // The limit scales, and a PNG within it decodes.
  const image = randomImage(40, 30, 3);
  assert.throws(() => decodePng(encodePng(image), 1000), /40x30 pixels \(IHDR\), more than the 1000 pixels/);
  assert.deepEqual(decodePng(encodePng(image), 1200), image);
});
