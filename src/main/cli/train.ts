// `npm run train`: trains one run in a worker thread, logs it to the app's database, shows progress,
// and ends with the run id and its final metrics (or one JSON object with --json).

import type { RunRecord, TrainingEvent } from '../../shared/training.ts';
import { startHeartbeat } from '../runs/heartbeat.ts';
import { evaluationText } from './eval-command.ts';
import { RunService } from '../runs/service.ts';
import { evaluationSplit } from '../../shared/data-split.ts';
import { findTestFileSync } from '../data/index.ts';
import { buildConfigFinding } from './config-input.ts';
import { EXIT_FAILED, EXIT_STOPPED, openStore, parse, parseRunId, runCli } from './common.ts';
import { dataProgressPrinter, skippedText } from './data-progress.ts';
import { duration, lossText, progressLine, terminalText } from './format.ts';
import { bestCheckpointLine, controlsLines } from './controls-text.ts';

const USAGE = `Usage: npm run train -- [options]

Trains a VAE and logs the run to the VAE Workbench database.

Options:
  --preset NAME        start from a preset: quick (default), seed-notebook, mlp-bernoulli,
                       paper-mnist
  --config FILE.json   settings to apply over the preset (only the fields that differ)
  --set KEY=VALUE      one setting, e.g. --set optim.learningRate=0.001 --set data.labels=3,5 (repeatable)
  --data FILE|DIR      a Kaggle mnist-in-csv file (.csv), an IDX images file (raw or .gz), or a folder of
                       PNG/JPEG/WebP images (sub-folders are classes; decoded once into a cache)
  --labels FILE        the IDX labels file (default: found beside the images file)
  --test FILE          the data set's test split, evaluated instead of a held-out share: a second
                       CSV, or an IDX test images file (default for an IDX train-* file: the t10k-*
                       file beside it, if any; --test '' holds out a share instead)
  --backend NAME       auto (default), tensorflow, wasm or cpu
  --db PATH            database file (default: the app's, in its user-data folder)
  --resume ID          resume an interrupted or failed run from its latest checkpoint
  --json               print one JSON object with the result instead of progress and text
  -h, --help           show this help`;

const OPTIONS = {
  options: {
    preset: { type: 'string' },
    config: { type: 'string' },
    set: { type: 'string', multiple: true },
    data: { type: 'string' },
    labels: { type: 'string' },
    test: { type: 'string' },
    backend: { type: 'string' },
    db: { type: 'string' },
    resume: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;

function resultJson(run: RunRecord, file: string) {
  return {
    runId: run.id,
    name: run.name,
    status: run.status,
    message: run.statusMessage,
    backend: run.backend,
    train: run.finalTrain,
    heldOut: run.finalHeldOut,
    imagesPerSec: run.imagesPerSec,
    durationSeconds: run.startedAt !== null && run.finishedAt !== null ? (run.finishedAt - run.startedAt) / 1000 : null,
    steps: run.step,
    evaluation: run.evaluation,
    database: file,
  };
}

async function main(): Promise<number> {
  const { values } = parse(OPTIONS, process.argv.slice(2));
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const json = values.json === true;
  const resumeId = values.resume === undefined ? null : parseRunId(values.resume);
  // Build the config before touching the database: a bad flag must not create or migrate anything.
  const built =
    resumeId === null
      ? buildConfigFinding({ ...values, configFile: values.config, sets: values.set ?? [] }, findTestFileSync)
      : null;
  const config = built?.config ?? null;
  if (built?.foundTest && !json) process.stderr.write(`Test split: ${built.foundTest} (found beside ${values.data})\n`);
  // Registered as the CLI, so an app sharing the database can say who trains the run.
  const store = openStore(values.db, { processKind: 'cli' });
  const service = new RunService(store, { maxConcurrent: 1 });
  const stopHeartbeat = startHeartbeat(store, () => service.activeRunIds());
  const tty = process.stderr.isTTY === true && !json;
  let lastLine = 0;
  let epochs = config?.optim.epochs ?? 0;
  // Held-out metrics come from the test split when the data set has one: say which.
  let evaluatedOn = 'held-out';
  const onEvent = (e: TrainingEvent) => {
    if (json) return;
    if (e.type === 'started') {
      if (e.evaluation === 'test') evaluatedOn = 'test';
      const skipped = store.runData.get(e.runId)?.skipped ?? [];
      if (skipped.length > 0) process.stderr.write(skippedText(skipped));
      const evaluated = e.evaluation === 'test' ? 'test' : 'held-out';
      const validation = e.validationSize
        ? `, ${e.validationSize} validation (watched by early stopping and reduce-on-plateau, not the test split)`
        : '';
      process.stderr.write(
        `Run ${e.runId}: ${e.trainSize} training${validation} and ${e.heldOutSize} ${evaluated} images, ${e.totalSteps} steps on ${e.backend}` +
          `${e.fromStep ? `, resuming at step ${e.fromStep}` : ''}\n${e.backendNote ? `  (${e.backendNote})\n` : ''}`,
      );
    } else if (e.type === 'step' && tty) {
      const now = Date.now();
      if (now - lastLine < 100 && e.step !== e.totalSteps) return;
      lastLine = now;
      process.stderr.write(`\r\x1b[2K${progressLine({ ...e, epochs })}`);
    } else if (e.type === 'epoch') {
      if (tty) process.stderr.write('\r\x1b[2K');
      process.stderr.write(
        `epoch ${e.metric.epoch}/${epochs}  train ${lossText(e.metric.train)}  ${evaluatedOn} ${lossText(e.metric.heldOut)}` +
          `${e.metric.watched?.split === 'validation' ? `  validation -ELBO ${e.metric.watched.total.toFixed(2)}` : ''}` +
          `  ${Math.round(e.metric.imagesPerSec)} img/s\n`,
      );
    } else if (e.type === 'evaluation' && e.state === 'running' && e.done === 0) {
      process.stderr.write(`evaluating NLL_${e.k} on ${e.total} images…\n`);
    } else if (e.type === 'status' && e.status === 'paused') {
      process.stderr.write('\npaused\n');
    }
  };
  service.subscribe(onEvent);
  if (!json) service.onDataProgress(dataProgressPrinter(tty));

  let stopping = false;
  let runId: number | null = null;
  const onSigint = () => {
    if (stopping || runId === null) process.exit(EXIT_STOPPED);
    stopping = true;
    process.stderr.write('\nstopping after a checkpoint (Ctrl-C again to quit at once)…\n');
    service.stop(runId);
  };
  process.on('SIGINT', onSigint);
  try {
    const started = resumeId === null ? await service.start(config) : await service.resume(resumeId);
    runId = started.id;
    epochs = started.config.optim.epochs;
    const run = await service.waitFor(runId);
    if (json) {
      process.stdout.write(`${JSON.stringify(resultJson(run, store.file))}\n`);
    } else {
      if (tty) process.stderr.write('\r\x1b[2K');
      const seconds = run.startedAt !== null && run.finishedAt !== null ? (run.finishedAt - run.startedAt) / 1000 : NaN;
      process.stdout.write(
        `Run ${run.id} "${terminalText(run.name)}" ${run.status} in ${duration(seconds)} on ${run.backend}` +
          `${run.statusMessage ? `: ${terminalText(run.statusMessage)}` : ''}\n` +
          `  train     -ELBO ${lossText(run.finalTrain)}\n` +
          `  ${evaluationSplit(run.config.data) === 'test' ? 'test     ' : 'held-out '} -ELBO ${lossText(run.finalHeldOut)}\n` +
          `  ${run.imagesPerSec ? Math.round(run.imagesPerSec) : '-'} images/s\n` +
          `${[...controlsLines(run.config), bestCheckpointLine(store.checkpoints.list(run.id))].join('\n')}\n` +
          (run.evaluation ? `${evaluationText(run.evaluation)}\n` : '') +
          (run.status === 'interrupted'
            ? `Resume with: npm run train -- --resume ${run.id}${values.db ? ` --db ${values.db}` : ''}\n`
            : ''),
      );
    }
    if (run.status === 'completed') return 0;
    return run.status === 'interrupted' ? EXIT_STOPPED : EXIT_FAILED;
  } finally {
    process.off('SIGINT', onSigint);
    await service.shutdown();
    stopHeartbeat();
    try {
      store.close();
    } catch (e) {
      // The run's outcome is already printed; a store that fails on closing must not replace it.
      process.stderr.write(`warning: ${(e as Error).message}\n`);
    }
  }
}

await runCli(USAGE, main);
