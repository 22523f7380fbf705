// The contract over a WebSocket, for the renderer in an ordinary browser tab (`npm run serve`).
// Like the IPC client it never rejects: a dropped connection turns pending calls into `internal`
// failures, the socket reconnects with backoff, and listeners stay subscribed across reconnects.
// Only structural types are used for the browser objects, so this module also typechecks and runs
// under Node (the tests drive it with the `ws` package against the real server).

import {
  METHOD_NAMES,
  type MethodArgs,
  type MethodName,
  type MethodResult,
  type WorkbenchClient,
  type WorkbenchEvent,
} from '../../../../shared/contract.ts';
import type { Result } from '../../../../shared/result.ts';
import { decodeWire, encodeWire, WIRE_PATH, type WireServerFrame } from '../../../../shared/wire.ts';

/** The parts of `window.location` used; a real Location fits. */
export interface PageLocation {
  protocol: string;
  host: string;
  pathname: string;
}

/** The parts of the browser's WebSocket used; `ws`'s WebSocket fits too. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketConstructor = new (url: string) => SocketLike;

export interface WebSocketClientOptions {
  /** Default: the global WebSocket. */
  WebSocket?: SocketConstructor;
  /** How long a call made while disconnected waits for the connection before failing. */
  connectWaitMs?: number;
  /** Reconnect delays double from the first to the largest, with jitter. */
  retryFirstMs?: number;
  retryMaxMs?: number;
}

export type WebSocketClient = WorkbenchClient & {
  /** Closes the socket for good; later calls fail at once. */
  close(): void;
};

// A method added to WorkbenchMethods but not to METHOD_NAMES would be silently missing here.
type Unlisted = Exclude<MethodName, (typeof METHOD_NAMES)[number]>;
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMethodListed;

/**
 * The socket lives beside the page, under the server's per-launch path prefix (the page is always
 * `/<prefix>/`, views being in the hash). The browser authenticates it with the session cookie
 * scoped to that prefix, so the page never holds a credential of its own.
 */
export function socketUrl(location: PageLocation): string {
  const dir = location.pathname.slice(0, location.pathname.lastIndexOf('/'));
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${dir}${WIRE_PATH}`;
}

const lost = (message: string): Result<never> => ({ ok: false, error: { code: 'internal', message } });

export function connectWebSocketClient(location: PageLocation, options: WebSocketClientOptions = {}): WebSocketClient {
  const Socket = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  const connectWaitMs = options.connectWaitMs ?? 15_000;
  const retryFirstMs = options.retryFirstMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 10_000;
  const url = socketUrl(location);

  type Reply = (result: Result<unknown>) => void;
  const listeners = new Set<(event: WorkbenchEvent) => void>();
  /** Sent on the current socket, awaiting a reply. */
  const inFlight = new Map<number, Reply>();
  /** Made while disconnected, sent once the socket opens. */
  const waiting = new Map<number, { text: string; reply: Reply; timer: ReturnType<typeof setTimeout> }>();
  let socket: SocketLike | null = null;
  let open = false;
  let closed = false;
  let everOpened = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let nextId = 1;

  const emit = (event: WorkbenchEvent) => {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (e) {
        console.error('[workbench] event listener failed:', e);
      }
    }
  };

  const failInFlight = (message: string) => {
    const replies = [...inFlight.values()];
    inFlight.clear();
    replies.forEach((reply) => reply(lost(message)));
  };

  const receive = (data: unknown) => {
    if (typeof data !== 'string') return;
    let frame: WireServerFrame;
    try {
      frame = decodeWire(data) as WireServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    if ('event' in frame) return emit(frame.event);
    if ('id' in frame && typeof frame.id === 'number') {
      const reply = inFlight.get(frame.id);
      inFlight.delete(frame.id);
      reply?.(frame.result);
    }
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const delay = Math.min(retryMaxMs, retryFirstMs * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  };

  const connect = () => {
    if (closed) return;
    let s: SocketLike;
    try {
      if (!Socket) throw new Error('this page has no WebSocket');
      s = new Socket(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = s;
    s.onopen = () => {
      open = true;
      attempt = 0;
      for (const [id, call] of waiting) {
        clearTimeout(call.timer);
        inFlight.set(id, call.reply);
        s.send(call.text);
      }
      waiting.clear();
      // Events sent while the socket was down are lost: tell views to re-read what they show.
      if (everOpened) emit({ type: 'reconnected' });
      everOpened = true;
    };
    s.onmessage = (event) => receive(event.data);
    // A close always follows an error; reconnecting happens there.
    s.onerror = () => {};
    s.onclose = () => {
      if (socket !== s) return;
      socket = null;
      open = false;
      failInFlight(
        'The connection to the workbench server was lost before it answered; the request may not have been carried out.',
      );
      scheduleReconnect();
    };
  };

  function call<M extends MethodName>(method: M, args: MethodArgs<M>): Promise<Result<MethodResult<M>>> {
    return new Promise((resolve) => {
      const reply = resolve as Reply;
      if (closed) return reply(lost('The connection to the workbench server was closed.'));
      const id = nextId++;
      let text: string;
      try {
        text = encodeWire(args === undefined ? { id, method } : { id, method, payload: args });
      } catch (e) {
        return reply(lost(`The request could not be encoded: ${(e as Error).message}`));
      }
      if (open && socket) {
        inFlight.set(id, reply);
        socket.send(text);
        return;
      }
      const timer = setTimeout(() => {
        waiting.delete(id);
        reply(lost('Cannot reach the workbench server (connection lost); is `npm run serve` still running?'));
      }, connectWaitMs);
      waiting.set(id, { text, reply, timer });
    });
  }

  type MethodTable = { [M in MethodName]: (args: MethodArgs<M>) => Promise<Result<MethodResult<M>>> };
  const methods = {} as Record<MethodName, (args: never) => Promise<Result<unknown>>>;
  for (const method of METHOD_NAMES) methods[method] = (args: MethodArgs<typeof method>) => call(method, args);

  connect();

  const client: MethodTable & Pick<WebSocketClient, 'onEvent' | 'close'> = {
    ...(methods as MethodTable),
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close(1000, 'client closed');
      socket = null;
      open = false;
      failInFlight('The connection to the workbench server was closed.');
      for (const call of waiting.values()) {
        clearTimeout(call.timer);
        call.reply(lost('The connection to the workbench server was closed.'));
      }
      waiting.clear();
    },
  };
  return client;
}
