// The check a run gets before it is recorded as queued: its data file is loaded once in a short-lived
// worker (a malformed file fails `start` with the loader's message, before any record exists) and then
// dropped, since a queued run must not hold ~100 MB of data while it waits. Checks run one at a time,
// so a burst of starts holds at most one such worker.

import type { DataConfig } from '../../shared/config.ts';
import type { DataLoadProgress } from '../../shared/contract.ts';
import { BUILTIN_MNIST_NAME } from '../data/index.ts';
import { inspectDatasetInWorker } from '../data/inspect.ts';

export interface CheckedData {
  name: string;
  /** Empty when unknown until the run loads its data (the built-in set). */
  fingerprint: string;
}

export class QueueDataCheck {
  private last: Promise<unknown> = Promise.resolve();

  check(data: DataConfig, onProgress?: (p: DataLoadProgress) => void): Promise<CheckedData> {
    // The built-in set has no file to be malformed.
    if (data.source === 'builtin-mnist') return Promise.resolve({ name: BUILTIN_MNIST_NAME, fingerprint: '' });
    const turn = this.last.then(() => inspectDatasetInWorker(data, onProgress));
    this.last = turn.catch(() => {});
    return turn;
  }
}
