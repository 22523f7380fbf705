// The renderer's one client, typed by the contract. In the Electron window the preload has exposed
// `window.workbench` (exactly the contract's methods over IPC); in a browser the same contract runs
// over WebSocket to `npm run serve`. Nothing else in the renderer knows which.

import type { WorkbenchClient } from '../../../../shared/contract.ts';
import { connectWebSocketClient } from './ws.ts';

declare global {
  interface Window {
    workbench?: WorkbenchClient;
  }
}

let client: WorkbenchClient | null = null;

export function getClient(): WorkbenchClient {
  if (!client) client = window.workbench ?? connectWebSocketClient(window.location);
  return client;
}
