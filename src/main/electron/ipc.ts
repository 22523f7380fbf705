// Binds the contract to IPC: one invoke handler per method and one event stream to the window.
// AppCore.call validates every payload; this layer adds the check that only the app's own top-level
// page may call at all. ipcMain is a parameter so tests can drive it with a fake.

import type { IpcMainInvokeEvent } from 'electron';
import type { AppCore } from '../app-core.ts';
import { METHOD_NAMES, type AppCommand, type AppCommandEvent } from '../../shared/contract.ts';
import type { Result } from '../../shared/result.ts';
import { COMMAND_CHANNEL, EVENT_CHANNEL, methodChannel } from '../../preload/channels.ts';
import { isAppUrl } from './security.ts';

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

/** The part of an IPC event the check reads; a fake needs only this. */
export interface SenderLike {
  senderFrame: { url: string; parent: unknown } | null;
}

export interface WindowLike {
  isDestroyed(): boolean;
  webContents: { isDestroyed(): boolean; send(channel: string, ...args: unknown[]): void };
}

export const FOREIGN_SENDER_MESSAGE = 'Refused: only the VAE Workbench window may call this.';

/** From the app's own page, in its top frame; a null frame has navigated away or gone. */
export function isTrustedSender(event: SenderLike, appRoot: string): boolean {
  const frame = event.senderFrame;
  return !!frame && frame.parent === null && isAppUrl(frame.url, appRoot);
}

export interface IpcBinding {
  /** Sends a menu command to the window, if one is open. */
  sendCommand(command: AppCommand): void;
  /** Removes every handler and the event stream. */
  dispose(): void;
}

export function bindIpc(
  ipcMain: IpcMainLike,
  core: Pick<AppCore, 'call' | 'connect'>,
  getWindow: () => WindowLike | null,
  appRoot: string,
): IpcBinding {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(methodChannel(method), (event, payload): Promise<Result<unknown>> => {
      if (!isTrustedSender(event, appRoot)) {
        console.warn(`[ipc] refused ${method} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
        return Promise.resolve({ ok: false, error: { code: 'forbidden', message: FOREIGN_SENDER_MESSAGE } });
      }
      return core.call(method, payload);
    });
  }

  const sendToWindow = (channel: string, payload: unknown) => {
    const win = getWindow();
    // Closed on macOS (the app lives on): events are dropped and the page refetches when reopened.
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return;
    win.webContents.send(channel, payload);
  };
  const disconnect = core.connect((event) => sendToWindow(EVENT_CHANNEL, event));

  return {
    sendCommand: (command) => sendToWindow(COMMAND_CHANNEL, { type: 'command', command } satisfies AppCommandEvent),
    dispose() {
      disconnect();
      for (const method of METHOD_NAMES) ipcMain.removeHandler(methodChannel(method));
    },
  };
}
