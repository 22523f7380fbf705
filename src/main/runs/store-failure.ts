// How a run's end reads when the store was the cause: the message names the database file (a person
// may have the app and the CLI on two different ones) and SQLite's reason, whichever layer threw.

import { AppFailure } from '../../shared/result.ts';

/** The run's row is gone (deleted by another window or process): nothing left to record its end in. */
export function isGone(e: unknown): boolean {
  return e instanceof AppFailure && e.appError.code === 'not-found';
}

/** The failure's message, with the database file named when the store is to blame and does not say so. */
export function namingDatabase(e: unknown, file: string): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!(e instanceof AppFailure)) return message;
  const { code } = e.appError;
  if ((code !== 'store-error' && code !== 'not-found') || message.includes(file)) return message;
  return `${message.replace(/\.$/, '')} (run database ${file}).`;
}
