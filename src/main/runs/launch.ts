// Starting a training worker: spawn it, wait until it has loaded the data (and restored a checkpoint when
// resuming), and hand back the worker with its control flag. Whatever goes wrong on the way, the worker
// is terminated here before the promise rejects, so no caller can leak one (~100 MB of data each).

import type { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../../shared/config.ts';
import type { DataLoadProgress } from '../../shared/contract.ts';
import { AppFailure } from '../../shared/result.ts';
import type { CheckpointBlobs } from '../engine/trainer.ts';
import { spawnWorker } from '../worker-threads.ts';
import { CONTROL_WORDS, type DataReady, type ThreadsMessage, type WorkerInput, type WorkerMessage } from './protocol.ts';

export interface LaunchedWorker {
  worker: Worker;
  control: Int32Array;
  ready: DataReady;
}

export interface LaunchRequest {
  config: ExperimentConfig;
  resume: CheckpointBlobs | null;
  expectFingerprint: string | null;
  /** Called with the worker as soon as it exists, so a stop or a shutdown can terminate it while it loads. */
  onSpawn?: (worker: Worker) => void;
  /** How the loading of an image folder goes (a first load decodes every file). */
  onProgress?: (progress: DataLoadProgress) => void;
  /**
   * The compute threads the worker may use, asked once its data is loaded (see ThreadsRequest).
   * Absent: the config's run.threads, and 1 for auto (nothing here knows what else shares the cores).
   */
  threads?: (worker: Worker) => number;
}

export function launchWorker(request: LaunchRequest): Promise<LaunchedWorker> {
  const controlBuffer = new SharedArrayBuffer(CONTROL_WORDS * Int32Array.BYTES_PER_ELEMENT);
  const input: WorkerInput = {
    config: request.config,
    control: controlBuffer,
    resume: request.resume,
    expectFingerprint: request.expectFingerprint,
  };
  let worker: Worker;
  try {
    worker = spawnWorker(import.meta.url, 'worker', input, { tensorflow: true });
  } catch (e) {
    return Promise.reject(
      new AppFailure({ code: 'internal', message: `The training worker could not be started: ${(e as Error).message}` }),
    );
  }
  request.onSpawn?.(worker);
  return new Promise<LaunchedWorker>((resolve, reject) => {
    const fail = (failure: AppFailure) => {
      cleanup();
      void worker.terminate();
      reject(failure);
    };
    const onMessage = (m: WorkerMessage) => {
      if (m.type === 'data-progress') request.onProgress?.(m.progress);
      else if (m.type === 'threads-request') {
        const threads = request.threads ? request.threads(worker) : Math.max(1, request.config.run.threads ?? 0);
        const reply: ThreadsMessage = { type: 'threads', threads };
        worker.postMessage(reply);
      } else if (m.type === 'data-ready') {
        cleanup();
        resolve({ worker, control: new Int32Array(controlBuffer), ready: m });
      } else if (m.type === 'setup-failed') {
        fail(new AppFailure(m.error));
      }
    };
    const onError = (e: Error) =>
      fail(new AppFailure({ code: 'internal', message: `The training worker failed while starting: ${e.message}` }));
    const onExit = (code: number) =>
      fail(new AppFailure({ code: 'internal', message: `The training worker exited (code ${code}) while starting.` }));
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
