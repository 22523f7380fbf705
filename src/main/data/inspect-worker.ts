// Loads a data set off the main thread (a 110 MB CSV takes seconds to parse) and reports its size
// and label counts, so the experiment form can show what a file holds before a run is launched.
import { answerWorkerJob } from '../worker-threads.ts';
import type { InspectProtocol } from './inspect-protocol.ts';
import { loadDataset } from './index.ts';

await answerWorkerJob<InspectProtocol>({
  inspect: async ({ data }) => {
    const ds = await loadDataset(data);
    let labelCounts: number[] | null = null;
    if (ds.labels) {
      labelCounts = [];
      for (const label of ds.labels) labelCounts[label] = (labelCounts[label] ?? 0) + 1;
      labelCounts = Array.from(labelCounts, (n) => n ?? 0);
    }
    return { name: ds.name, fingerprint: ds.fingerprint, count: ds.count, height: ds.height, width: ds.width, labelCounts };
  },
});
