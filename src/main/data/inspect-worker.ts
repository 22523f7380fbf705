// Loads a data set off the main thread (a 110 MB CSV takes seconds to parse) and reports its size,
// label counts, test split and whether its pixels are binary, so the experiment form can show what
// a file holds before a run is launched.
import { answerWorkerJob, postWorkerNote } from '../worker-threads.ts';
import type { InspectProtocol } from './inspect-protocol.ts';
import { testPathOf } from '../../shared/data-split.ts';
import { isBinary as isBinaryImages } from './binarize.ts';
import { DEFAULT_DATA_LIMITS, isByteDataset, type Dataset } from './dataset.ts';
import { throttledProgress } from './folder/progress.ts';
import { loadDataset } from './load.ts';
import { findTestFile } from './test-file.ts';

void answerWorkerJob<InspectProtocol>({
  inspect: async ({ data }) => {
    const ds = await loadDataset(data, DEFAULT_DATA_LIMITS, { progress: throttledProgress(data.path, postWorkerNote) });
    const testPath = testPathOf(data);
    // A test split the person may not know is there: offered by the form, never used unasked.
    const testCandidate =
      data.source !== 'builtin-mnist' && data.source !== 'folder' && testPath === '' ? await findTestFile(data.path) : null;
    return {
      name: ds.name,
      fingerprint: ds.fingerprint,
      count: ds.count,
      height: ds.height,
      width: ds.width,
      labelCounts: labelCounts(ds),
      binary: isBinary(ds) && (ds.test === null || isBinary(ds.test)),
      test: ds.test ? { name: ds.test.name, count: ds.test.count, labelCounts: labelCounts(ds.test) } : null,
      testCandidate,
      ...(ds.channels === 3 ? { channels: 3 as const } : {}),
      ...(ds.classNames ? { classNames: [...ds.classNames] } : {}),
      ...(ds.skipped ? { skipped: [...ds.skipped] } : {}),
    };
  },
});

function labelCounts(ds: Dataset): number[] | null {
  if (!ds.labels) return null;
  const counts: number[] = [];
  for (const label of ds.labels) counts[label] = (counts[label] ?? 0) + 1;
  return Array.from(counts, (n) => n ?? 0);
}

/** Whether every pixel is 0 or the top value, read from the bytes (no float copy of a large file). */
function isBinary(ds: Dataset): boolean {
  if (!isByteDataset(ds)) return isBinaryImages(ds.images);
  const bytes = ds.bytes;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0 && bytes[i] !== 255) return false;
  return true;
}
