// The run thread's side of data-parallel training: the gradient workers (one per share after the
// first), started once with the run, handed each step's weights and batch through shared memory,
// and ended with the run.
//
// The handshake is Atomics.wait/notify on shared words, not postMessage: a training step is
// synchronous (the run loop, resume and the tests call trainStep), so a reply by message could only
// be read by polling receiveMessageOnPort, and a gradient worker has nothing to do between steps but
// wait. Measured here (load average 16, 2000 round trips between two threads): Atomics 42-67 us, a
// message and its reply 250-260 us. Both are small against a step (tens to hundreds of ms); the
// Atomics one is also the faster.

import type { Worker } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../../shared/config.ts';
import { spawnWorker } from '../../worker-threads.ts';
import type { BackendName } from '../backend.ts';
import { allocate, CMD_STOP, Control, DONE_FAILED, offsets, type GradWorkerInput, type GradWorkerMessage } from './layout.ts';

/** A worker silent this long (and 100 times the run thread's own share time) is taken for dead. */
const STALL_MS = 10 * 60_000;

export interface ShareResult {
  /** The share's gradients, variable after variable (a view of shared memory: read before the next step). */
  grads: Float32Array;
  objective: number;
  recon: number;
  kl: number;
}

export interface PoolOptions {
  config: ExperimentConfig;
  classes: number;
  backend: BackendName;
  shares: number;
  pixels: number;
  variables: readonly tf.Variable[];
}

export class GradientPool {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly noise: Float32Array;
  private readonly control: Control;
  private readonly weights: Float32Array;
  private readonly grads: Float32Array[];
  private readonly at: number[];
  private readonly total: number;
  private generation = 0;
  private ended = false;

  private constructor(
    readonly shares: number,
    private readonly workers: Worker[],
    buffers: GradWorkerInput['buffers'],
    shapes: number[][],
  ) {
    this.control = new Control(buffers.control);
    this.weights = new Float32Array(buffers.weights);
    this.images = new Float32Array(buffers.images);
    this.labels = new Int32Array(buffers.labels);
    this.noise = new Float32Array(buffers.noise);
    this.grads = buffers.grads.map((b) => new Float32Array(b));
    ({ at: this.at, total: this.total } = offsets(shapes));
  }

  /** Starts `shares - 1` gradient workers and resolves once each has its backend and model; on failure none is left running. */
  static async start(o: PoolOptions): Promise<GradientPool> {
    const shapes = o.variables.map((v) => v.shape.slice());
    const buffers = allocate(o.config, o.pixels, shapes, o.shares - 1);
    const workers: Worker[] = [];
    try {
      for (let share = 1; share < o.shares; share++) {
        const input: GradWorkerInput = { config: o.config, classes: o.classes, backend: o.backend, share, shapes, buffers };
        const worker = spawnWorker(import.meta.url, 'grad-worker', input, { tensorflow: true });
        // It must never keep the run's thread alive: end() or the thread's own end stops it.
        worker.unref();
        workers.push(worker);
      }
      await Promise.all(workers.map((w, i) => ready(w, i + 1)));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new GradientPool(o.shares, workers, buffers, shapes);
  }

  /** Gradient worker threads that have not been ended. */
  get liveWorkers(): number {
    return this.ended ? 0 : this.workers.length;
  }

  /** Copies the run's current weights where the workers read them. */
  publishWeights(variables: readonly tf.Variable[]): void {
    variables.forEach((v, j) => this.weights.set(v.dataSync() as Float32Array, this.at[j]));
  }

  /** Starts shares 1..shares-1 of a step on the batch and weights already in shared memory. */
  dispatch(images: number, shares: number, beta: number): void {
    if (this.ended) throw new Error('the data-parallel workers were ended');
    this.generation += 1;
    this.control.setStep(images, shares, beta);
    for (let share = 1; share < shares; share++) {
      const handshake = this.control.handshake(share);
      Atomics.store(handshake, 0, this.generation);
      Atomics.notify(handshake, 0);
    }
  }

  /** Waits for shares 1..shares-1 of the step dispatched last; `ownMs`: the run thread's time on share 0. */
  collect(shares: number, ownMs: number): ShareResult[] {
    const out: ShareResult[] = [];
    const bound = Math.max(STALL_MS, 100 * ownMs);
    for (let share = 1; share < shares; share++) {
      const handshake = this.control.handshake(share);
      const since = performance.now();
      for (;;) {
        const done = Atomics.load(handshake, 1);
        if (done === this.generation) break;
        if (done === DONE_FAILED) throw new Error(`gradient worker ${share} failed: ${this.control.readError(share)}`);
        if (performance.now() - since > bound)
          throw new Error(`gradient worker ${share} gave no answer in ${Math.round(bound / 1000)} s`);
        Atomics.wait(handshake, 1, done, 1000);
      }
      const g = this.grads[share - 1]!;
      out.push({
        grads: g.subarray(0, this.total),
        objective: g[this.total]!,
        recon: g[this.total + 1]!,
        kl: g[this.total + 2]!,
      });
    }
    return out;
  }

  /** Tensors alive in the workers after the last step each computed. */
  workerTensors(): number {
    return this.grads.reduce((sum, g) => sum + g[this.total + 3]!, 0);
  }

  /** Variable j's part of a share's gradients. */
  part(grads: Float32Array, j: number, size: number): Float32Array {
    return grads.subarray(this.at[j], this.at[j]! + size);
  }

  /** Stops and ends every worker; waits until they have exited. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    for (let share = 1; share < this.shares; share++) {
      const handshake = this.control.handshake(share);
      Atomics.store(handshake, 0, CMD_STOP);
      Atomics.notify(handshake, 0);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function ready(worker: Worker, share: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    worker.once('message', (m: GradWorkerMessage) =>
      m.type === 'ready' ? resolve() : reject(new Error(`gradient worker ${share} could not start: ${m.message}`)),
    );
    worker.once('error', (e) => reject(new Error(`gradient worker ${share} failed while starting: ${e.message}`)));
    worker.once('exit', (code) => reject(new Error(`gradient worker ${share} exited (code ${code}) while starting`)));
  });
}
