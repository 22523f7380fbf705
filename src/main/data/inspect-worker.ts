// Loads a data set off the main thread (a 110 MB CSV takes seconds to parse) and reports its size
// and label counts, so the experiment form can show what a file holds before a run is launched.
import { parentPort, workerData } from 'node:worker_threads';
import type { DataConfig } from '../../shared/config.ts';
import { toAppError } from '../../shared/result.ts';
import { loadDataset } from './index.ts';

try {
  const ds = await loadDataset(workerData as DataConfig);
  let labelCounts: number[] | null = null;
  if (ds.labels) {
    labelCounts = [];
    for (const label of ds.labels) labelCounts[label] = (labelCounts[label] ?? 0) + 1;
    labelCounts = Array.from(labelCounts, (n) => n ?? 0);
  }
  parentPort!.postMessage({
    ok: true,
    value: { name: ds.name, fingerprint: ds.fingerprint, count: ds.count, height: ds.height, width: ds.width, labelCounts },
  });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: toAppError(e) });
}
