// better-sqlite3 is a native module: Node (tests, CLI) and Electron need builds for different ABIs.
// `npm start` keeps the Electron build in its own folder (scripts/electron-sqlite.mjs), so this
// looks there and hands the path to better-sqlite3's `nativeBinding` option.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Must match ELECTRON_SQLITE_DIR in scripts/electron-sqlite.mjs. */
export const ELECTRON_SQLITE_DIR = join('.cache', 'electron-sqlite');
export const BINDING_FILE = 'better_sqlite3.node';

export function electronSqliteBindingPath(appRoot: string, electronVersion: string): string {
  return join(appRoot, ELECTRON_SQLITE_DIR, electronVersion, BINDING_FILE);
}

/**
 * The Electron build to load, or undefined to let better-sqlite3 find its own (right for a packaged
 * app whose installer rebuilt it for Electron). VAE_SQLITE_BINDING names one explicitly.
 */
export function findElectronSqliteBinding(
  appRoot: string,
  electronVersion: string,
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const explicit = env.VAE_SQLITE_BINDING;
  if (explicit && exists(explicit)) return explicit;
  const beside = electronSqliteBindingPath(appRoot, electronVersion);
  return exists(beside) ? beside : undefined;
}
