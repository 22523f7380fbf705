// Failures the store raises, as AppFailure so the IPC/HTTP boundaries can envelope them unchanged.

import { AppFailure } from '../../shared/result.ts';

export function notFound(what: string): AppFailure {
  return new AppFailure({ code: 'not-found', message: `${what} does not exist (it may have been deleted).` });
}

export function storeError(message: string): AppFailure {
  return new AppFailure({ code: 'store-error', message });
}

export function invalidArgument(message: string, field?: string): AppFailure {
  return new AppFailure(
    field === undefined ? { code: 'invalid-argument', message } : { code: 'invalid-argument', message, field },
  );
}

/** better-sqlite3's SqliteError carries SQLite's extended result code as a string, e.g. SQLITE_CONSTRAINT_FOREIGNKEY. */
export function sqliteCode(e: unknown): string | undefined {
  if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/**
 * Inserts that reference a run fail with a foreign-key violation when the run is gone (deleted by another
 * window or the CLI mid-training); callers deserve "run 7 does not exist", not SQLite's wording.
 */
export function rethrowMissingRun(e: unknown, runId: number): never {
  if (sqliteCode(e) === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw notFound(`Run ${runId}`);
  throw e;
}
