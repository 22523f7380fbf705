// A bare protocol-level client of browser mode for tests: raw frames in, decoded replies and
// timestamped events out. (The renderer's own client, src/renderer/src/lib/client/ws.ts, is tested
// separately; this one can also send what no real client would.)

import WebSocket, { type ClientOptions } from 'ws';
import type { WorkbenchEvent } from '../../src/shared/contract.ts';
import type { Result } from '../../src/shared/result.ts';
import { decodeWire, encodeWire, type WireReply } from '../../src/shared/wire.ts';

export interface ReceivedEvent {
  at: number;
  event: WorkbenchEvent;
}

export interface RpcSocket {
  ws: WebSocket;
  call(method: string, payload?: unknown): Promise<Result<unknown>>;
  /** Sends text (or bytes) as is and resolves with the next reply whose id is null. */
  sendRaw(data: string | Buffer, options?: { binary?: boolean }): Promise<WireReply>;
  events: ReceivedEvent[];
  /** Resolves with the first event (already received or not) that matches. */
  waitForEvent(match: (event: WorkbenchEvent) => boolean, timeoutMs?: number): Promise<WorkbenchEvent>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the socket opened. */
export function upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (e) => reject(e));
  });
}

export function openRpc(url: string, options: ClientOptions = {}): Promise<RpcSocket> {
  const ws = new WebSocket(url, options);
  let nextId = 1;
  const pending = new Map<number | string | null, Array<(reply: WireReply) => void>>();
  const events: ReceivedEvent[] = [];
  const watchers = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
  );

  ws.on('message', (data, isBinary) => {
    if (isBinary) throw new Error('the server sent a binary frame');
    const text = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    const frame = decodeWire(text.toString('utf8')) as WireReply | { event: WorkbenchEvent };
    if ('event' in frame) {
      events.push({ at: performance.now(), event: frame.event });
      watchers.forEach((w) => w());
      return;
    }
    const queue = pending.get(frame.id);
    const resolve = queue?.shift();
    if (queue && queue.length === 0) pending.delete(frame.id);
    resolve?.(frame);
  });

  const expect = (id: number | string | null) =>
    new Promise<WireReply>((resolve) => {
      const queue = pending.get(id) ?? [];
      queue.push(resolve);
      pending.set(id, queue);
    });

  const rpc: RpcSocket = {
    ws,
    events,
    closed,
    async call(method, payload) {
      const id = nextId++;
      const reply = expect(id);
      ws.send(encodeWire(payload === undefined ? { id, method } : { id, method, payload }));
      return (await reply).result;
    },
    sendRaw(data, sendOptions = {}) {
      const reply = expect(null);
      ws.send(data, { binary: sendOptions.binary ?? false });
      return reply;
    },
    waitForEvent(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < events.length; seen++) {
            if (match(events[seen]!.event)) {
              cleanup();
              resolve(events[seen]!.event);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };

  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(rpc));
    // Kept after opening too: an 'error' without a listener would crash the test process.
    ws.on('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
  });
}
