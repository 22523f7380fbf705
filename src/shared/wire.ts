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

// Declared structurally: src/shared is compiled without DOM or Node types, and both runtimes have them.
const base64 = globalThis as unknown as { btoa(binary: string): string; atob(encoded: string): string };

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // String.fromCharCode takes its arguments on the stack: feed it in slices well below engine limits.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return base64.btoa(binary);
}

function base64ToBytes(encoded: string): Uint8Array {
  const binary = base64.atob(encoded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, replaced: unknown) {
    // The holder's own value, not `replaced`: a Node Buffer (what SQLite hands back for a blob) is a
    // Uint8Array whose toJSON has already turned it into {type, data: [...]} by the time we see it.
    const raw = this[key];
    if (raw instanceof Uint8Array) return { [U8]: bytesToBase64(raw) };
    if (typeof raw === 'number' && !Number.isFinite(raw)) return { [NUM]: String(raw) };
    return replaced;
  });
}

function soleKey(value: Record<string, unknown>): string | null {
  let only: string | null = null;
  for (const key in value) {
    if (only !== null) return null;
    only = key;
  }
  return only;
}

/** Parses wire text; throws a SyntaxError (or a DOMException for bad base64) on malformed input. */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) => {
    if (FORBIDDEN_KEYS.has(key)) return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const record = value as Record<string, unknown>;
    const only = soleKey(record);
    if (only === U8 && typeof record[U8] === 'string') return base64ToBytes(record[U8]);
    if (only === NUM && (record[NUM] === 'NaN' || record[NUM] === 'Infinity' || record[NUM] === '-Infinity')) return Number(record[NUM]);
    return value;
  });
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
