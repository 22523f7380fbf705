// `npm run worker`: trains sweep trials from a queue (see src/main/queue/queue-worker.ts) until
// Ctrl-C or SIGTERM, which stops the trials in flight at a checkpoint and hands them back.

import { hostname } from 'node:os';
import type { BackendChoice } from '../../shared/config.ts';
import { redactUrl } from '../queue/connect.ts';
import { timingFromEnv } from '../queue/protocol.ts';
import { startQueueWorker } from '../queue/queue-worker.ts';
import { UsageError, parse, runCli } from './common.ts';

const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

const USAGE = `Usage: npm run worker -- --queue postgres://USER:PASSWORD@HOST:PORT/DB [options]

Takes sweep trials from a queue (npm run queue, or your own PostgreSQL) and trains them here; their
metrics, images, checkpoints and status go back through the queue to the sweep's machine.

Options:
  --queue URL        the queue (also read from VAE_QUEUE_URL, which keeps the password out of ps)
  --concurrency N    trials trained at once (default 1; each uses one core)
  --backend NAME     train with this backend: ${BACKEND_CHOICES.join(', ')} (default: each trial's own)
  --name LABEL       how runs show this worker (default: the host name)
  -h, --help         show this help`;

const OPTIONS = {
  options: {
    queue: { type: 'string' },
    concurrency: { type: 'string' },
    backend: { type: 'string' },
    name: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;

async function main(): Promise<number> {
  const { values } = parse(OPTIONS, process.argv.slice(2));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const url = values.queue ?? process.env.VAE_QUEUE_URL;
  if (!url) throw new UsageError('--queue URL is required');
  const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError(`--concurrency expects a whole number from 1 to 64, got "${values.concurrency}"`);
  const backend = values.backend ?? null;
  if (backend !== null && !BACKEND_CHOICES.includes(backend as BackendChoice))
    throw new UsageError(`--backend is one of ${BACKEND_CHOICES.join(', ')}, not "${backend}"`);
  const name = values.name ?? hostname();
  if (name.length === 0 || name.length > 100) throw new UsageError('--name expects 1 to 100 characters');
  const log = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  const worker = await startQueueWorker({ url, concurrency, backend, name, timing: timingFromEnv(), log });
  log(`taking trials from ${redactUrl(url)}, ${concurrency} at once`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log(`${signal}: stopping; trials in flight checkpoint and go back to the queue…`);
  await worker.stop();
  log('stopped');
  return 0;
}

await runCli(USAGE, main);
