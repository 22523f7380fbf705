// The IPC wire between the preload and main. Kept apart from both sides so they cannot drift:
// main registers exactly these channels and the preload invokes exactly these.

import type { MethodName } from '../shared/contract.ts';

export const METHOD_CHANNEL_PREFIX = 'workbench:';
export const EVENT_CHANNEL = 'workbench:event';
/** Menu commands travel apart from WorkbenchEvent until the contract grows a command variant. */
export const COMMAND_CHANNEL = 'workbench:command';

export const methodChannel = (method: MethodName): string => METHOD_CHANNEL_PREFIX + method;

/** Things the native menu asks the UI to do; the UI owns how each is shown. */
export const WORKBENCH_COMMANDS = ['new-experiment', 'open-data-file'] as const;
export type WorkbenchCommand = (typeof WORKBENCH_COMMANDS)[number];
export interface WorkbenchCommandEvent {
  type: 'command';
  command: WorkbenchCommand;
}
