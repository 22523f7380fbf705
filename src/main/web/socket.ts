// One WebSocket client of browser mode: its calls go through the app core's single gate
// (validate, run, envelope) and its events come from its own coalesced stream. Whatever arrives,
// the reply is an envelope or a closed socket; nothing a client sends can throw out of here.

import type { RawData, WebSocket } from 'ws';
import type { AppCore } from '../app-core.ts';
import { toAppError, type AppError, type Result } from '../../shared/result.ts';
import { decodeWire, encodeWire, type WireRequestId, type WireServerFrame } from '../../shared/wire.ts';

/** A client this far behind (a stalled tab, a dead network) is dropped; on reconnect it re-reads state. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
const MAX_ID_LENGTH = 128;

const invalid = (message: string): { ok: false; error: AppError } => ({
  ok: false,
  error: { code: 'invalid-argument', message },
});

function requestId(value: unknown): WireRequestId | null {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH) return value;
  return null;
}

/**
 * Encoded reply values, for frozen ones: a handler that answers with the very object it answered
 * before, frozen to say it will not change (listRuns keeps its packed list until a run changes: 3 MB
 * with 10,000 runs), is encoded once for every client and request.
 */
const encodedValues = new WeakMap<object, string>();

function encodeFrame(frame: WireServerFrame): string {
  if (!('id' in frame) || !frame.result.ok) return encodeWire(frame);
  const value: unknown = frame.result.value;
  if (value === null || typeof value !== 'object' || !Object.isFrozen(value)) return encodeWire(frame);
  let text = encodedValues.get(value);
  if (text === undefined) encodedValues.set(value, (text = encodeWire(value)));
  return `{"id":${JSON.stringify(frame.id)},"result":{"ok":true,"value":${text}}}`;
}

export function serveSocket(core: AppCore, socket: WebSocket): void {
  const send = (frame: WireServerFrame) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.terminate();
      return;
    }
    let text: string;
    try {
      text = encodeFrame(frame);
    } catch (e) {
      // Runs on the event coalescer's timer too, where a throw would take the server down.
      if (!('id' in frame)) return void console.error('[web] an event could not be encoded:', e);
      text = encodeWire({
        id: frame.id,
        result: { ok: false, error: { code: 'internal', message: `the result could not be encoded: ${(e as Error).message}` } },
      });
    }
    socket.send(text);
  };

  const disconnect = core.connect((event) => send({ event }));

  const handle = async (data: RawData, isBinary: boolean) => {
    if (isBinary) return send({ id: null, result: invalid('binary frames are not accepted; send wire-encoded JSON text') });
    let message: unknown;
    try {
      message = decodeWire(rawText(data));
    } catch {
      return send({ id: null, result: invalid('malformed message: not valid JSON') });
    }
    const fields =
      message !== null && typeof message === 'object' && !Array.isArray(message) ? (message as Record<string, unknown>) : null;
    const id = fields && requestId(fields.id);
    if (!fields || id === null) {
      return send({
        id: null,
        result: invalid('each message must be an object {id, method, payload} with id a whole number or a short text'),
      });
    }
    let result: Result<unknown>;
    try {
      result = await core.call(fields.method, fields.payload);
    } catch (e) {
      // core.call envelopes handler failures itself; this only catches a fault in the gate.
      console.error('[web] call failed outside the handlers:', e);
      result = { ok: false, error: toAppError(e) };
    }
    send({ id, result });
  };

  socket.on('message', (data, isBinary) => void handle(data, isBinary));
  // ws reports protocol violations (oversized or invalid frames) here and then closes the socket;
  // without a listener the 'error' event would take the whole server down.
  socket.on('error', () => {});
  socket.on('close', disconnect);
}

/** A text frame's payload: ws hands it over as one Buffer, or as fragments or an ArrayBuffer by option. */
function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}
