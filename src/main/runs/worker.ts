// Entry point of a training worker thread: one run per thread, so tensor math never blocks the
// thread that owns the window, the store or the sockets, and two runs use two cores.
// Sequence: pick the backend, load and split the data (failing here stores nothing), report
// `data-ready`, wait for `begin` with the run id, then train.

import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../../shared/result.ts';
import { checkpointShares, startBackend, startWorkers, type Compute } from '../engine/data-parallel/index.ts';
import { endWasmThreads } from '../engine/wasm-threads.ts';
import { Trainer } from '../engine/trainer.ts';
import { loadRunSplit, throttledProgress } from '../data/index.ts';
import { validationShare } from '../../shared/data-split.ts';
import { finalEvaluation } from '../eval/final.ts';
import { runLoop } from './loop.ts';
import {
  CONTROL_PAUSE,
  CONTROL_STOP,
  GATE_CONTINUE,
  GATE_IDLE,
  GATE_PRUNE,
  GATE_WAITING,
  WORD_CONTROL,
  WORD_GATE,
  type BeginMessage,
  type ThreadsMessage,
  type WorkerInput,
  type WorkerMessage,
} from './protocol.ts';

const port = parentPort!;
const input = workerData as WorkerInput;
const control = new Int32Array(input.control);

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Waits at a rung for the parent's decision; a stop meanwhile wakes it (see GATE_WAKE). */
function awaitRung(epoch: number): 'continue' | 'prune' | 'stop' {
  Atomics.store(control, WORD_GATE, GATE_WAITING);
  post({ type: 'gate', epoch });
  for (;;) {
    const gate = Atomics.load(control, WORD_GATE);
    if (gate === GATE_CONTINUE || gate === GATE_PRUNE) {
      Atomics.store(control, WORD_GATE, GATE_IDLE);
      return gate === GATE_PRUNE ? 'prune' : 'continue';
    }
    if (Atomics.load(control, WORD_CONTROL) === CONTROL_STOP) {
      Atomics.store(control, WORD_GATE, GATE_IDLE);
      return 'stop';
    }
    Atomics.wait(control, WORD_GATE, gate);
  }
}

async function main(): Promise<void> {
  const { config } = input;
  let trainer: Trainer | undefined;
  let compute: Compute;
  try {
    const { source: dataset, split } = await loadRunSplit(
      config.data,
      config.run.seed,
      input.expectFingerprint,
      { progress: throttledProgress(config.data.path, (progress) => post({ type: 'data-progress', progress })) },
      validationShare(config),
    );
    const threads = new Promise<ThreadsMessage>((resolve) => port.once('message', resolve));
    post({ type: 'threads-request' });
    compute = await startBackend(config, (await threads).threads, checkpointShares(input.resume?.position));
    trainer = new Trainer(config, split);
    if (input.resume) await trainer.restore(input.resume);
    await startWorkers(trainer, compute);
    post({
      type: 'data-ready',
      datasetName: dataset.name,
      datasetFingerprint: dataset.fingerprint,
      trainSize: split.train.count,
      heldOutSize: split.heldOut.count,
      stepsPerEpoch: trainer.stepsPerEpoch,
      totalSteps: trainer.totalSteps,
      backend: compute.backend.name,
      backendNote: compute.backend.note,
      threads: compute.backend.threads,
      threading: compute.threading,
      classNames: dataset.classNames ? [...dataset.classNames] : null,
      skipped: dataset.skipped ? [...dataset.skipped] : [],
    });
  } catch (e) {
    post({ type: 'setup-failed', error: toAppError(e) });
    trainer?.dispose();
    await endWasmThreads();
    return;
  }
  const { backend } = compute;

  const { runId, rungs } = await new Promise<BeginMessage>((resolve) => port.once('message', resolve));
  post({
    type: 'event',
    event: {
      type: 'started',
      runId,
      backend: backend.name,
      backendNote: backend.note,
      trainSize: trainer.data.train.count,
      heldOutSize: trainer.data.heldOut.count,
      validationSize: trainer.data.validation?.count ?? 0,
      evaluation: trainer.data.evaluation,
      stepsPerEpoch: trainer.stepsPerEpoch,
      totalSteps: trainer.totalSteps,
      fromStep: trainer.position.step,
    },
  });
  try {
    const result = await runLoop(
      runId,
      trainer,
      {
        emit: (event) => {
          if (event.type === 'image') post({ type: 'event', event }, [event.grid.pixels.buffer as ArrayBuffer]);
          else post({ type: 'event', event });
        },
        checkpoint: (blobs) =>
          post({ type: 'checkpoint', blobs }, [
            blobs.encoder.buffer,
            blobs.decoder.buffer,
            blobs.optimizer.buffer,
          ] as ArrayBuffer[]),
        control: () => Atomics.load(control, WORD_CONTROL),
        waitWhilePaused: () => {
          while (Atomics.load(control, WORD_CONTROL) === CONTROL_PAUSE) Atomics.wait(control, WORD_CONTROL, CONTROL_PAUSE);
        },
        awaitRung,
      },
      rungs,
    );
    if (result.status === 'completed')
      await finalEvaluation(runId, trainer, backend.name, {
        emit: (event) => post({ type: 'event', event }),
        result: (evaluation) => post({ type: 'evaluation', result: evaluation }),
        stopped: () => Atomics.load(control, WORD_CONTROL) === CONTROL_STOP,
      });
    post({ type: 'finished', ...result });
  } catch (e) {
    post({
      type: 'finished',
      status: 'failed',
      message: toAppError(e).message,
      final: { train: null, heldOut: null, imagesPerSec: 0 },
    });
  } finally {
    trainer.dispose();
    // Running compute threads would keep this thread alive after its work is done.
    await Promise.all([trainer.endDataParallel(), endWasmThreads()]);
  }
}

void main();
