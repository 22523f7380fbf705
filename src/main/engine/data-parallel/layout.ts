// The shared memory of a data-parallel run, as both sides see it: a control block (the handshake
// words, the step's size and β, each worker's error text), the weights, the batch (images, labels,
// noise) and one gradient buffer per worker.

import type { ExperimentConfig } from '../../../shared/config.ts';
import type { BackendName } from '../backend.ts';

/** Int32 words of the control block's header. */
const WORD_COUNT = 0;
const WORD_SHARES = 1;
const HEADER_WORDS = 4;
/** A worker's command word holds the step's generation (1, 2, ...), or STOP. */
export const CMD_STOP = -1;
/** A worker's done word holds the generation it finished, or FAILED (its error text is beside it). */
export const DONE_FAILED = -2;
const ERROR_BYTES = 1024;

/** Values a worker writes after its gradients: objective, reconstruction, KL, then its live tensors (to check for leaks). */
export const LOSS_VALUES = 4;

export interface SharedBuffers {
  control: SharedArrayBuffer;
  weights: SharedArrayBuffer;
  images: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  noise: SharedArrayBuffer;
  /** One per gradient worker (share 1, 2, ...). */
  grads: SharedArrayBuffer[];
}

/** What a gradient worker is started with (its workerData). */
export interface GradWorkerInput {
  config: ExperimentConfig;
  classes: number;
  backend: BackendName;
  /** The share it computes, 1..shares-1 (share 0 is the run's own thread). */
  share: number;
  shapes: number[][];
  buffers: SharedBuffers;
}

export type GradWorkerMessage = { type: 'ready' } | { type: 'failed'; message: string };

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Offsets of each variable in the weights and gradient buffers, and their total. */
export function offsets(shapes: readonly (readonly number[])[]): { at: number[]; total: number } {
  const at: number[] = [];
  let total = 0;
  for (const s of shapes) {
    at.push(total);
    total += sizeOf(s);
  }
  return { at, total };
}

export function allocate(
  config: ExperimentConfig,
  pixels: number,
  shapes: readonly (readonly number[])[],
  workers: number,
): SharedBuffers {
  const batch = config.optim.batchSize;
  const params = offsets(shapes).total;
  const f32 = (n: number) => new SharedArrayBuffer(n * Float32Array.BYTES_PER_ELEMENT);
  // The header's β is a float64 after the int32 words; each worker has a command, a done word and its error text.
  const controlBytes = HEADER_WORDS * 4 + 8 + workers * (8 + ERROR_BYTES);
  return {
    control: new SharedArrayBuffer(controlBytes),
    weights: f32(params),
    images: f32(batch * pixels),
    labels: new SharedArrayBuffer(batch * Int32Array.BYTES_PER_ELEMENT),
    noise: f32(config.loss.samples * batch * config.model.latentDim),
    grads: Array.from({ length: workers }, () => f32(params + LOSS_VALUES)),
  };
}

/** The control block's fields. Workers are numbered by share: 1..workers. */
export class Control {
  private readonly words: Int32Array;
  private readonly beta: Float64Array;
  private readonly workers: number;

  constructor(private readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, HEADER_WORDS);
    this.beta = new Float64Array(buffer, HEADER_WORDS * 4, 1);
    this.workers = (buffer.byteLength - HEADER_WORDS * 4 - 8) / (8 + ERROR_BYTES);
  }

  /** [command word, done word] of a worker (numbered by its share). */
  handshake(share: number): Int32Array {
    return new Int32Array(this.buffer, HEADER_WORDS * 4 + 8 + (share - 1) * 8, 2);
  }

  private errorText(share: number): Uint8Array {
    return new Uint8Array(this.buffer, HEADER_WORDS * 4 + 8 + this.workers * 8 + (share - 1) * ERROR_BYTES, ERROR_BYTES);
  }

  setStep(images: number, shares: number, beta: number): void {
    this.words[WORD_COUNT] = images;
    this.words[WORD_SHARES] = shares;
    this.beta[0] = beta;
  }

  step(): { images: number; shares: number; beta: number } {
    return { images: this.words[WORD_COUNT]!, shares: this.words[WORD_SHARES]!, beta: this.beta[0]! };
  }

  writeError(share: number, message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES - 4);
    const view = this.errorText(share);
    new DataView(view.buffer, view.byteOffset).setInt32(0, bytes.length, true);
    view.set(bytes, 4);
  }

  readError(share: number): string {
    const view = this.errorText(share);
    const length = new DataView(view.buffer, view.byteOffset).getInt32(0, true);
    // TextDecoder refuses views of shared memory: the text is copied out first.
    return new TextDecoder().decode(view.slice(4, 4 + length));
  }
}
