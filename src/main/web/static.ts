// Serves the built renderer. Paths are refused before touching the file system when they try to
// climb out of the folder (any `..` segment, encoded or not, NUL bytes, backslashes), and what
// remains is resolved and checked to lie inside it, symlinks included. Extension-less paths that
// match no file get index.html, so a reload on a client-side route still opens the app.

import { createReadStream, realpathSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export type StaticLookup =
  | { kind: 'file'; path: string; size: number; contentType: string; immutable: boolean }
  | { kind: 'forbidden' }
  | { kind: 'not-found' }
  | { kind: 'empty' };

export class StaticFiles {
  private readonly root: string;

  constructor(dir: string) {
    this.root = realpathSync(resolve(dir));
  }

  /** `rawPath` is the request path as sent, still percent-encoded, without the query. */
  lookup(rawPath: string): StaticLookup {
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      return { kind: 'forbidden' };
    }
    if (path.includes('\0') || path.includes('\\') || path.split('/').some((s) => s === '..')) return { kind: 'forbidden' };
    const found = this.file(path === '/' ? '/index.html' : path);
    if (found) return found;
    if (extname(path) === '') return this.file('/index.html') ?? { kind: 'not-found' };
    // Browsers ask for it unprompted and log a 404 as a console error on every page.
    if (path === '/favicon.ico') return { kind: 'empty' };
    return { kind: 'not-found' };
  }

  private file(path: string): StaticLookup | null {
    let real: string;
    try {
      real = realpathSync(join(this.root, path));
    } catch {
      return null;
    }
    if (real !== this.root && !real.startsWith(this.root + sep)) return { kind: 'forbidden' };
    const stat = statSync(real, { throwIfNoEntry: false });
    if (!stat?.isFile()) return null;
    const contentType = CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream';
    // Vite names built assets by content hash, so they never change under the same name.
    const immutable = path.startsWith('/assets/');
    return { kind: 'file', path: real, size: stat.size, contentType, immutable };
  }
}

export function sendFile(res: ServerResponse, file: Extract<StaticLookup, { kind: 'file' }>, headOnly: boolean): void {
  res.writeHead(200, {
    'Content-Type': file.contentType,
    'Content-Length': file.size,
    // index.html is what a token opens; keep it out of shared and disk caches.
    'Cache-Control': file.immutable ? 'private, max-age=31536000, immutable' : 'no-store',
  });
  if (headOnly) {
    res.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
