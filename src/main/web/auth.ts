// Who may talk to the browser-mode server. Anything on the machine (and, with --host, on the
// network) can reach the port, and any web page the person visits can make their browser send
// requests to it, so every request must prove it knows the random token the server printed:
// `?token=` on the first page load, then an HttpOnly cookie the page cannot read or leak.
// The WebSocket upgrade is also checked for its Origin, since browsers let any site open a socket
// to any host (cross-site WebSocket hijacking), and for its Host, since a DNS-rebound name would
// otherwise make the attacker's origin look like our own.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Constant time in the secret's content; hashing first makes the lengths equal. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** How a host goes into a URL: IPv6 literals need brackets; wildcards are reached via loopback. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return isIP(host) === 6 ? `[${host}]` : host;
}

export interface Gate {
  token: string;
  /** Cookies are shared by every port of a host: one name per server keeps two servers apart. */
  cookieName: string;
  /** Host headers accepted, or null to accept any (when bound beyond loopback, names are unknowable). */
  allowedHosts: Set<string> | null;
}

export function createGate(token: string, bindHost: string, port: number): Gate {
  return {
    token,
    cookieName: `vae_workbench_${port}`,
    allowedHosts: isLoopbackHost(bindHost)
      ? new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${urlHost(bindHost).toLowerCase()}:${port}`])
      : null,
  };
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

export type Verdict =
  | { ok: true; /** The token came in the query: the response should set the cookie. */ viaQuery: boolean }
  | { ok: false; status: 401 | 403; message: string };

export function hostAllowed(gate: Gate, req: IncomingMessage): boolean {
  const host = req.headers.host?.toLowerCase();
  if (!host) return false;
  return gate.allowedHosts === null || gate.allowedHosts.has(host);
}

export function checkRequest(gate: Gate, req: IncomingMessage, query: URLSearchParams): Verdict {
  if (!hostAllowed(gate, req)) {
    return { ok: false, status: 403, message: 'This VAE Workbench server only answers requests addressed to its own host name.' };
  }
  const fromQuery = query.get('token');
  if (fromQuery !== null && tokensEqual(fromQuery, gate.token)) return { ok: true, viaQuery: true };
  const fromCookie = cookieValue(req.headers.cookie, gate.cookieName);
  if (fromCookie !== null && tokensEqual(fromCookie, gate.token)) return { ok: true, viaQuery: false };
  return {
    ok: false,
    status: 401,
    message:
      'VAE Workbench needs its access token. Open the full address the server printed when it started (the one ending in ?token=...).',
  };
}

/** The upgrade must come from a page this server served, or from a non-browser client (no Origin). */
export function checkUpgrade(gate: Gate, req: IncomingMessage, query: URLSearchParams): Verdict {
  const verdict = checkRequest(gate, req, query);
  if (!verdict.ok) return verdict;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = [`http://${req.headers.host}`, `https://${req.headers.host}`];
    if (!own.some((o) => o.toLowerCase() === origin.toLowerCase())) {
      return {
        ok: false,
        status: 403,
        message: 'WebSocket connections are only accepted from pages served by this VAE Workbench server.',
      };
    }
  }
  return verdict;
}

export function sessionCookie(gate: Gate): string {
  return `${gate.cookieName}=${gate.token}; Path=/; HttpOnly; SameSite=Strict`;
}
