// The IPC wire between the preload and main. Kept apart from both sides so they cannot drift:
// main registers exactly these channels and the preload invokes exactly these.

import type { MethodName } from '../shared/contract.ts';

export const METHOD_CHANNEL_PREFIX = 'workbench:';
export const EVENT_CHANNEL = 'workbench:event';
/** Menu commands (the contract's AppCommandEvent) travel apart from WorkbenchEvent: only Electron has them. */
export const COMMAND_CHANNEL = 'workbench:command';

export const methodChannel = (method: MethodName): string => METHOD_CHANNEL_PREFIX + method;
