// The Electron entry: wires the shared AppCore to one locked-down window, native dialogs and menus.
// Behaviour lives in the modules beside this one; this file only decides the order things happen in.

import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, screen, session, shell } from 'electron';
import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore, type AppCore } from '../app-core.ts';
import { createFileLogger, LOG_FILE } from '../log/logger.ts';
import { installProcessHandlers } from '../log/process-handlers.ts';
import { DATABASE_FILE, PRODUCT_NAME, userDataDir } from '../paths.ts';
import { bindIpc, type IpcBinding } from './ipc.ts';
import { menuTemplate } from './menu.ts';
import { findElectronSqliteBinding } from './native-sqlite.ts';
import { installSessionPolicy, isAllowedExternalUrl, lockDownContents, openExternalSafely } from './security.ts';
import { clampToDisplays, loadWindowState, trackWindowState, WINDOW_STATE_FILE } from './window-state.ts';
import { appRootUrl, BACKGROUND, rendererSource, windowOptions } from './window.ts';

/** Stopping runs checkpoints each one; a hung worker must not keep the app from quitting forever. */
const CLOSE_TIMEOUT_MS = 20_000;

const mainDir = dirname(fileURLToPath(import.meta.url));
const preloadPath = join(mainDir, '..', 'preload', 'index.cjs');
const source = rendererSource(mainDir);
const appRoot = appRootUrl(source);
const isDev = source.kind === 'url' || process.env.VAE_WORKBENCH_DEVTOOLS === '1';

// Before anything reads userData (the single-instance lock does): the database must be the one the
// CLI finds through paths.ts, whatever package.json's name is.
app.setName(PRODUCT_NAME);
app.setPath('userData', userDataDir());
app.enableSandbox();

// From here on, a fault nobody caught is written to the log file (with its stack) instead of ending
// the app or vanishing with the terminal that started it.
const log = createFileLogger({ file: join(app.getPath('userData'), 'logs', LOG_FILE) });
installProcessHandlers(log, 'app');

let core: AppCore | null = null;
let ipc: IpcBinding | null = null;
let mainWindow: BrowserWindow | null = null;
let quitState: 'running' | 'closing' | 'closed' = 'running';

const openExternal = (url: string) => shell.openExternal(url);

function backgroundColor(): string {
  return nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light;
}

function displayWorkAreas() {
  const primary = screen.getPrimaryDisplay();
  return [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea);
}

function createWindow(): BrowserWindow {
  const stateFile = join(app.getPath('userData'), WINDOW_STATE_FILE);
  const state = clampToDisplays(loadWindowState(stateFile), displayWorkAreas());
  const win = new BrowserWindow(windowOptions(state, preloadPath, { dark: nativeTheme.shouldUseDarkColors }));
  const reveal = () => {
    if (win.isDestroyed() || win.isVisible()) return;
    if (state.maximized) win.maximize();
    win.show();
  };
  win.once('ready-to-show', reveal);
  // A page that fails to load would otherwise leave an invisible window and a running app.
  win.webContents.once('did-fail-load', reveal);
  trackWindowState(win, stateFile);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
  const loading = source.kind === 'url' ? win.loadURL(source.url) : win.loadFile(source.path);
  loading.catch((e: unknown) => log.error('The window could not load its page', e));
  return win;
}

async function pickDataFile(): Promise<string | null> {
  const options: OpenDialogOptions = {
    title: 'Choose a data set',
    properties: ['openFile'],
    filters: [
      { name: 'MNIST-style data (CSV, IDX, gzip)', extensions: ['csv', 'gz', 'idx', 'ubyte', 'idx3-ubyte'] },
      // Raw IDX files are usually named without any extension (train-images-idx3-ubyte).
      { name: 'All files', extensions: ['*'] },
    ],
  };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

async function pickDataFolder(): Promise<string | null> {
  const options: OpenDialogOptions = { title: 'Choose a folder of images', properties: ['openDirectory'] };
  const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

async function pickExportFolder(suggestedName: string): Promise<string | null> {
  const options: SaveDialogOptions = {
    title: 'Export the run to a new folder',
    buttonLabel: 'Export',
    defaultPath: join(app.getPath('documents'), suggestedName),
    // No overwrite prompt: exportRun refuses an occupied folder anyway, so its "yes" could only fail.
    properties: ['createDirectory'],
  };
  const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}

function projectUrl(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(app.getAppPath(), 'package.json'), 'utf8')) as {
      homepage?: unknown;
      repository?: unknown;
    };
    const repo =
      typeof pkg.repository === 'object' && pkg.repository ? (pkg.repository as { url?: unknown }).url : pkg.repository;
    const candidate = [
      pkg.homepage,
      typeof repo === 'string' ? repo.replace(/^git\+/, '').replace(/\.git$/, '') : undefined,
    ].find(isAllowedExternalUrl);
    return candidate;
  } catch {
    return undefined;
  }
}

function installMenu(): void {
  const readme = join(app.getAppPath(), 'README.md');
  const template = menuTemplate({
    platform: process.platform,
    isDev,
    sendCommand: (command) => ipc?.sendCommand(command),
    openReadme: existsSync(readme) ? () => void shell.openPath(readme) : undefined,
    projectUrl: projectUrl(),
    openExternal: (url) => openExternalSafely(url, openExternal),
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function openCore(): AppCore {
  const nativeBinding = findElectronSqliteBinding(app.getAppPath(), process.versions.electron);
  return createAppCore({
    databasePath: join(app.getPath('userData'), DATABASE_FILE),
    shell: 'electron',
    pickDataFile,
    pickDataFolder,
    pickExportFolder,
    storeOptions: nativeBinding ? { nativeBinding } : {},
    log,
  });
}

async function closeCore(c: AppCore): Promise<void> {
  ipc?.dispose();
  ipc = null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log.warn(`Runs did not stop within ${CLOSE_TIMEOUT_MS / 1000} s; quitting anyway`);
      resolve();
    }, CLOSE_TIMEOUT_MS);
  });
  try {
    await Promise.race([c.close(), timeout]);
  } catch (e) {
    log.error('Closing the workbench failed', e);
  } finally {
    clearTimeout(timer);
  }
}

function focusMainWindow(): void {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

async function start(): Promise<void> {
  app.on('second-instance', focusMainWindow);
  app.on('web-contents-created', (_event, contents) => lockDownContents(contents, appRoot, openExternal));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (core && quitState === 'running' && BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('before-quit', (event) => {
    if (!core || quitState === 'closed') return;
    // Quitting waits until every run has checkpointed and the database is closed.
    event.preventDefault();
    if (quitState === 'closing') return;
    quitState = 'closing';
    mainWindow?.hide();
    void closeCore(core).finally(() => {
      quitState = 'closed';
      app.quit();
    });
  });
  // Ctrl-C in the terminal that ran `npm start` gets the same orderly shutdown as File > Quit.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  await app.whenReady();
  installSessionPolicy(session.defaultSession, appRoot);
  nativeTheme.on('updated', () => mainWindow?.setBackgroundColor(backgroundColor()));

  try {
    core = openCore();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    log.error('The database could not be opened', e);
    dialog.showErrorBox(
      `${PRODUCT_NAME} cannot open its database`,
      `${reason}\n\nIf this mentions NODE_MODULE_VERSION, better-sqlite3 has no build for this Electron yet: start the app with \`npm start\`, which prepares one.`,
    );
    app.exit(1);
    return;
  }
  ipc = bindIpc(ipcMain, core, () => mainWindow, appRoot);
  installMenu();
  createWindow();
}

if (!app.requestSingleInstanceLock()) {
  // Another window already has the database and the runs; it is focused via 'second-instance'.
  app.quit();
} else {
  start().catch((e: unknown) => {
    log.error('The app failed to start', e);
    app.exit(1);
  });
}
