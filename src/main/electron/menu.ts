// The native menu as data. Standard items use Electron roles, so shortcuts and labels follow each
// platform's conventions; app commands are forwarded to the UI, which decides how to show them.

import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../../shared/contract.ts';
import { PRODUCT_NAME } from '../paths.ts';

export interface MenuDeps {
  platform: NodeJS.Platform;
  /** Reload and developer tools are for working on the app, not for using it. */
  isDev: boolean;
  sendCommand(command: AppCommand): void;
  /** Opens the read-me; omitted when the app has none to show. */
  openReadme?: () => void;
  /** The project's web page, opened in the system browser; omitted when unknown. */
  projectUrl?: string;
  openExternal(url: string): void;
}

export function menuTemplate(deps: MenuDeps): MenuItemConstructorOptions[] {
  const mac = deps.platform === 'darwin';
  const sep: MenuItemConstructorOptions = { type: 'separator' };

  const appMenu: MenuItemConstructorOptions = {
    label: PRODUCT_NAME,
    submenu: [
      { role: 'about' },
      sep,
      { role: 'services' },
      sep,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      sep,
      { role: 'quit' },
    ],
  };

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'New Experiment', accelerator: 'CmdOrCtrl+N', click: () => deps.sendCommand('new-experiment') },
      { label: 'Open Data File…', accelerator: 'CmdOrCtrl+O', click: () => deps.sendCommand('open-data-file') },
      {
        label: 'Open Image Folder…',
        accelerator: 'CmdOrCtrl+Shift+O',
        click: () => deps.sendCommand('open-image-folder'),
      },
      sep,
      // On macOS Quit lives in the app menu; elsewhere File ends with it.
      ...(mac ? [{ role: 'close' } as const] : [{ role: 'close' } as const, { role: 'quit' } as const]),
    ],
  };

  const edit: MenuItemConstructorOptions = {
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      sep,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' } as const] : []),
      { role: 'delete' },
      sep,
      { role: 'selectAll' },
    ],
  };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      ...(deps.isDev
        ? [{ role: 'reload' } as const, { role: 'forceReload' } as const, { role: 'toggleDevTools' } as const, sep]
        : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      sep,
      { role: 'togglefullscreen' },
    ],
  };

  const windowMenu: MenuItemConstructorOptions = {
    label: '&Window',
    role: 'windowMenu',
    submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, sep, { role: 'front' }] : [{ role: 'minimize' }, { role: 'close' }],
  };

  const helpItems: MenuItemConstructorOptions[] = [];
  if (deps.openReadme) helpItems.push({ label: 'Read Me', click: deps.openReadme });
  if (deps.projectUrl) {
    const url = deps.projectUrl;
    helpItems.push({ label: `${PRODUCT_NAME} on the Web`, click: () => deps.openExternal(url) });
  }
  const help: MenuItemConstructorOptions[] = helpItems.length ? [{ label: '&Help', role: 'help', submenu: helpItems }] : [];

  return [...(mac ? [appMenu] : []), file, edit, view, windowMenu, ...help];
}
