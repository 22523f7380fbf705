// How image folders are loading (a data check, or a run starting on one): the newest progress per
// folder path, from main's 'data-progress' events. The form shows the one of its own folder.

import type { DataLoadProgress } from '../../../../shared/contract.ts';
import { formatCount } from '../format.ts';

class DataProgressStore {
  byPath = $state.raw<Record<string, DataLoadProgress>>({});

  apply(progress: DataLoadProgress): void {
    this.byPath = { ...this.byPath, [progress.path]: progress };
  }

  /** The folder's progress while it is still loading; null once done (or never seen). */
  loading(path: string): DataLoadProgress | null {
    const p = this.byPath[path];
    return p && !(p.phase === 'reading' && p.done === p.total && p.total > 0) ? p : null;
  }
}

export const dataProgress = new DataProgressStore();

/** "Decoding 1,234 of 5,000 images…", for the form while a folder loads. */
export function loadingText(p: DataLoadProgress): string {
  if (p.phase === 'decoding')
    return `Decoding ${formatCount(p.done)} of ${formatCount(p.total)} images (once; later loads read the cache)…`;
  return p.phase === 'scanning' ? 'Looking for images…' : `Reading ${formatCount(p.total)} images…`;
}
