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

export function defaultDatabasePath(): string {
  return join(userDataDir(), DATABASE_FILE);
}
