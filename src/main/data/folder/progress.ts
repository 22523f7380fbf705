// Progress of an image folder's load as it travels to a person (CLI line, the app's form): thinned
// to a few messages a second, since decoding reports every file and 100,000 messages crossing
// threads would cost more than they tell.

import type { DataLoadProgress } from '../../../shared/contract.ts';
import type { FolderProgress } from './index.ts';

const INTERVAL_MS = 150;

/** A FolderOptions.progress that passes on phase changes, the last file, and otherwise one call per interval. */
export function throttledProgress(path: string, send: (progress: DataLoadProgress) => void): (p: FolderProgress) => void {
  let last = 0;
  let phase = '';
  return (p) => {
    const now = Date.now();
    if (p.phase === phase && p.done < p.total && now - last < INTERVAL_MS) return;
    phase = p.phase;
    last = now;
    send({ path, ...p });
  };
}
