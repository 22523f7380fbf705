// `npm run serve`: the workbench in a browser. Prints the address (with its access token), serves
// until Ctrl-C or SIGTERM, then lets every run checkpoint before closing the database.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createFileLogger, defaultLogPath } from '../log/logger.ts';
import { installProcessHandlers } from '../log/process-handlers.ts';
import { runBrowserMode, DEFAULT_PORT, type BrowserMode } from './browser-mode.ts';
import { unusableDatabasePath } from '../paths.ts';

export { runBrowserMode, type BrowserMode, type BrowserModeOptions } from './browser-mode.ts';

const USAGE = `Usage: npm run serve -- [options]

Serves VAE Workbench to a browser on this computer.

Options:
  --port N      port to listen on (default ${DEFAULT_PORT}, or a free one when it is taken; 0 = any free port)
  --host H      address to listen on (default 127.0.0.1; anything else is reachable from the network)
  --db PATH     database file (default: the app's, in its user-data folder)
  --no-open     do not open a browser
  -h, --help    show this help`;

function usageError(message: string): never {
  process.stderr.write(`error: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) usageError(`--port must be a whole number from 0 to 65535, got "${text}"`);
  return port;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        db: { type: 'string' },
        'no-open': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    usageError((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const unusableDb = values.db === undefined ? null : unusableDatabasePath(values.db);
  if (unusableDb) usageError(unusableDb);
  // A fault nobody caught goes to the log file with its stack; the server keeps serving (see process-handlers.ts).
  const log = createFileLogger({ file: defaultLogPath() });
  installProcessHandlers(log, 'server');
  let app: BrowserMode;
  try {
    app = await runBrowserMode({
      log,
      port: parsePort(values.port),
      host: values.host,
      databasePath: values.db,
      open: values['no-open'] !== true,
    });
  } catch (e) {
    log.error('The server could not start', e);
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  // Logged before the address is printed: whoever acts on that line finds the log already written.
  log.info(`Serving ${app.core.store.file} on port ${app.port}; this log is ${defaultLogPath()}`);
  process.stdout.write(`VAE Workbench is running at ${app.url}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting for runs to checkpoint.\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write('Stopping: live runs save a checkpoint first...\n');
    app.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// Run only as the program itself, so the Electron launcher can import runBrowserMode from here.
function isEntry(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) void main();
