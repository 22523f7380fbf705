// Summaries of run records for the runs table and the form (sorting and columns: run-columns.ts).

import { LIVE_STATUSES, type RunRecord } from '../../../shared/training.ts';

// The model's one-line summary is shared: the server sorts the first screenful of the table by it too.
export { architecture, decoderSummary, encoderSummary } from '../../../shared/model-summary.ts';

export function isLive(run: RunRecord): boolean {
  return LIVE_STATUSES.includes(run.status);
}

/** Time spent training so far; a live run's clock is still running. */
export function runDuration(run: RunRecord, now: number): number | null {
  if (run.startedAt === null) return null;
  const end = run.finishedAt ?? (isLive(run) ? now : null);
  return end === null ? null : Math.max(0, end - run.startedAt);
}

/** Tags typed as "a, b c" become ["a", "b c"]: commas separate, blanks and repeats are dropped. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}
