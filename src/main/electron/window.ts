// What the main window is, as data: its options, where its page comes from, and the policy the page
// runs under. Only Electron *types* are imported, so all of this can be checked under plain Node.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserWindowConstructorOptions } from 'electron';
import { PRODUCT_NAME } from '../paths.ts';

export const MIN_WIDTH = 960;
export const MIN_HEIGHT = 640;
export const DEFAULT_WIDTH = 1280;
export const DEFAULT_HEIGHT = 840;

/** Painted before the page's first frame; a dark-mode user must not get a white flash. */
export const BACKGROUND = { light: '#f7f7f8', dark: '#1b1c1f' } as const;

export interface WindowState {
  width: number;
  height: number;
  /** Absent: let the OS centre the window. */
  x?: number;
  y?: number;
  maximized: boolean;
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // The settings-importance fit runs in a module worker from the app's own files (it would fall back
  // to script-src anyway; said outright so a later script-src change cannot silently widen it).
  "worker-src 'self'",
  // Svelte and chart.js set inline styles; scripts stay strict.
  "style-src 'self' 'unsafe-inline'",
  // Image grids arrive as data: and blob: URLs.
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function windowOptions(
  state: WindowState,
  preloadPath: string,
  theme: { dark: boolean } = { dark: false },
): BrowserWindowConstructorOptions {
  return {
    title: PRODUCT_NAME,
    width: state.width,
    height: state.height,
    ...(state.x === undefined || state.y === undefined ? {} : { x: state.x, y: state.y }),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    backgroundColor: theme.dark ? BACKGROUND.dark : BACKGROUND.light,
    // Shown on ready-to-show, so the user never sees an empty frame.
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      navigateOnDragDrop: false,
    },
  };
}

/**
 * Where the page comes from: the Vite dev server under `electron-vite dev` (it sets
 * ELECTRON_RENDERER_URL), otherwise the built files beside the main bundle.
 */
export type RendererSource = { kind: 'url'; url: string } | { kind: 'file'; path: string };

export function rendererSource(mainDir: string, env: NodeJS.ProcessEnv = process.env): RendererSource {
  const devUrl = env.ELECTRON_RENDERER_URL;
  if (devUrl) return { kind: 'url', url: devUrl };
  return { kind: 'file', path: join(mainDir, '..', 'renderer', 'index.html') };
}

/** The URL prefix every page of the app lives under; anything else is foreign. */
export function appRootUrl(source: RendererSource): string {
  if (source.kind === 'url') return new URL('/', source.url).href;
  return new URL('.', pathToFileURL(source.path)).href;
}
