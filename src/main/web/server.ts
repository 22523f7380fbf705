// Browser mode's server: the built renderer over HTTP and the contract over a WebSocket, both under
// a random per-launch path prefix and behind the access token or the session it buys (auth.ts),
// plus run exports as ZIP downloads (export-download.ts). Every response carries a strict
// Content-Security-Policy, so even a page served here can only run this app's own scripts and talk
// back to this server.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppCore } from '../app-core.ts';
import { WIRE_MAX_FRAME_BYTES, WIRE_PATH } from '../../shared/wire.ts';
import {
  checkRequest,
  checkUpgrade,
  createGate,
  isValidBasePath,
  newBasePath,
  newToken,
  pathInApp,
  sessionCookie,
  urlHost,
  type Gate,
} from './auth.ts';
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
  /** The per-launch path prefix (`/` and 16 or more of A-Z a-z 0-9 _ -); a random one unless given. */
  basePath?: string;
  /** The built renderer (out/renderer). */
  staticDir: string;
}

export interface RunningServer {
  /** The address to open, with the token. */
  url: string;
  port: number;
  token: string;
  /** Where the app lives, e.g. `/N3k...`; the session cookie is scoped to it. */
  basePath: string;
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
      // The settings-importance module worker, served from here like the page's scripts.
      "worker-src 'self'",
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
    // The page's address holds the secret path prefix that draws the session cookie: never send it
    // to another site or port.
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

function seeOther(res: ServerResponse, location: string, extra: Record<string, string> = {}): void {
  res.writeHead(303, { Location: location, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end('See the app.\n');
}

function queryText(query: URLSearchParams): string {
  const text = query.toString();
  return text ? `?${text}` : '';
}

/**
 * The launch URL's token buys a session, and the browser is sent on to the same page without the
 * token: it leaves the address bar (and history) before anything renders. This reply is the only
 * one that sets a cookie.
 */
function exchangeToken(gate: Gate, res: ServerResponse, inApp: string | null, query: URLSearchParams): void {
  const rest = new URLSearchParams(query);
  rest.delete('token');
  const target = inApp === null || inApp === '' ? '/' : inApp;
  seeOther(res, `${gate.basePath}${target}${queryText(rest)}`, { 'Set-Cookie': sessionCookie(gate, gate.sessions.create()) });
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
  const basePath = options.basePath ?? newBasePath();
  if (!isValidBasePath(basePath)) throw new Error(`basePath must be "/" then 16 or more of A-Z a-z 0-9 _ -, got "${basePath}"`);
  const files = new StaticFiles(options.staticDir);

  // The gate needs the port, known only once listening; handlers are attached in the same tick
  // as the listen callback, before any connection can be read.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const gate: Gate = createGate(token, basePath, host, port);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(securityHeaders(req))) res.setHeader(name, value);
    const { path, query } = splitUrl(req.url);
    const verdict = checkRequest(gate, req, query);
    if (!verdict.ok) return plain(res, verdict.status, verdict.message);
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return plain(res, 405, 'Only GET and HEAD are served here.', { Allow: 'GET, HEAD' });
    // Absolute-form targets (`GET http://host/x`) are for proxies; this is not one.
    if (!path.startsWith('/')) return plain(res, 400, 'Bad request path.');
    const inApp = pathInApp(gate, path);
    if (verdict.via === 'token') return exchangeToken(gate, res, inApp, query);
    if (inApp === null) return plain(res, 404, 'Not found.');
    // The page's relative URLs (assets, the socket, downloads) resolve against the prefix only with its slash.
    if (inApp === '') return seeOther(res, `${basePath}/${queryText(query)}`);
    const exportMatch = EXPORT_PATH.exec(inApp);
    if (exportMatch)
      return void sendExportZip(core, res, Number(exportMatch[1]), req.method === 'HEAD', exportMatch[2] ? 'best' : 'last');
    const found = files.lookup(inApp);
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
    // Credentials first, so an unauthenticated client learns nothing about paths (401, not 404).
    const verdict = checkUpgrade(gate, req, query);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.message);
    if (pathInApp(gate, path) !== WIRE_PATH)
      return refuseUpgrade(socket, 404, `WebSocket connections are accepted at ${basePath}${WIRE_PATH} only.`);
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

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost(host)}:${port}${basePath}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    basePath,
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
