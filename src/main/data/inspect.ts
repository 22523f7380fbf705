import type { DataConfig } from '../../shared/config.ts';
import type { DataLoadProgress, DatasetSummary } from '../../shared/contract.ts';
import { runWorkerJob } from '../worker-threads.ts';
import type { InspectProtocol } from './inspect-protocol.ts';

/** Loads a data set in a worker thread and summarises it; throws the loader's AppFailure. */
export function inspectDatasetInWorker(data: DataConfig, onProgress?: (p: DataLoadProgress) => void): Promise<DatasetSummary> {
  // Notes from the inspect worker are only ever its progress (inspect-worker.ts).
  const onNote = onProgress && ((note: unknown) => onProgress(note as DataLoadProgress));
  return runWorkerJob<InspectProtocol, 'inspect'>(import.meta.url, 'inspect-worker', { op: 'inspect', data }, { onNote });
}
