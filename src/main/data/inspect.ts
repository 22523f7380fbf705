import type { DataConfig } from '../../shared/config.ts';
import type { DatasetSummary } from '../../shared/contract.ts';
import { AppFailure, type Result } from '../../shared/result.ts';
import { spawnWorker } from '../worker-threads.ts';

/** Loads a data set in a worker thread and summarises it; throws the loader's AppFailure. */
export function inspectDatasetInWorker(data: DataConfig): Promise<DatasetSummary> {
  const worker = spawnWorker(import.meta.url, 'inspect-worker', data);
  return new Promise<DatasetSummary>((resolve, reject) => {
    worker.once('message', (r: Result<DatasetSummary>) => (r.ok ? resolve(r.value) : reject(new AppFailure(r.error))));
    worker.once('error', (e) => reject(new AppFailure({ code: 'internal', message: `data inspection failed: ${e.message}` })));
  }).finally(() => void worker.terminate());
}
