// Exporting a run to a folder and importing one, for the API handlers and the CLI. The store is
// read and written here on the calling thread (SQLite connections are per thread); the tensor work
// and the file checks run in a worker, so the app's main thread stays responsive.

import { resolve } from 'node:path';
import type { CheckpointChoice } from '../../shared/contract.ts';
import { AppFailure } from '../../shared/result.ts';
import { LIVE_STATUSES, type RunRecord } from '../../shared/training.ts';
import { IMAGE_KINDS, type Store } from '../store/index.ts';
import { runWorkerJob, type JobFor, type ReplyOf } from '../worker-threads.ts';
import { checkTarget } from './folder.ts';
import type { ExportProtocol } from './protocol.ts';
import { storeImport } from './store-import.ts';
import type { ExportInput, ExportResult } from './write-export.ts';

export type { ExportResult } from './write-export.ts';

function inWorker<K extends keyof ExportProtocol>(job: JobFor<ExportProtocol, K>): Promise<ReplyOf<ExportProtocol, K>> {
  return runWorkerJob<ExportProtocol, K>(import.meta.url, 'export-worker', job, { tensorflow: true });
}

/** Reads what an export of `runId` needs; refuses runs still training or without a checkpoint. */
export function collectExport(
  store: Store,
  runId: number,
  target: string,
  appVersion: string,
  which: CheckpointChoice = 'last',
): ExportInput {
  const run = store.runs.get(runId);
  if (!run) throw new AppFailure({ code: 'not-found', message: `Run ${runId} does not exist.` });
  if (LIVE_STATUSES.includes(run.status))
    throw new AppFailure({
      code: 'conflict',
      message: `Run ${runId} is ${run.status}; export it once it has finished or been stopped.`,
    });
  const checkpoint = which === 'best' ? store.checkpoints.best(runId) : store.checkpoints.latest(runId);
  if (!checkpoint)
    throw new AppFailure({
      code: 'not-found',
      message:
        which === 'best'
          ? `Run ${runId} has no best checkpoint: no epoch ended with a checkpoint and a finite negative ELBO.`
          : `Run ${runId} has no checkpoint, so there are no weights to export.`,
    });
  const images = IMAGE_KINDS.flatMap((kind) => {
    const image = store.images.latest(runId, kind);
    return image ? [{ kind, epoch: image.epoch, step: image.step, grid: image.grid }] : [];
  });
  return {
    target,
    appVersion,
    exportedAt: Date.now(),
    run,
    steps: store.metrics.listSteps(runId),
    epochs: store.metrics.listEpochs(runId),
    evaluations: store.evaluations.list(runId),
    images,
    checkpoint: {
      step: checkpoint.step,
      epoch: checkpoint.epoch,
      atEpochEnd: checkpoint.atEpochEnd,
      encoder: checkpoint.encoder,
      decoder: checkpoint.decoder,
    },
  };
}

/** Writes run `runId` as an export folder at `dir`, which must not exist or be empty. */
export async function exportRun(
  store: Store,
  runId: number,
  dir: string,
  appVersion: string,
  which: CheckpointChoice = 'last',
): Promise<ExportResult> {
  const target = resolve(dir);
  const input = collectExport(store, runId, target, appVersion, which);
  // Checked here too so an occupied target fails before a worker starts; the worker checks again
  // just before it renames, in case something appeared meanwhile.
  await checkTarget(target);
  return inWorker({ op: 'export', input });
}

/** Checks the export folder at `dir` completely, then stores it as a new completed run. */
export async function importRun(store: Store, dir: string): Promise<RunRecord> {
  const payload = await inWorker({ op: 'import', dir: resolve(dir) });
  return storeImport(store, payload);
}
