// Last-resort handlers for the long-running processes. An exception nobody caught, or a promise nobody
// awaited, would otherwise end the Electron app or the server with a stack trace on a terminal nobody
// watches (or none at all). Here it goes to the log file with its stack, and the process carries on:
// every run already ends itself on its own faults (see runs/), so what reaches this point is a bug in
// glue code, and stopping every run and the window over it would be the worse outcome.

import type { Logger } from './logger.ts';

export interface ProcessHandlers {
  /** Removes the handlers (tests; a process installs them once for its whole life). */
  uninstall(): void;
}

export function installProcessHandlers(log: Logger, processName: string): ProcessHandlers {
  // One line on stderr for whoever watches the terminal; the stack is in the file.
  const tell = (what: unknown) =>
    process.stderr.write(
      `${processName}: unexpected error: ${what instanceof Error ? what.message : String(what)}${log.file ? ` (details in ${log.file})` : ''}\n`,
    );
  const onException = (error: Error, origin: string) => {
    log.error(`${processName}: uncaught exception (${origin}); carrying on`, error);
    tell(error);
  };
  const onRejection = (reason: unknown) => {
    log.error(`${processName}: unhandled promise rejection; carrying on`, reason);
    tell(reason);
  };
  const onWarning = (warning: Error) => log.warn(`${processName}: ${warning.name}: ${warning.message}`);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  process.on('warning', onWarning);
  return {
    uninstall() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
      process.off('warning', onWarning);
    },
  };
}
