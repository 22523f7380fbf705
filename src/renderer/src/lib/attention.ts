// When to tell the user something finished, and what the window's title says meanwhile. Pure: the
// store feeds it the lists as they change, the route and whether the window is hidden, and acts on
// the answers (an in-app notice, a desktop notification, document.title).

import { sweepTitle, type SweepRecord, type SweepStatus } from '../../../shared/sweep.ts';
import { LIVE_STATUSES, type RunRecord, type RunStatus } from '../../../shared/training.ts';
import type { Route } from './route.ts';
import { sweepProgress, type SweepProgress } from './sweep-view.ts';

export const APP_TITLE = 'VAE Workbench';

/** Where the user is: the view on screen, and whether the window is hidden (minimised, another tab). */
export interface Whereabouts {
  route: Route;
  hidden: boolean;
}

export type Subject = { kind: 'run'; id: number } | { kind: 'sweep'; id: number };

/** Not looking at it: the window is hidden, or another view is on screen. */
export function isElsewhere(where: Whereabouts, subject: Subject): boolean {
  if (where.hidden) return true;
  const r = where.route;
  if (subject.kind === 'run') return !((r.view === 'run' || r.view === 'latent') && r.runId === subject.id);
  return !(r.view === 'sweep' && r.sweepId === subject.id);
}

const ENDED: readonly RunStatus[] = ['completed', 'failed'];

/**
 * Runs that were live the last time (`before`) and have now completed or failed. Runs of a sweep are
 * left to the sweep's own notice (twelve notices for one sweep would bury the screen); runs never
 * seen before are not news (they were already finished when the list loaded).
 */
export function endedRuns(before: ReadonlyMap<number, RunStatus>, runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((r) => {
    const was = before.get(r.id);
    return r.sweepId === null && was !== undefined && LIVE_STATUSES.includes(was) && ENDED.includes(r.status);
  });
}

/** Sweeps that were running or paused and are now completed. */
export function endedSweeps(before: ReadonlyMap<number, SweepStatus>, sweeps: readonly SweepRecord[]): SweepRecord[] {
  return sweeps.filter((s) => {
    const was = before.get(s.id);
    return (was === 'running' || was === 'paused') && s.status === 'completed';
  });
}

export interface Announcement {
  subject: Subject;
  /** Short, for a desktop notification's title. */
  title: string;
  /** The sentence an in-app notice shows (and the desktop notification's body). */
  message: string;
  /** A failure stays until dismissed; good news fades. */
  error: boolean;
}

export function runAnnouncement(run: RunRecord): Announcement {
  const failed = run.status === 'failed';
  const held = run.finalHeldOut?.total;
  return {
    subject: { kind: 'run', id: run.id },
    title: failed ? `Run ${run.id} failed` : `Run ${run.id} finished`,
    message: failed
      ? `Run ${run.id} "${run.name}" failed${run.statusMessage ? `: ${run.statusMessage}` : '.'}`
      : `Run ${run.id} "${run.name}" finished${held !== undefined ? `: held-out −ELBO ${held.toFixed(2)}` : '.'}`,
    error: failed,
  };
}

export function sweepAnnouncement(sweep: SweepRecord, progress: SweepProgress): Announcement {
  const parts = [`${progress.completed} completed`];
  if (progress.pruned > 0) parts.push(`${progress.pruned} pruned`);
  if (progress.failed > 0) parts.push(`${progress.failed} failed`);
  const allFailed = progress.failed > 0 && progress.completed === 0;
  return {
    subject: { kind: 'sweep', id: sweep.id },
    title: allFailed ? `Sweep ${sweep.id} failed` : `Sweep ${sweep.id} finished`,
    message: `Sweep ${sweep.id} "${sweepTitle(sweep.definition)}" ${allFailed ? 'failed' : 'finished'}: ${parts.join(', ')}.`,
    error: progress.failed > 0,
  };
}

/**
 * What changed between two looks at the lists, announced only when the user is elsewhere. `runs`
 * also gives the sweep's final counts (its record's counts can lag a status event).
 */
export function announcements(
  before: { runs: ReadonlyMap<number, RunStatus>; sweeps: ReadonlyMap<number, SweepStatus> },
  runs: readonly RunRecord[],
  sweeps: readonly SweepRecord[],
  where: Whereabouts,
): Announcement[] {
  const out: Announcement[] = [];
  for (const run of endedRuns(before.runs, runs)) out.push(runAnnouncement(run));
  for (const sweep of endedSweeps(before.sweeps, sweeps)) {
    const own = runs.filter((r) => r.sweepId === sweep.id);
    out.push(sweepAnnouncement(sweep, sweepProgress(sweep, own)));
  }
  return out.filter((a) => isElsewhere(where, a.subject));
}

export function statusMap<S>(items: readonly { id: number; status: S }[]): Map<number, S> {
  return new Map(items.map((i) => [i.id, i.status]));
}

/**
 * "▶ 3/12 · VAE Workbench" while a sweep trains (runs finished / runs, summed over running sweeps),
 * "▶ 45% · VAE Workbench" while a run outside any sweep trains (the least advanced, when several do:
 * the title then says how long the wait still is), the plain name when nothing trains.
 */
export function documentTitle(sweeps: readonly { finished: number; total: number }[], runPercents: readonly number[]): string {
  const parts: string[] = [];
  if (sweeps.length > 0) {
    const finished = sweeps.reduce((n, s) => n + s.finished, 0);
    const total = sweeps.reduce((n, s) => n + s.total, 0);
    parts.push(`${finished}/${total}`);
  }
  if (runPercents.length === 1) parts.push(`${runPercents[0]}%`);
  else if (runPercents.length > 1) parts.push(`${runPercents.length} runs ${Math.min(...runPercents)}%`);
  return parts.length === 0 ? APP_TITLE : `▶ ${parts.join(' · ')} · ${APP_TITLE}`;
}
