import type { DataConfig } from '../../shared/config.ts';
import type { DatasetSummary } from '../../shared/contract.ts';
import { runWorkerJob } from '../worker-threads.ts';
import type { InspectProtocol } from './inspect-protocol.ts';

/** Loads a data set in a worker thread and summarises it; throws the loader's AppFailure. */
export function inspectDatasetInWorker(data: DataConfig): Promise<DatasetSummary> {
  return runWorkerJob<InspectProtocol, 'inspect'>(import.meta.url, 'inspect-worker', { op: 'inspect', data });
}
