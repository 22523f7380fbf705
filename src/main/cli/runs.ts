// `npm run runs -- list | show ID | eval ID | export ID --out DIR | import DIR | image-cache`: reads
// and writes the run database (and the decoded-image cache beside it).

import { parse, parseId, parseRunId, runCli, UsageError, withStore } from './common.ts';
import { evalCommand, evaluationText } from './eval-command.ts';
import { imageCacheCommand } from './image-cache-command.ts';
import { skippedText } from './data-progress.ts';
import { runDetails, runsTable, terminalText } from './format.ts';
import { bestCheckpointLine, controlsLines } from './controls-text.ts';
import { AppFailure } from '../../shared/result.ts';
import { appVersion } from '../app-core.ts';
import { exportRun, importRun } from '../export/index.ts';

const USAGE = `Usage: npm run runs -- <command> [options]

Commands:
  list [--sweep ID]    every run (or a sweep's), newest first
  show ID              one run: settings, progress and final metrics, with its epoch history
  eval ID              the importance-weighted negative log-likelihood NLL_k of a checkpoint (the
                       latest by default), with bits/dim, active units and I(x;z); stored with the run
  export ID --out DIR  write a finished run to the new folder DIR: encoder and decoder in the
    [--checkpoint best] TensorFlow.js Layers format, manifest.json, metrics CSVs, image PNGs;
                       the latest checkpoint's weights, or with --checkpoint best the best one's
  import DIR           check an export folder, then add it to the database as a new run
  image-cache          the decoded image folders' cache files, most recently used first
    [--prune]          remove the least recently used beyond --max-gb (default 10) and
    [--max-gb N]       --max-files (default 32); loads do this by themselves after decoding
    [--max-files N]

Options:
  --db PATH            database file (default: the app's, in its user-data folder)
  --sweep ID           list only the runs of this sweep
  --out DIR            the folder export creates (it must not exist, or be empty)
  --k N                eval: importance samples per image, 1..5000 (default: the run's, else 100)
  --images N           eval: evaluation images used at most (default: the run's, else 1000)
  --checkpoint C       eval: last (default), best, or the checkpoint at this step (show lists them);
                       export: last or best
  --json               print JSON instead of text
  -h, --help           show this help`;

const OPTIONS = {
  options: {
    db: { type: 'string' },
    out: { type: 'string' },
    checkpoint: { type: 'string' },
    sweep: { type: 'string' },
    k: { type: 'string' },
    images: { type: 'string' },
    json: { type: 'boolean' },
    prune: { type: 'boolean' },
    'max-gb': { type: 'string' },
    'max-files': { type: 'string' },
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
  if (values.sweep !== undefined && command !== 'list') throw new UsageError('--sweep is for list');
  for (const flag of ['k', 'images', 'checkpoint'] as const)
    if (values[flag] !== undefined && command !== 'eval') throw new UsageError(`--${flag} is for eval`);
  for (const flag of ['prune', 'max-gb', 'max-files'] as const)
    if (values[flag] !== undefined && command !== 'image-cache') throw new UsageError(`--${flag} is for image-cache`);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (command === 'list') {
    if (rest.length) throw new UsageError(`list takes no arguments, got "${rest.join(' ')}"`);
    const sweepId = values.sweep === undefined ? null : parseId('sweep', values.sweep);
    await withStore(values.db, (store) => {
      if (sweepId !== null && !store.sweeps.get(sweepId))
        throw new AppFailure({ code: 'not-found', message: `sweep ${sweepId} does not exist in ${store.file}` });
      const runs = sweepId === null ? store.runs.list() : store.runs.list().filter((r) => r.sweepId === sweepId);
      out(values.json ? JSON.stringify(runs) : runsTable(runs));
    });
    return 0;
  }
  if (command === 'show') {
    if (rest.length !== 1) throw new UsageError('show takes one run id');
    const id = parseRunId(rest[0]);
    await withStore(values.db, (store) => {
      const run = store.runs.get(id);
      if (!run) throw new AppFailure({ code: 'not-found', message: `run ${id} does not exist in ${store.file}` });
      const epochs = store.metrics.listEpochs(id);
      if (values.json) {
        out(
          JSON.stringify({
            ...run,
            epochs,
            checkpoints: store.checkpoints.list(id),
            evaluations: store.evaluations.list(id),
            data: store.runData.get(id),
          }),
        );
      } else {
        const history = epochs.map(
          (e) =>
            `  epoch ${String(e.epoch).padStart(3)}  train ${e.train.total.toFixed(2)}  held-out ${e.heldOut ? e.heldOut.total.toFixed(2) : '-'}  ${Math.round(e.imagesPerSec)} img/s`,
        );
        const evaluations = store.evaluations.list(id).map(evaluationText);
        const data = store.runData.get(id);
        const classes = data?.classNames
          ? [`  classes     ${data.classNames.map((c, i) => `${i} ${terminalText(c)}`).join(', ')}`]
          : [];
        out(
          [
            runDetails(run),
            ...controlsLines(run.config),
            bestCheckpointLine(store.checkpoints.list(id)),
            ...classes,
            ...(data && data.skipped.length > 0 ? ['', skippedText(data.skipped, Infinity).trimEnd()] : []),
            ...(history.length ? ['', 'Epochs:', ...history] : []),
            ...(evaluations.length ? ['', 'Evaluations:', ...evaluations] : []),
          ].join('\n'),
        );
      }
    });
    return 0;
  }
  if (command === 'eval') {
    if (rest.length !== 1) throw new UsageError('eval takes one run id');
    const id = parseRunId(rest[0]);
    return withStore(values.db, (store) => evalCommand(store, id, values, out));
  }
  if (command === 'export') {
    if (rest.length !== 1) throw new UsageError('export takes one run id');
    const id = parseRunId(rest[0]);
    if (!values.out) throw new UsageError('export needs --out DIR, the folder to create');
    const dir = values.out;
    const which = values.checkpoint ?? 'last';
    if (which !== 'last' && which !== 'best') throw new UsageError(`--checkpoint takes best or last, not "${which}"`);
    await withStore(values.db, async (store) => {
      const result = await exportRun(store, id, dir, appVersion(), which);
      out(
        values.json ? JSON.stringify(result) : `Exported run ${id} to ${terminalText(result.dir)} (${result.files.length} files)`,
      );
    });
    return 0;
  }
  if (command === 'import') {
    const [folder] = rest;
    if (folder === undefined || rest.length !== 1) throw new UsageError('import takes one folder');
    if (values.out !== undefined) throw new UsageError('--out is for export');
    await withStore(values.db, async (store) => {
      const run = await importRun(store, folder);
      out(values.json ? JSON.stringify(run) : `Imported ${terminalText(folder)} as run ${run.id} "${terminalText(run.name)}"`);
    });
    return 0;
  }
  if (command === 'image-cache') {
    if (rest.length) throw new UsageError(`image-cache takes no arguments, got "${rest.join(' ')}"`);
    out(await imageCacheCommand({ prune: values.prune === true, maxGb: values['max-gb'], maxFiles: values['max-files'] }));
    return 0;
  }
  throw new UsageError(`unknown command "${command}"`);
}

await runCli(USAGE, main);
