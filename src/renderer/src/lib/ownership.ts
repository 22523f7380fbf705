// Who trains a run, as the views say it. Several processes can share one database (this workbench,
// the CLI, another window); a live run claimed by another one shows its progress here but can only be
// paused or stopped where it trains, so its controls name that process instead of offering buttons
// that would fail.

import { LIVE_STATUSES, type ProcessKind, type RunRecord, type RunOwnerProcess } from '../../../shared/training.ts';

const NAMES: Record<ProcessKind, string> = {
  app: 'the VAE Workbench app',
  server: 'a browser-mode workbench',
  cli: 'the CLI',
};

const SHORT: Record<ProcessKind, string> = { app: 'app', server: 'server', cli: 'CLI' };

/** The other process training (or queueing) `run`, or null when it is this workbench's or nobody's. */
export function trainedElsewhere(run: RunRecord, ownPid: number | null | undefined): RunOwnerProcess | null {
  if (ownPid === null || ownPid === undefined) return null;
  const owner = run.owner;
  if (!owner || owner.pid === ownPid || !LIVE_STATUSES.includes(run.status)) return null;
  return owner;
}

/** "Trained by the CLI, pid 1234"; "Queued in …" while it waits for a slot there. */
export function ownerLabel(owner: RunOwnerProcess, status: RunRecord['status']): string {
  const who = owner.kind ? NAMES[owner.kind] : 'another process';
  return `${status === 'queued' ? 'Queued in' : 'Trained by'} ${who}, pid ${owner.pid}`;
}

/** A word for tight places (the sidebar): "CLI", "app", "pid 1234". */
export function ownerShort(owner: RunOwnerProcess): string {
  return owner.kind ? SHORT[owner.kind] : `pid ${owner.pid}`;
}

/** Why the controls are not offered, for a tooltip. */
export function ownerHint(owner: RunOwnerProcess, status: RunRecord['status']): string {
  return `${ownerLabel(owner, status)}. Pause or stop it there; this view follows its progress from the shared database.`;
}
