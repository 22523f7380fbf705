// What every CLI command shares: argument parsing errors as usage errors, the database location,
// and turning any failure into one line on stderr and a non-zero exit, never a stack trace.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppFailure, toAppError } from '../../shared/result.ts';
import { defaultDatabasePath, unusableDatabasePath } from '../paths.ts';
import { openDatabase, type OpenOptions, type Store } from '../store/index.ts';
import { terminalText } from './format.ts';

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_STOPPED = 130;

export class UsageError extends Error {}

export function parse<T extends ParseArgsConfig>(config: T, argv: string[]) {
  try {
    return parseArgs({ ...config, args: argv, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The database file `--db` names (see unusableDatabasePath for what is refused). */
export function databasePath(db: string | undefined): string {
  if (db === undefined) return defaultDatabasePath();
  const unusable = unusableDatabasePath(db);
  if (unusable) throw new UsageError(unusable);
  return db;
}

export function openStore(db: string | undefined, options: OpenOptions = {}): Store {
  return openDatabase(databasePath(db), options);
}

/** Opens the database for one command and closes it whatever happens. */
export async function withStore<T>(db: string | undefined, use: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openStore(db);
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

export function parseId(what: 'run' | 'sweep', text: string | undefined): number {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id <= 0)
    throw new UsageError(`expected a ${what} id (a positive whole number), got "${text ?? ''}"`);
  return id;
}

export function parseRunId(text: string | undefined): number {
  return parseId('run', text);
}

/** Runs a command; prints errors as `error: ...` and sets the exit code. */
export async function runCli(usage: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (e) {
    // Messages echo what the user or a file gave (names, paths, values): escaped, they cannot drive the terminal.
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${terminalText(e.message)}\n\n${usage}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const error = toAppError(e);
    process.stderr.write(`error: ${terminalText(error.message)}\n`);
    if (!(e instanceof AppFailure) && process.env.VAE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = EXIT_FAILED;
  }
}
