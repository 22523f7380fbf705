// Who may talk to the browser-mode server. Anything on the machine (and, with --host, on the
// network) can reach the port, and any web page the person visits can make their browser send
// requests to it, so every request must prove it holds the random token the server printed, or a
// session bought with it.
//
// Where the session lives. Cookies are shared by every port of a host (RFC 6265 section 8.5): a
// cookie set by this server is sent to any other server on 127.0.0.1 the browser visits, and
// SameSite does not help, since ports do not make a different site. What does separate them is a
// cookie's Path. So the app lives under a random per-launch path prefix (`/<prefix>/`), and its
// session cookie is scoped to that path: the browser presents it only to requests under the
// prefix, which another local server never gets unless it knows the prefix. The alternative, a
// session kept out of cookies and held by the page, would have left the app's pages served to
// anyone, needed one-time URLs for downloads, and lost the session in every new tab; with the
// prefix every request stays behind the gate and reloads, new tabs and downloads just work.
// The cookie holds a random session id, never the token: the token in the launch URL is traded for
// a session once, by a redirect that also takes it out of the address bar.
//
// The WebSocket upgrade is also checked for its Origin, since browsers let any site open a socket
// to any host (cross-site WebSocket hijacking), and every request for its Host, since a DNS-rebound
// name would otherwise make the attacker's origin look like our own.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** `/` then 128 random bits: the prefix must be unguessable, since knowing it is what draws the cookie. */
export function newBasePath(): string {
  return `/${randomBytes(16).toString('base64url')}`;
}

const BASE_PATH = /^\/[A-Za-z0-9_-]{16,}$/;

/** Only a path-safe, long enough random segment; anything else would weaken or break the cookie's scope. */
export function isValidBasePath(path: string): boolean {
  return BASE_PATH.test(path);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Constant time in the secret's content; hashing first makes the lengths equal. */
export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
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

/** A browser that opened the launch URL many times keeps its newest sessions; the oldest lapse. */
const MAX_SESSIONS = 64;

/**
 * Sessions of this launch, in memory: a restart (a new token and prefix) ends them all. Only the
 * ids' hashes are kept, so a lookup's timing says nothing about how much of a guess was right.
 */
export class Sessions {
  private readonly hashes = new Set<string>();

  create(): string {
    const id = randomBytes(32).toString('base64url');
    this.hashes.add(sha256(id).toString('hex'));
    for (const oldest of this.hashes) {
      if (this.hashes.size <= MAX_SESSIONS) break;
      this.hashes.delete(oldest);
    }
    return id;
  }

  has(id: string): boolean {
    return this.hashes.has(sha256(id).toString('hex'));
  }
}

export const SESSION_COOKIE = 'vae_workbench_session';

export interface Gate {
  token: string;
  /** `/<random>`: everything the server serves lives below it, and the session cookie is scoped to it. */
  basePath: string;
  sessions: Sessions;
  /** Host headers accepted, or null to accept any (when bound beyond loopback, names are unknowable). */
  allowedHosts: Set<string> | null;
}

export function createGate(token: string, basePath: string, bindHost: string, port: number): Gate {
  if (!isValidBasePath(basePath)) throw new Error(`basePath must be "/" then 16 or more of A-Z a-z 0-9 _ -, got "${basePath}"`);
  return {
    token,
    basePath,
    sessions: new Sessions(),
    allowedHosts: isLoopbackHost(bindHost)
      ? new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${urlHost(bindHost).toLowerCase()}:${port}`])
      : null,
  };
}

/** Every value sent under `name`: another server on this host may have planted one of its own. */
function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}

export type Verdict =
  | {
      ok: true;
      /** 'token': the launch token in the query (to be traded for a session); 'session': the cookie. */
      via: 'token' | 'session';
    }
  | { ok: false; status: 401 | 403; message: string };

export const NEEDS_TOKEN_MESSAGE =
  'VAE Workbench needs its access token. Open the full address the server printed when it started (the one ending in ?token=...).';

export function hostAllowed(gate: Gate, req: IncomingMessage): boolean {
  const host = req.headers.host?.toLowerCase();
  if (!host) return false;
  return gate.allowedHosts === null || gate.allowedHosts.has(host);
}

/**
 * Whether the request is let in at all, before its path is looked at: whoever lacks credentials
 * learns nothing about which paths exist (401 before 404).
 */
export function checkRequest(gate: Gate, req: IncomingMessage, query: URLSearchParams): Verdict {
  if (!hostAllowed(gate, req)) {
    return { ok: false, status: 403, message: 'This VAE Workbench server only answers requests addressed to its own host name.' };
  }
  const fromQuery = query.get('token');
  if (fromQuery !== null && tokensEqual(fromQuery, gate.token)) return { ok: true, via: 'token' };
  if (cookieValues(req.headers.cookie, SESSION_COOKIE).some((id) => gate.sessions.has(id))) return { ok: true, via: 'session' };
  return { ok: false, status: 401, message: NEEDS_TOKEN_MESSAGE };
}

/**
 * The upgrade must come from a page this server served (the browser sends the session cookie, as
 * the socket's path is under the prefix), or from a non-browser client with the token and no Origin.
 */
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

/** HttpOnly: the page's scripts never see it. Path: only requests under the prefix carry it. */
export function sessionCookie(gate: Gate, sessionId: string): string {
  return `${SESSION_COOKIE}=${sessionId}; Path=${gate.basePath}; HttpOnly; SameSite=Strict`;
}

/** The path below the prefix (`''` for the prefix itself), or null when the path lies outside it. */
export function pathInApp(gate: Gate, path: string): string | null {
  if (path === gate.basePath) return '';
  return path.startsWith(`${gate.basePath}/`) ? path.slice(gate.basePath.length) : null;
}
