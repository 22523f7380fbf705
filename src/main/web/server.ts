// Browser mode's server: the built renderer over HTTP and the contract over a WebSocket, both
// behind the access token (auth.ts), plus run exports as ZIP downloads (export-download.ts). Every
// response carries a strict Content-Security-Policy, so even a page served here can only run this
// app's own scripts and talk back to this server.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppCore } from '../app-core.ts';
import { WIRE_MAX_FRAME_BYTES, WIRE_PATH } from '../../shared/wire.ts';
import { checkRequest, checkUpgrade, createGate, newToken, sessionCookie, urlHost, type Gate } from './auth.ts';
import { EXPORT_PATH, sendExportZip } from './export-download.ts';
import { serveSocket } from './socket.ts';
import { sendFile, StaticFiles } from './static.ts';

export interface ServerOptions {
  core: AppCore;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** A random one unless given. */
  token?: string;
  /** The built renderer (out/renderer). */
  staticDir: string;
}

export interface RunningServer {
  /** The address to open, with the token. */
  url: string;
  port: number;
  token: string;
  /** Closes every socket and the listener; the core is the caller's to close. */
  close(): Promise<void>;
}

const HEARTBEAT_MS = 30_000;
const SAFE_HOST = /^[A-Za-z0-9.\-[\]:]+$/;

function securityHeaders(req: IncomingMessage): Record<string, string> {
  // The page opens its socket to the host it was loaded from; 'self' covers ws: only in CSP 3.
  const host = req.headers.host && SAFE_HOST.test(req.headers.host) ? ` ws://${req.headers.host}` : '';
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      // Svelte and chart.js set inline style attributes.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self'",
      `connect-src 'self'${host}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // The address bar holds the token on the first load: never send it to another site.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function plain(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(`${message}\n`);
}

function refuseUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404, message: string): void {
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[status];
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}

function splitUrl(raw: string | undefined): { path: string; query: URLSearchParams } {
  const url = raw ?? '/';
  const q = url.indexOf('?');
  return q < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { core } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const files = new StaticFiles(options.staticDir);
  let gate: Gate | null = null;

  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(securityHeaders(req))) res.setHeader(name, value);
    const { path, query } = splitUrl(req.url);
    const verdict = checkRequest(gate!, req, query);
    if (!verdict.ok) return plain(res, verdict.status, verdict.message);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return plain(res, 405, 'Only GET and HEAD are served here.', { Allow: 'GET, HEAD' });
    if (verdict.viaQuery) res.setHeader('Set-Cookie', sessionCookie(gate!));
    // Absolute-form targets (`GET http://host/x`) are for proxies; this is not one.
    if (!path.startsWith('/')) return plain(res, 400, 'Bad request path.');
    const exportMatch = EXPORT_PATH.exec(path);
    if (exportMatch) return void sendExportZip(core, res, Number(exportMatch[1]), req.method === 'HEAD');
    const found = files.lookup(path);
    if (found.kind === 'forbidden') return plain(res, 403, 'That path is outside the app.');
    if (found.kind === 'not-found') return plain(res, 404, 'Not found.');
    if (found.kind === 'empty') return void res.writeHead(204).end();
    sendFile(res, found, req.method === 'HEAD');
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: WIRE_MAX_FRAME_BYTES });
  const alive = new WeakSet<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const { path, query } = splitUrl(req.url);
    if (path !== WIRE_PATH) return refuseUpgrade(socket, 404, `WebSocket connections are accepted at ${WIRE_PATH} only.`);
    const verdict = checkUpgrade(gate!, req, query);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.message);
    sockets.handleUpgrade(req, socket, head, (ws) => {
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      serveSocket(core, ws);
    });
  });

  // A laptop that slept or a dropped network leaves sockets that never close by themselves.
  const heartbeat = setInterval(() => {
    for (const ws of sockets.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  gate = createGate(token, host, port);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost(host)}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const ws of sockets.clients) ws.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
