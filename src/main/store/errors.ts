// Failures the store raises, as AppFailure so the IPC/HTTP boundaries can envelope them unchanged.
// SQLite's own errors are translated here, at the store's boundary, so that every one of them names
// the database file: a person with the app and the CLI on two databases must know which one failed.

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

// SQLite's wording ("database is locked") says what, not why; these say what a person can do about it.
// Keyed by primary result code: the extended ones (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) share them.
const HINTS: Record<string, string> = {
  SQLITE_FULL: 'the disk, or the size limit of the database, is full',
  SQLITE_BUSY: 'another process held the write lock for longer than the busy timeout',
  SQLITE_LOCKED: 'another connection in this process holds a conflicting lock',
  SQLITE_READONLY: 'the database cannot be written (a read-only file, folder or connection)',
  SQLITE_CORRUPT: 'the file is damaged',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_IOERR: 'the operating system reported an I/O error',
  SQLITE_CANTOPEN: 'the file cannot be opened',
  SQLITE_PERM: 'access to the file was denied',
};

/**
 * Any failure out of the store as an AppFailure: the store's own (not found, bad argument) pass through;
 * SQLite's and the operating system's become 'store-error' naming `file`, SQLite's reason and code.
 */
export function databaseFailure(e: unknown, file: string): AppFailure {
  if (e instanceof AppFailure) return e;
  const reason = e instanceof Error ? e.message : String(e);
  const code = sqliteCode(e);
  const hint = code === undefined ? undefined : HINTS[code.replace(/^(SQLITE_[A-Z]+?)_.*$/, '$1')];
  const detail = code === undefined ? reason : `${reason} (${code}${hint === undefined ? '' : `: ${hint}`})`;
  return storeError(`The run database ${file} failed: ${detail}`);
}

/** True when a failure came out of SQLite (or the file under it) rather than from the store's own checks. */
export function isDatabaseFailure(e: unknown): boolean {
  return e instanceof AppFailure && e.appError.code === 'store-error';
}

/**
 * The same object with every method translating its failures through databaseFailure. Getters and plain
 * values pass through untouched (a metric writer's `pending`), so callers cannot tell the difference.
 */
export function namingFile<T extends object>(target: T, file: string): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value: unknown = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        } catch (e) {
          throw databaseFailure(e, file);
        }
      };
    },
  });
}
