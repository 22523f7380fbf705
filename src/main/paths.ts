// Where the app keeps its database. The CLI must find the same file the desktop app uses, so this
// mirrors Electron's app.getPath('userData') for the product name, per platform.

import { homedir } from 'node:os';
import { join } from 'node:path';

export const PRODUCT_NAME = 'VAE Workbench';
export const DATABASE_FILE = 'workbench.db';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  // An explicit override, for tests and for keeping several workspaces apart.
  if (env.VAE_WORKBENCH_HOME) return env.VAE_WORKBENCH_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', PRODUCT_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), PRODUCT_NAME);
}

/**
 * Where image folders' decoded caches go (see data/folder/cache.ts): under the app's data folder,
 * never inside the image folder itself, which may be read-only or shared.
 */
export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(userDataDir(env), 'image-cache');
}

export function defaultDatabasePath(): string {
  return join(userDataDir(), DATABASE_FILE);
}

/**
 * Why `--db` cannot name this database, or null when it can. SQLite reads "" as a temporary file and
 * ":memory:" as memory, both gone when the process ends, so runs trained into them would be lost
 * without a word.
 */
export function unusableDatabasePath(db: string): string | null {
  if (db.trim() !== '' && db.trim() !== ':memory:') return null;
  return (
    `--db ${JSON.stringify(db)} names no database file: SQLite would keep the runs in memory or in a temporary ` +
    'file deleted when the process ends, so they would be lost; give a file path, e.g. --db runs.db'
  );
}
