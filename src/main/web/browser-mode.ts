// The workbench in a browser tab instead of an Electron window: one app core on a database plus the
// HTTP + WebSocket server. `npm run serve` calls this, and so can the Electron launcher when the
// Electron runtime is unavailable.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore, type AppCore } from '../app-core.ts';
import type { Logger } from '../log/logger.ts';
import { defaultDatabasePath } from '../paths.ts';
import { isLoopbackHost } from './auth.ts';
import { startServer } from './server.ts';

export interface BrowserModeOptions {
  /** Default 127.0.0.1. Anything else exposes the workbench (behind its token) to the network. */
  host?: string;
  /** Default DEFAULT_PORT, or a free port when that one is taken; 0 always picks a free port. */
  port?: number;
  databasePath?: string;
  /** The built renderer; found beside the build by default. */
  staticDir?: string;
  token?: string;
  /** Open the URL in the system's browser. Default false. */
  open?: boolean;
  maxConcurrent?: number;
  /** Where notices go (the non-loopback warning, a failed browser launch). Default stderr. */
  warn?: (line: string) => void;
  /** The process's log (see log/), for faults no request reports. */
  log?: Logger;
}

export interface BrowserMode {
  url: string;
  port: number;
  token: string;
  core: AppCore;
  /** Closes the server, then stops every run (each checkpoints first) and closes the database. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 5180;

/**
 * The built renderer is out/renderer under the app root. The root is found by walking up to
 * package.json, because this module runs from src/main/web (tsx), out/main (the build) or a shared
 * chunk below it, and each is a different depth.
 */
export function findRendererDir(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'out', 'renderer');
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}; pass staticDir`);
  }
}

export function openInBrowser(url: string, warn: (line: string) => void): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true, windowsHide: true });
  child.on('error', () => warn(`Could not open a browser (${command}); open the address above yourself.`));
  child.unref();
}

export async function runBrowserMode(options: BrowserModeOptions = {}): Promise<BrowserMode> {
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';
  const staticDir = options.staticDir ?? findRendererDir();
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(`The app's pages are not built (${join(staticDir, 'index.html')} is missing); run \`npm run build\` first.`);
  }
  const core = createAppCore({
    databasePath: options.databasePath ?? defaultDatabasePath(),
    shell: 'browser',
    maxConcurrent: options.maxConcurrent,
    log: options.log,
  });
  const start = (port: number) => startServer({ core, host, port, token: options.token, staticDir });
  let server;
  try {
    try {
      server = await start(options.port ?? DEFAULT_PORT);
    } catch (e) {
      // Only the default port gives way; a port the person asked for must fail loudly.
      if (options.port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      server = await start(0);
    }
  } catch (e) {
    await core.close();
    throw e;
  }
  if (!isLoopbackHost(host)) {
    warn(
      `Warning: listening on ${host}, not only on this computer. Anyone who can reach it and has the token can train, read and delete runs.`,
    );
  }
  if (options.open) openInBrowser(server.url, warn);
  const running = server;
  return {
    url: running.url,
    port: running.port,
    token: running.token,
    core,
    async close() {
      await running.close();
      await core.close();
    },
  };
}
