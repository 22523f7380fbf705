// Kaggle "mnist-in-csv" files: `label,1x1,1x2,...,28x28` then one image a row, pixels 0..255.
// A 60,000-row file is ~110 MB, so it is parsed as a byte stream by a state machine straight into
// typed arrays: no string or number object per pixel, and no line splitting.

import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { badData, byteDataset, DEFAULT_DATA_LIMITS, withFields, type ByteDataset, type DataLimits } from './dataset.ts';
import { displayName, gzipFailure, inflate, inflatesTooFar, inspectSource, isZlibError, type SourceInfo } from './source-file.ts';

const COMMA = 44;
const NEWLINE = 10;
const DOT = 46;
const MINUS = 45;
// Bits of the per-field `flags`; any set bit sends the field through the slow, careful check.
const NEGATIVE = 1;
const FRACTION = 2;
const FRACTION_NONZERO = 4;
const TRAILING_SPACE = 8;

/** A file with no newline for this long is not a CSV of images; stop buffering it. */
const MAX_FIRST_LINE_BYTES = 16 << 20;

/**
 * Push-based parser: feed it chunks as they arrive, then `finish()`. Hot state lives in locals inside
 * `parse` and is written back per chunk, which keeps the per-byte loop fast in V8.
 */
export class CsvImageParser {
  private readonly pixelsPerImage: number;
  private readonly columns: number;
  private names: string[] | null = null;
  private firstLine: Uint8Array[] | null = [];
  private firstLineBytes = 0;

  private pixels: Uint8Array;
  private labels: Int32Array;
  private capacity: number;
  private count = 0;

  private line = 1;
  private field = 0;
  private value = 0;
  private digits = 0;
  private flags = 0;

  constructor(
    private readonly path: string,
    private readonly height: number,
    private readonly width: number,
    expectedRows = 1024,
  ) {
    this.pixelsPerImage = height * width;
    this.columns = 1 + this.pixelsPerImage;
    this.capacity = Math.max(1, expectedRows);
    this.pixels = new Uint8Array(this.capacity * this.pixelsPerImage);
    this.labels = new Int32Array(this.capacity);
  }

  push(data: Uint8Array): void {
    // One concrete class for every chunk (Buffer is a subclass) keeps the byte loop monomorphic.
    const chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (this.firstLine === null) {
      this.parse(chunk);
      return;
    }
    const nl = chunk.indexOf(NEWLINE);
    if (nl < 0) {
      this.firstLine.push(chunk.slice()); // callers may reuse the chunk's memory
      this.firstLineBytes += chunk.length;
      if (this.firstLineBytes > MAX_FIRST_LINE_BYTES) {
        throw badData(`${this.path}: line 1 is longer than ${MAX_FIRST_LINE_BYTES} bytes; this is not a CSV of images`);
      }
      return;
    }
    this.firstLine.push(chunk.subarray(0, nl + 1));
    this.startWith(concat(this.firstLine));
    this.parse(chunk.subarray(nl + 1));
  }

  finish(): ByteDataset & { labels: Int32Array } {
    if (this.firstLine !== null) this.startWith(concat(this.firstLine));
    // The last row may lack its newline; a blank line is skipped, so this is harmless otherwise.
    this.parse(Uint8Array.of(NEWLINE));
    if (this.count === 0) throw badData(`${this.path}: no data rows${this.names ? ' (only a header)' : ''}`);
    const n = this.count;
    const used = n * this.pixelsPerImage;
    // A gzipped file's buffer grows by doubling: give back what a large spare share would pin.
    const bytes = this.pixels.length > used * 1.25 ? this.pixels.slice(0, used) : this.pixels.subarray(0, used);
    const fields = { name: displayName(this.path), fingerprint: '', count: n, height: this.height, width: this.width };
    return byteDataset({ ...fields, labels: this.labels.slice(0, n) }, bytes);
  }

  /** Decides from line 1 whether the file has a header: it does if its first field is not a number. */
  private startWith(line1: Uint8Array): void {
    this.firstLine = null;
    let text = Buffer.from(line1.buffer, line1.byteOffset, line1.byteLength).toString('utf8');
    let bomBytes = 0;
    if (text.charCodeAt(0) === 0xfeff) {
      text = text.slice(1);
      bomBytes = 3;
    }
    const firstField = text.split(',', 1)[0] ?? '';
    if (!/[^\d\s.+-]/.test(firstField)) {
      this.parse(line1.subarray(bomBytes));
      return;
    }
    const names = text
      .replace(/\r?\n$/, '')
      .split(',')
      .map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
    if (names.length !== this.columns) {
      throw badData(
        `${this.path}: line 1 (header) has ${names.length} columns, expected ${this.columns} ` +
          `(label + ${this.height}x${this.width} pixels)`,
      );
    }
    this.names = names;
    this.line = 2;
  }

  private parse(buf: Uint8Array): void {
    const ppi = this.pixelsPerImage;
    const columns = this.columns;
    let line = this.line;
    let field = this.field;
    let value = this.value;
    let digits = this.digits;
    let flags = this.flags;
    let count = this.count;
    let capacity = this.capacity;
    let pixels = this.pixels;
    let labels = this.labels;
    let rowBase = count * ppi - 1; // pixel fields are 1-based: field k goes to rowBase + k
    for (let i = 0; i < buf.length; i++) {
      const b = buf[i]!;
      const d = b - 48;
      if (d >= 0 && d <= 9) {
        if (flags !== 0) {
          if (flags & TRAILING_SPACE) this.fail(line, field, `"${fieldText(buf, i)}" has a space inside a number`);
          if (flags & FRACTION) {
            if (d !== 0) flags |= FRACTION_NONZERO;
            digits++;
            continue;
          }
        }
        value = value * 10 + d;
        digits++;
      } else if (b === COMMA || b === NEWLINE) {
        if (b === NEWLINE && field === 0 && digits === 0 && flags === 0) {
          line++; // blank line (or a lone \r): nothing to store
          continue;
        }
        if (digits === 0 || flags !== 0 || value > 255) this.checkField(line, field, value, digits, flags, buf, i);
        if (field === 0) labels[count] = value;
        else if (field <= ppi) pixels[rowBase + field] = value;
        value = 0;
        digits = 0;
        flags = 0;
        if (b === COMMA) {
          field++;
          continue;
        }
        if (field + 1 !== columns) this.failColumns(line, field + 1);
        field = 0;
        line++;
        count++;
        rowBase += ppi;
        if (count === capacity) {
          this.grow();
          capacity = this.capacity;
          pixels = this.pixels;
          labels = this.labels;
        }
      } else if (b === 32 || b === 13 || b === 9) {
        if (digits > 0 || flags !== 0) flags |= TRAILING_SPACE;
      } else if (b === DOT && digits > 0 && (flags & (FRACTION | TRAILING_SPACE)) === 0) {
        flags |= FRACTION;
      } else if (b === MINUS && digits === 0 && flags === 0) {
        flags |= NEGATIVE;
      } else {
        this.fail(line, field, `"${fieldText(buf, i)}" is not a number`);
      }
    }
    this.line = line;
    this.field = field;
    this.value = value;
    this.digits = digits;
    this.flags = flags;
    this.count = count;
  }

  /** The slow path for a field that is empty, signed, fractional, padded or large: throws if it is bad. */
  private checkField(
    line: number,
    field: number,
    value: number,
    digits: number,
    flags: number,
    buf: Uint8Array,
    at: number,
  ): void {
    const what = field === 0 ? 'label' : 'pixel value';
    if (digits === 0) this.fail(line, field, `empty value (expected a ${what})`);
    if (flags & FRACTION_NONZERO) {
      const text = fieldText(buf, at);
      this.fail(line, field, `${what}${text ? ` "${text}"` : ''} is not an integer (expected an integer 0..255)`);
    }
    const shown = `${flags & NEGATIVE ? '-' : ''}${value}`;
    if ((flags & NEGATIVE && value !== 0) || value > 255) this.fail(line, field, `${what} ${shown} is outside 0..255`);
  }

  private failColumns(line: number, found: number): never {
    throw badData(
      `${this.path}: line ${line} has ${found} columns, expected ${this.columns} ` +
        `(label + ${this.height}x${this.width} pixels)`,
    );
  }

  private fail(line: number, field: number, problem: string): never {
    throw badData(`${this.path}: line ${line}, column ${this.columnName(field)}: ${problem}`);
  }

  private columnName(field: number): string {
    const name = this.names?.[field];
    if (name !== undefined) return name;
    if (field === 0) return 'label';
    if (field > this.pixelsPerImage) return `#${field + 1}`;
    const p = field - 1;
    return `${Math.floor(p / this.width) + 1}x${(p % this.width) + 1}`;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const pixels = new Uint8Array(capacity * this.pixelsPerImage);
    pixels.set(this.pixels);
    const labels = new Int32Array(capacity);
    labels.set(this.labels);
    this.capacity = capacity;
    this.pixels = pixels;
    this.labels = labels;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const b = Buffer.concat(parts);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The field around byte `at` as far as this chunk shows it, for error messages. */
function fieldText(buf: Uint8Array, at: number): string {
  const isEnd = (b: number) => b === COMMA || b === NEWLINE;
  let start = Math.min(at, buf.length - 1);
  if (isEnd(buf[start]!)) start--;
  while (start >= 0 && !isEnd(buf[start]!)) start--;
  let end = at;
  while (end < buf.length && !isEnd(buf[end]!)) end++;
  const bytes = buf.subarray(start + 1, Math.min(end, start + 1 + 40));
  return Buffer.from(bytes).toString('utf8').replace(/\r/g, '').trim();
}

/**
 * The file's content in chunks, hashing the bytes as stored. Plain files are read into one reused
 * buffer: a fresh buffer per chunk costs a page fault per 4 KiB, which on some VMs is most of the time.
 * Each chunk is only valid until the next is requested.
 */
async function* contentChunks(info: SourceInfo, hash: Hash, maxBytes: number): AsyncGenerator<Uint8Array> {
  if (info.gzip) {
    let total = 0;
    try {
      for await (const chunk of inflate(info, hash)) {
        total += chunk.length;
        if (total > maxBytes) throw inflatesTooFar(info.path, maxBytes, 'the most a CSV file may hold here');
        yield chunk;
      }
    } catch (e) {
      if (isZlibError(e)) throw gzipFailure(info.path, e);
      throw e;
    }
    return;
  }
  if (info.size > maxBytes)
    throw badData(
      `${info.path} has ${info.size} bytes, more than the ${maxBytes} a CSV file may hold here; refused before reading it`,
    );
  const fh = await open(info.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    // A file that grows while it is read is still held to the bound.
    for (let total = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      total += bytesRead;
      if (total > maxBytes)
        throw badData(`${info.path} has more than the ${maxBytes} bytes a CSV file may hold here; stopped reading there`);
      const chunk = buf.subarray(0, bytesRead);
      hash.update(chunk);
      yield chunk;
    }
  } finally {
    await fh.close();
  }
}

/** Loads a CSV of images (optionally gzipped), streaming, with a fingerprint of the file's bytes. */
export async function loadCsv(
  path: string,
  height: number,
  width: number,
  limits: DataLimits = DEFAULT_DATA_LIMITS,
): Promise<ByteDataset> {
  const info = await inspectSource(path);
  // Every field is at least one character and a separator, which bounds the row count from above;
  // for MNIST-like files it is within ~20% of the truth, so the arrays rarely need to grow.
  const maxRows = info.gzip ? 1024 : Math.floor(info.size / (2 * (1 + height * width))) + 1;
  const parser = new CsvImageParser(path, height, width, maxRows);
  const hash = createHash('sha256');
  for await (const chunk of contentChunks(info, hash, limits.csvBytes)) parser.push(chunk);
  return withFields(parser.finish(), { fingerprint: hash.digest('hex') });
}
