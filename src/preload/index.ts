// The only bridge between the sandboxed page and main. It exposes the contract's methods, generated
// from METHOD_NAMES so nothing else can slip in, plus two subscriptions. There is deliberately no
// generic invoke/send: a compromised page can reach only what the contract already validates.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { METHOD_NAMES, type WorkbenchClient, type WorkbenchEvent } from '../shared/contract.ts';
import { COMMAND_CHANNEL, EVENT_CHANNEL, methodChannel, type WorkbenchCommandEvent } from './channels.ts';

export type WorkbenchBridge = WorkbenchClient & {
  /** Native menu commands (File > New experiment, ...); returns the unsubscribe function. */
  onCommand(listener: (event: WorkbenchCommandEvent) => void): () => void;
};

function subscribe<T>(channel: string, listener: (payload: T) => void): () => void {
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  // The page gets the payload only: the IpcRendererEvent carries `sender`, a handle on ipcRenderer.
  const forward = (_event: IpcRendererEvent, payload: T) => listener(payload);
  ipcRenderer.on(channel, forward);
  return () => {
    ipcRenderer.removeListener(channel, forward);
  };
}

// One argument only, so a page cannot smuggle extra positional data past the validators.
const methods = Object.fromEntries(
  METHOD_NAMES.map((name) => [name, (args?: unknown) => ipcRenderer.invoke(methodChannel(name), args)]),
);

const bridge = {
  ...methods,
  onEvent: (listener: (event: WorkbenchEvent) => void) => subscribe(EVENT_CHANNEL, listener),
  onCommand: (listener: (event: WorkbenchCommandEvent) => void) => subscribe(COMMAND_CHANNEL, listener),
} as WorkbenchBridge;

contextBridge.exposeInMainWorld('workbench', bridge);
