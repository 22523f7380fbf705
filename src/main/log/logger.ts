// A small leveled logger for the long-running processes (the Electron main process and the browser-mode
// server): one line per entry, appended synchronously so the line of a fatal error is on disk before the
// process goes, to a file that rotates by size (workbench.log, workbench.log.1, ... workbench.log.N) so a
// process that runs for months never fills the disk with its own log.

import { appendFileSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userDataDir } from '../paths.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  /** The file entries go to, or null for a logger that writes nowhere (or only to the console). */
  readonly file: string | null;
  debug(message: string, error?: unknown): void;
  info(message: string, error?: unknown): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

export interface FileLoggerOptions {
  file: string;
  /** Entries below this level are dropped. Default 'info'. */
  level?: LogLevel;
  /** Rotate before the file would pass this size (an entry longer than this gets a file of its own). Default 1 MiB. */
  maxBytes?: number;
  /** Rotated files kept beside the current one. Default 3. */
  keep?: number;
  /** Also print warnings and errors to stderr (a terminal that started the app sees them). */
  echo?: (line: string) => void;
  now?: () => Date;
}

export const LOG_FILE = 'workbench.log';

/** The log file in the app's data folder, beside the database. */
export function defaultLogPath(): string {
  return join(userDataDir(), 'logs', LOG_FILE);
}

function describe(error: unknown): string {
  if (error === undefined) return '';
  if (error instanceof Error) return `\n  ${(error.stack ?? `${error.name}: ${error.message}`).replace(/\n/g, '\n  ')}`;
  try {
    // undefined for functions and symbols, which JSON cannot say.
    return `\n  ${JSON.stringify(error) ?? typeof error}`;
  } catch {
    return '\n  (a value that cannot be shown: circular or too deep)';
  }
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** file.keep is dropped, file.(i) becomes file.(i+1), file becomes file.1. */
function rotate(file: string, keep: number): void {
  rmSync(`${file}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) {
    try {
      renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    } catch {
      // Not there yet: fewer rotations have happened than `keep`.
    }
  }
  if (keep > 0) renameSync(file, `${file}.1`);
  else rmSync(file, { force: true });
}

export function createFileLogger(options: FileLoggerOptions): Logger {
  const { file, echo } = options;
  const minimum = RANK[options.level ?? 'info'];
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const keep = options.keep ?? 3;
  const now = options.now ?? (() => new Date());
  let broken = false;

  const write = (level: LogLevel, message: string, error: unknown) => {
    if (RANK[level] < minimum) return;
    const line = `${now().toISOString()} ${level.toUpperCase().padEnd(5)} [pid ${process.pid}] ${message}${describe(error)}\n`;
    if (echo && RANK[level] >= RANK.warn) echo(line);
    try {
      mkdirSync(dirname(file), { recursive: true });
      // The size is asked of the file each time, not counted here: the app and a server may share it.
      if (sizeOf(file) > 0 && sizeOf(file) + Buffer.byteLength(line) > maxBytes) rotate(file, keep);
      appendFileSync(file, line);
      broken = false;
    } catch (e) {
      // Logging must never become the fault: say so once on stderr and carry on.
      if (!broken) process.stderr.write(`cannot write the log file ${file}: ${(e as Error).message}\n`);
      broken = true;
    }
  };
  return {
    file,
    debug: (m, e) => write('debug', m, e),
    info: (m, e) => write('info', m, e),
    warn: (m, e) => write('warn', m, e),
    error: (m, e) => write('error', m, e),
  };
}

/** Warnings and errors to stderr, nothing to disk: the default where no log file was set up (tests, the CLI). */
export const stderrLogger: Logger = {
  file: null,
  debug: () => {},
  info: () => {},
  warn: (m, e) => process.stderr.write(`warning: ${m}${describe(e)}\n`),
  error: (m, e) => process.stderr.write(`error: ${m}${describe(e)}\n`),
};
