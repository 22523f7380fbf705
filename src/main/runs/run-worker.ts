// An owned run's worker, from launch to end. Once launched (its data loaded, its checkpoint restored),
// the worker becomes the run's trainer: the run is marked started in the store, the worker is told to
// begin, and from then on its messages are the run's output (to the store, then to the listeners), its
// rung gates, and its end. However the worker ends (it reports, crashes or exits), the run ends once,
// through `finish`; a store failure while writing the output ends the run as failed, naming the
// database, never the process.

import type { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../../shared/config.ts';
import type { DataLoadProgress } from '../../shared/contract.ts';
import type { RunRecord } from '../../shared/training.ts';
import type { FinishedStatus, Store } from '../store/index.ts';
import { AppFailure } from '../../shared/result.ts';
import { launchWorker, type LaunchedWorker } from './launch.ts';
import type { TrainingListeners } from './listeners.ts';
import { RunOutput } from './output.ts';
import type { Outcome, OwnedRun } from './owned-run.ts';
import type { WorkerMessage } from './protocol.ts';
import type { RunPruning } from './pruning.ts';
import { resumeBlobs } from './resume-point.ts';
import { namingDatabase } from './store-failure.ts';

export interface RunWorkerContext {
  store: Store;
  ownerPid: number;
  listeners: TrainingListeners;
  pruning: RunPruning;
  /** Told how an image folder's loading goes while a run starts. */
  dataProgress(progress: DataLoadProgress): void;
  /** The compute threads a starting run's worker gets, held until the worker exits. */
  threads(worker: Worker, config: ExperimentConfig): number;
  /** The run as the store has it now (or as last read). */
  current(run: OwnedRun): RunRecord;
  /** Ends the run, once; with an error instead of an outcome, the run ends with that error's account. */
  finish(run: OwnedRun, outcome: Outcome | FinishedStatus, error?: unknown): void;
}

/** The run takes its slot: its data (and checkpoint) load, then it trains. Rejects when it could not. */
export async function launchRun(ctx: RunWorkerContext, run: OwnedRun): Promise<void> {
  run.phase = 'launching';
  const stopped = () => new AppFailure({ code: 'conflict', message: `Run ${run.runId} was stopped before it started.` });
  let launched: LaunchedWorker;
  try {
    launched = await launchWorker({
      config: run.config,
      resume: run.fromCheckpoint ? resumeBlobs(ctx.store, run.runId) : null,
      expectFingerprint: run.expectFingerprint,
      onSpawn: (w) => (run.worker = w),
      onProgress: (p) => ctx.dataProgress(p),
      threads: (w) => ctx.threads(w, run.config),
    });
  } catch (e) {
    // Stopping a loading run terminates its worker, which is why the launch failed.
    if (run.finished) throw stopped();
    ctx.finish(run, run.setupFailure, e);
    throw e;
  }
  if (run.finished) {
    void launched.worker.terminate();
    throw stopped();
  }
  attachWorker(ctx, run, launched);
}

/** Lets the worker train the run; on failure the run ends and this throws. */
export function attachWorker(ctx: RunWorkerContext, run: OwnedRun, { worker, control, ready }: LaunchedWorker): void {
  run.worker = worker;
  run.control = control;
  run.phase = 'training';
  worker.on('message', (m: WorkerMessage) => onMessage(ctx, run, m));
  worker.on('error', (e) => ctx.finish(run, { status: 'failed', message: `The training worker crashed: ${e.message}` }));
  worker.on('exit', (code) =>
    ctx.finish(run, { status: 'failed', message: `The training worker exited unexpectedly (code ${code}).` }),
  );
  try {
    run.record = ctx.store.runs.markStarted(run.runId, {
      // The runs table has no column for the note; the thread count, which decides the speed, goes with the name.
      backend: storedBackend(ready),
      ownerPid: ctx.ownerPid,
      totalSteps: ready.totalSteps,
      datasetName: ready.datasetName,
      datasetFingerprint: ready.datasetFingerprint,
    });
    if (ready.classNames !== null || ready.skipped.length > 0)
      ctx.store.runData.save(run.runId, { classNames: ready.classNames, skipped: ready.skipped });
    run.output = new RunOutput(ctx.store, run.runId);
    worker.postMessage({ type: 'begin', runId: run.runId, rungs: ctx.pruning.rungs(run) });
  } catch (e) {
    ctx.finish(run, 'failed', e);
    throw e;
  }
}

/** The runs table's backend: the name, and the threads and how they share the work when there are several. */
function storedBackend(ready: LaunchedWorker['ready']): string {
  if (ready.threads <= 1) return ready.backend;
  return `${ready.backend}, ${ready.threads} threads${ready.threading === 'data' ? ', data-parallel' : ''}`;
}

function onMessage(ctx: RunWorkerContext, run: OwnedRun, m: WorkerMessage): void {
  if (run.finished) return;
  try {
    switch (m.type) {
      case 'event':
        run.output!.event(m.event);
        ctx.listeners.emit(m.event);
        return;
      case 'checkpoint':
        run.output!.checkpoint(m.blobs);
        return;
      case 'evaluation':
        ctx.store.evaluations.add(run.runId, m.result);
        return;
      case 'gate':
        // The judge reads the rung's metrics from the store: they must be there first.
        run.output!.flush();
        ctx.pruning.answer(run, ctx.current(run), m.epoch);
        return;
      case 'finished':
        run.output!.final(m.final);
        ctx.finish(run, ctx.pruning.outcome(run, m));
        return;
      default:
        return;
    }
  } catch (e) {
    const why = namingDatabase(e, ctx.store.file);
    ctx.finish(run, { status: 'failed', message: `The run stopped because its output could not be saved: ${why}` });
  }
}

/**
 * The worker's side of a run's end: the worker is terminated and the run's output flushed and closed.
 * Returns the outcome to record, which is no longer `completed` when the last steps could not be saved.
 */
export function detachWorker(store: Store, run: OwnedRun, end: Outcome): Outcome {
  if (run.worker) void run.worker.terminate();
  try {
    run.output?.close();
  } catch (e) {
    // The last steps are lost: the run did not complete as it is stored.
    if (end.status === 'completed') return { status: 'failed', message: namingDatabase(e, store.file) };
  }
  return end;
}
