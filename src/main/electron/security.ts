// The window may show only the app's own pages. Everything that could take it elsewhere (links,
// redirects, window.open, <webview>) is refused, and the session grants no permission but notifications. The pure
// URL rules are exported so they can be tested without Electron.

import type { Session, WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from './window.ts';

const MAX_EXTERNAL_URL_LENGTH = 2048;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** May this link be handed to the system browser? Only plain web pages on a named host. */
export function isAllowedExternalUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > MAX_EXTERNAL_URL_LENGTH) return false;
  const parsed = parse(url);
  if (!parsed) return false;
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  // user:pass@host is a classic way to disguise where a link really goes.
  if (parsed.username !== '' || parsed.password !== '') return false;
  return parsed.hostname !== '';
}

/**
 * Is `url` one of the app's pages? `appRoot` is a file: folder URL (the built renderer) or an
 * http(s) origin (the dev server). URL parsing resolves `..`, so a path can't climb out of the root.
 */
export function isAppUrl(url: unknown, appRoot: string): boolean {
  if (typeof url !== 'string') return false;
  const target = parse(url);
  const root = parse(appRoot);
  if (!target || !root) return false;
  if (root.protocol === 'file:') {
    if (target.protocol !== 'file:' || target.host !== root.host) return false;
    // An encoded separator would be decoded by the file loader after our prefix check.
    if (/%2f|%5c/i.test(target.pathname)) return false;
    const rootPath = root.pathname.endsWith('/') ? root.pathname : `${root.pathname}/`;
    return target.pathname.startsWith(rootPath);
  }
  if (root.protocol !== 'http:' && root.protocol !== 'https:') return false;
  return target.origin === root.origin;
}

export type OpenExternal = (url: string) => Promise<void> | void;

/** Hands a web link to the system browser, or drops it; never throws into an event handler. */
export function openExternalSafely(url: string, openExternal: OpenExternal): boolean {
  if (!isAllowedExternalUrl(url)) return false;
  void Promise.resolve()
    .then(() => openExternal(new URL(url).href))
    .catch((e: unknown) => console.warn(`[security] could not open ${url}:`, e));
  return true;
}

type Contents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Applied to every webContents the app creates (see app 'web-contents-created'). */
export function lockDownContents(contents: Contents, appRoot: string, openExternal: OpenExternal): void {
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url, appRoot)) return;
    event.preventDefault();
    // A plain link to a web page is the user's intent to read it: give it to their browser.
    openExternalSafely(url, openExternal);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, appRoot)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url, openExternal);
    return { action: 'deny' };
  });
}

type PolicySession = {
  setPermissionRequestHandler: Session['setPermissionRequestHandler'];
  setPermissionCheckHandler: Session['setPermissionCheckHandler'];
  webRequest: Pick<Session['webRequest'], 'onHeadersReceived'>;
};

/**
 * The one permission the workbench uses: desktop notifications, when a run or sweep finishes while
 * the window is elsewhere. No camera, clipboard reads or anything else a page might ask for.
 */
export function isGrantedPermission(permission: string): boolean {
  return permission === 'notifications';
}

/**
 * Only the permissions isGrantedPermission names. The CSP header covers pages served over http (the
 * dev server); file: responses have no headers, so the built page relies on the same policy in its
 * <meta> tag.
 */
export function installSessionPolicy(session: PolicySession, appRoot: string): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(isGrantedPermission(permission)));
  session.setPermissionCheckHandler((_contents, permission) => isGrantedPermission(permission));
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, appRoot)) return callback({});
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
}
