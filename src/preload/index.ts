// The only bridge between the sandboxed page and main. It exposes the contract's methods, generated
// from METHOD_NAMES so nothing else can slip in, plus two subscriptions. There is deliberately no
// generic invoke/send: a compromised page can reach only what the contract already validates.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { METHOD_NAMES, type AppCommandEvent, type WorkbenchClient, type WorkbenchEvent } from '../shared/contract.ts';
import type { AppError, Result } from '../shared/result.ts';
import { COMMAND_CHANNEL, EVENT_CHANNEL, methodChannel } from './channels.ts';

/** The Electron window has a native menu, so its client always offers onCommand. */
export type WorkbenchBridge = WorkbenchClient & Required<Pick<WorkbenchClient, 'onCommand'>>;

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  // The page gets the payload only: the IpcRendererEvent carries `sender`, a handle on ipcRenderer.
  const forward = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

/**
 * The contract promises methods that never reject. Main's handlers always answer with an envelope,
 * but the IPC itself can fail (arguments that cannot be cloned, a handler gone while the app
 * quits): that failure becomes an envelope too, so the page never sees a rejection.
 */
async function call(method: (typeof METHOD_NAMES)[number], args: unknown): Promise<Result<unknown>> {
  try {
    return (await ipcRenderer.invoke(methodChannel(method), args)) as Result<unknown>;
  } catch (e) {
    const error: AppError = {
      code: 'internal',
      message: `The call ${method} did not reach the app: ${e instanceof Error ? e.message : String(e)}`,
    };
    return { ok: false, error };
  }
}

// One argument only, so a page cannot smuggle extra positional data past the validators.
const methods = Object.fromEntries(METHOD_NAMES.map((name) => [name, (args?: unknown) => call(name, args)]));

const bridge = {
  ...methods,
  onEvent: (listener: (event: WorkbenchEvent) => void) => subscribe(EVENT_CHANNEL, listener),
  onCommand: (listener: (event: AppCommandEvent) => void) => subscribe(COMMAND_CHANNEL, listener),
} as WorkbenchBridge;

contextBridge.exposeInMainWorld('workbench', bridge);
