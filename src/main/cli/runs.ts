// `npm run runs -- list | show ID`: reads the run database.

import { openStore, parse, parseRunId, runCli, UsageError } from './common.ts';
import { runDetails, runsTable } from './format.ts';
import { AppFailure } from '../../shared/result.ts';

const USAGE = `Usage: npm run runs -- <command> [options]

Commands:
  list                 every run, newest first
  show ID              one run: settings, progress and final metrics, with its epoch history

Options:
  --db PATH            database file (default: the app's, in its user-data folder)
  --json               print JSON instead of text
  -h, --help           show this help`;

const OPTIONS = {
  options: {
    db: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  allowPositionals: true,
} as const;

async function main(): Promise<number> {
  const { values, positionals } = parse(OPTIONS, process.argv.slice(2));
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const [command, ...rest] = positionals;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (command === 'list') {
    if (rest.length) throw new UsageError(`list takes no arguments, got "${rest.join(' ')}"`);
    const store = openStore(values.db);
    try {
      const runs = store.runs.list();
      out(values.json ? JSON.stringify(runs) : runsTable(runs));
    } finally {
      store.close();
    }
    return 0;
  }
  if (command === 'show') {
    if (rest.length !== 1) throw new UsageError('show takes one run id');
    const id = parseRunId(rest[0]);
    const store = openStore(values.db);
    try {
      const run = store.runs.get(id);
      if (!run) throw new AppFailure({ code: 'not-found', message: `run ${id} does not exist in ${store.file}` });
      const epochs = store.metrics.listEpochs(id);
      if (values.json) {
        out(JSON.stringify({ ...run, epochs, checkpoints: store.checkpoints.list(id) }));
      } else {
        const history = epochs.map(
          (e) => `  epoch ${String(e.epoch).padStart(3)}  train ${e.train.total.toFixed(2)}  held-out ${e.heldOut ? e.heldOut.total.toFixed(2) : '-'}  ${Math.round(e.imagesPerSec)} img/s`,
        );
        out([runDetails(run), ...(history.length ? ['', 'Epochs:', ...history] : [])].join('\n'));
      }
    } finally {
      store.close();
    }
    return 0;
  }
  throw new UsageError(`unknown command "${command}"`);
}

await runCli(USAGE, main);
