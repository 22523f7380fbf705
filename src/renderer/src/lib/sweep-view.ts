// What the sweep views show, computed from the sweep's record and its runs: progress by status, the
// best run, the definition in words, and the Compare address that groups its runs by its axes.

import { fieldSpec } from '../../../shared/config.ts';
import type { RunStatus, RunRecord } from '../../../shared/training.ts';
import { axisValues, type SweepAxis, type SweepDefinition, type SweepRecord, type SweepStatus } from '../../../shared/sweep.ts';
import type { Route } from './route.ts';

export interface SweepProgress {
  total: number;
  completed: number;
  training: number;
  queued: number;
  paused: number;
  pruned: number;
  failed: number;
  interrupted: number;
  /** Runs that will not train again on their own: completed, pruned, failed. */
  finished: number;
}

const ZERO: Omit<SweepProgress, 'total' | 'finished'> = {
  completed: 0,
  training: 0,
  queued: 0,
  paused: 0,
  pruned: 0,
  failed: 0,
  interrupted: 0,
};

/** The sweep's runs in sweep order. */
export function runsOfSweep(runs: readonly RunRecord[], sweepId: number): RunRecord[] {
  return runs.filter((r) => r.sweepId === sweepId).sort((a, b) => (a.sweepIndex ?? 0) - (b.sweepIndex ?? 0));
}

function fromCounts(counts: Partial<Record<RunStatus, number>>, total: number): SweepProgress {
  const c = (s: RunStatus) => counts[s] ?? 0;
  const p = {
    completed: c('completed'),
    training: c('running'),
    queued: c('queued'),
    paused: c('paused'),
    pruned: c('pruned'),
    failed: c('failed'),
    interrupted: c('interrupted'),
  };
  return { ...p, total, finished: p.completed + p.pruned + p.failed };
}

/**
 * Progress from the runs when they are at hand (they move with every status event), else from the
 * record's counts (which sweeps-changed only refreshes when the sweep's own status changes).
 */
export function sweepProgress(sweep: Pick<SweepRecord, 'total' | 'counts'>, runs: readonly RunRecord[]): SweepProgress {
  if (runs.length === 0) return fromCounts(sweep.counts ?? ZERO, sweep.total);
  const counts: Partial<Record<RunStatus, number>> = {};
  for (const r of runs) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return fromCounts(counts, Math.max(sweep.total, runs.length));
}

/** Bar segments in the order they fill: finished kinds first, then what is under way. */
export const PROGRESS_PARTS = [
  { key: 'completed', label: 'done' },
  { key: 'pruned', label: 'pruned' },
  { key: 'failed', label: 'failed' },
  { key: 'training', label: 'training' },
  { key: 'paused', label: 'paused' },
  { key: 'interrupted', label: 'interrupted' },
  { key: 'queued', label: 'queued' },
] as const satisfies readonly { key: keyof SweepProgress; label: string }[];

export function isLiveSweep(sweep: Pick<SweepRecord, 'status'>): boolean {
  return sweep.status === 'running' || sweep.status === 'paused';
}

export function canPause(status: SweepStatus): boolean {
  return status === 'running';
}
export function canResume(status: SweepStatus): boolean {
  return status === 'paused' || status === 'cancelled';
}
/**
 * A sweep on a queue that nobody follows: still running on the workers, but no coordinator takes in
 * what they send (the app was closed without VAE_QUEUE_URL naming the queue, or the CLI was killed).
 * Resume, with the queue's password, reconnects.
 */
export function waitingToBeFollowed(sweep: Pick<SweepRecord, 'status' | 'queue' | 'owner'>): boolean {
  return sweep.queue !== null && sweep.status === 'running' && sweep.owner === null;
}
/** What a sweep's badge says, on its page and in the Sweeps list alike. */
export type SweepBadgeStatus = SweepStatus | 'waiting';
/** 'waiting' for a queue sweep nobody follows: its record says running, but nothing here takes in its results. */
export function sweepBadgeStatus(sweep: Pick<SweepRecord, 'status' | 'queue' | 'owner'>): SweepBadgeStatus {
  return waitingToBeFollowed(sweep) ? 'waiting' : sweep.status;
}
export function canResumeSweep(sweep: Pick<SweepRecord, 'status' | 'queue' | 'owner'>): boolean {
  return canResume(sweep.status) || waitingToBeFollowed(sweep);
}
export function canCancel(status: SweepStatus): boolean {
  return status === 'running' || status === 'paused';
}

/** The run with the lowest held-out −ELBO among those with one; ties go to the earlier run. */
export function bestRun(runs: readonly RunRecord[]): RunRecord | null {
  let best: RunRecord | null = null;
  for (const r of runs) {
    const v = r.finalHeldOut?.total;
    if (v === undefined || !Number.isFinite(v)) continue;
    if (!best || v < (best.finalHeldOut?.total ?? Infinity)) best = r;
  }
  return best;
}

export function axisPaths(def: SweepDefinition): string[] {
  return def.axes.map((a) => a.path);
}

function formatAxisValue(v: unknown): string {
  return Array.isArray(v) ? v.join('-') : String(v);
}

/** "2, 8, 16", or "1e-4 → 1e-2, 5 values, log" for a range, with the values it makes. */
export function describeAxis(axis: SweepAxis): string {
  const values = axisValues(axis).map(formatAxisValue).join(', ');
  if (!('range' in axis)) return values;
  const { from, to, count, scale } = axis.range;
  return `${from} → ${to}, ${count} ${scale === 'log' ? 'log-spaced' : 'evenly spaced'}: ${values}`;
}

export function axisLabel(path: string): string {
  return fieldSpec(path)?.label ?? path;
}

/** Compare with every run of the sweep, grouped by the axes (so the seeds of a setting form a band). */
export function compareRoute(sweep: SweepRecord, runs: readonly RunRecord[]): Route {
  return { view: 'compare', runIds: runs.map((r) => r.id), groupBy: axisPaths(sweep.definition) };
}

export function progressTitle(p: SweepProgress): string {
  return PROGRESS_PARTS.filter((part) => p[part.key] > 0)
    .map((part) => `${p[part.key]} ${part.label}`)
    .join(', ');
}
