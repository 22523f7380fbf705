// placeholder: the WebSocket transport of the contract (browser mode).
import type { WorkbenchClient } from '../../../../shared/contract.ts';
export function connectWebSocketClient(_location: Location): WorkbenchClient {
  throw new Error('not implemented');
}
