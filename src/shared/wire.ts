// The text encoding of everything the contract carries over a WebSocket. Electron's IPC uses the
// structured clone, which keeps Uint8Array (image grid pixels) and non-finite numbers (a diverged
// loss is NaN); plain JSON loses both, so they travel as tagged objects:
//   Uint8Array          -> {"$u8": "<base64>"}
//   NaN, ±Infinity      -> {"$num": "NaN" | "Infinity" | "-Infinity"}
// A plain object whose only key is "$u8" or "$num" would be read back as one of these; nothing in
// the contract has such a shape.
// Decoding treats the text as hostile: keys that could reach an object's prototype when a caller
// later merges the result into another object are dropped.

import type { WorkbenchEvent } from './contract.ts';
import type { Result } from './result.ts';

const U8 = '$u8';
const NUM = '$num';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// Base64 by table over bytes. Node 20's btoa/atob are written in JavaScript a character at a time
// and cost the server ~10% of its main thread while image grids streamed; this is ~20x faster.
// TextEncoder/TextDecoder are globals in Node and browsers alike (declared here structurally, since
// src/shared is compiled without DOM or Node types).
const { TextDecoder: Decoder, TextEncoder: Encoder } = globalThis as unknown as {
  TextDecoder: new (label: string) => { decode(bytes: Uint8Array): string };
  TextEncoder: new () => { encode(text: string): Uint8Array };
};
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 61; // '='
const ascii = new Decoder('latin1');
const asciiEncoder = new Encoder();

function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ENCODE[v >> 18]!;
    out[o++] = ENCODE[(v >> 12) & 63]!;
    out[o++] = ENCODE[(v >> 6) & 63]!;
    out[o++] = ENCODE[v & 63]!;
  }
  if (i < n) {
    const v = (bytes[i]! << 16) | (i + 1 < n ? bytes[i + 1]! << 8 : 0);
    out[o++] = ENCODE[v >> 18]!;
    out[o++] = ENCODE[(v >> 12) & 63]!;
    out[o++] = i + 1 < n ? ENCODE[(v >> 6) & 63]! : PAD;
    out[o] = PAD;
  }
  return ascii.decode(out);
}

function base64ToBytes(encoded: string): Uint8Array {
  const text = asciiEncoder.encode(encoded);
  const len = text.length;
  if (len % 4 !== 0) throw new SyntaxError('base64 text length is not a multiple of 4');
  const pads = len > 0 && text[len - 1] === PAD ? (text[len - 2] === PAD ? 2 : 1) : 0;
  const out = new Uint8Array((len / 4) * 3 - pads);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j]!;
      const d = c === PAD && i + 4 === len && j >= 4 - pads ? 0 : c < 128 ? DECODE[c]! : -1;
      if (d < 0) throw new SyntaxError(`invalid base64 character at offset ${i + j}`);
      v = (v << 6) | d;
    }
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

/**
 * `value` with every Uint8Array and non-finite number replaced by its tag, copying only the objects
 * and arrays on the way to one; everything else is shared, and a value with nothing to tag is
 * returned as it is. A replacer function would do the same inside JSON.stringify, but it is called
 * for every key and array element: listing 10,000 runs spent more time in it than in stringify.
 */
function tagged(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : { [NUM]: String(value) };
  if (value === null || typeof value !== 'object') return value;
  // A Node Buffer (what SQLite hands back for a blob) is a Uint8Array too.
  if (value instanceof Uint8Array) return { [U8]: bytesToBase64(value) };
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const t = tagged(v);
      if (t !== v) (out ??= value.slice())[i] = t;
    }
    return out ?? value;
  }
  // Objects with their own JSON form (Date) are left to it.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  let out: Record<string, unknown> | null = null;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    const t = tagged(v);
    if (t !== v) (out ??= { ...record })[key] = t;
  }
  return out ?? value;
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(tagged(value));
}

function soleKey(value: Record<string, unknown>): string | null {
  let only: string | null = null;
  for (const key in value) {
    if (only !== null) return null;
    only = key;
  }
  return only;
}

/**
 * Text the walk below would change nothing in: no tagged value and no forbidden key. Those can only
 * be spelled literally or through a \u escape (JSON's other escapes make quotes, slashes and control
 * characters, which none of them contain), so text without any of these substrings needs no walk.
 */
const NEEDS_REVIVING = ['"$u8"', '"$num"', '__proto__', '"constructor"', '"prototype"', '\\u'];

/**
 * Tagged values decoded and forbidden keys dropped, in place. A reviver passed to JSON.parse would
 * do the same, but it makes parsing several times slower on large replies (listing 10,000 runs took
 * ~700 ms with it and ~120 ms without), so the parsed tree is walked once instead.
 */
function revived(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revived(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const only = soleKey(record);
  if (only === U8 && typeof record[U8] === 'string') return base64ToBytes(record[U8]);
  if (only === NUM && (record[NUM] === 'NaN' || record[NUM] === 'Infinity' || record[NUM] === '-Infinity'))
    return Number(record[NUM]);
  for (const key of Object.keys(record)) {
    if (FORBIDDEN_KEYS.has(key)) delete record[key];
    else record[key] = revived(record[key]);
  }
  return record;
}

/** Parses wire text; throws a SyntaxError on malformed input (bad JSON or bad base64). */
export function decodeWire(text: string): unknown {
  const value = JSON.parse(text) as unknown;
  return NEEDS_REVIVING.some((s) => text.includes(s)) ? revived(value) : value;
}

// The WebSocket protocol of browser mode, one wire-encoded JSON object per text frame.

/** Where the server accepts the upgrade. */
export const WIRE_PATH = '/ws';
/** Larger frames close the connection (code 1009). */
export const WIRE_MAX_FRAME_BYTES = 1024 * 1024;

export type WireRequestId = number | string;

/** Client -> server: one contract call. `payload` is absent for methods without arguments. */
export interface WireRequest {
  id: WireRequestId;
  method: string;
  payload?: unknown;
}

/** Server -> client: the Result envelope of a call. `id` is null when the request was unreadable. */
export interface WireReply {
  id: WireRequestId | null;
  result: Result<unknown>;
}

/** Server -> client: an event from the client's coalesced stream. */
export interface WireEventFrame {
  event: WorkbenchEvent;
}

export type WireServerFrame = WireReply | WireEventFrame;
