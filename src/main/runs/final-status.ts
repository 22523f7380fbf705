// Recording how a run ended, when the store may be the reason it ended. The status is written only
// while this process still owns the run (another process may have claimed it since); a write the store
// refuses (locked, read-only, full) is remembered and retried whenever the service next touches the
// store, and at shutdown. If it never succeeds, the row keeps its live status with this process as
// owner, and once the process is gone recovery reads it as interrupted: the honest state when the
// store could not be told.

import type { RunRecord } from '../../shared/training.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/index.ts';
import type { Outcome } from './owned-run.ts';
import { isGone } from './store-failure.ts';

export class FinalStatuses {
  private readonly unsettled = new Map<number, Outcome>();

  constructor(
    private readonly store: Store,
    private readonly ownerPid: number,
    private readonly log: Logger,
  ) {}

  /** Records the end; returns the run as stored, or `last` with the outcome when the store cannot say. */
  record(last: RunRecord, end: Outcome): RunRecord {
    const told = { ...last, status: end.status, statusMessage: end.message };
    const runId = last.id;
    try {
      const recorded = this.store.runs.finishOwned(runId, this.ownerPid, end.status, end.message);
      if (!recorded && this.store.runs.owner(runId) !== null) {
        this.log.warn(`Run ${runId} ended ${end.status}, but another process had claimed it; left as that process set it.`);
      }
      return this.store.runs.get(runId) ?? told;
    } catch (e) {
      this.remember(runId, end, e);
      return told;
    }
  }

  /** A claimed run that could not go further goes back to its earlier status. */
  putBack(runId: number, previous: Outcome): void {
    try {
      this.store.runs.finishOwned(runId, this.ownerPid, previous.status, previous.message);
    } catch (e) {
      this.remember(runId, previous, e);
    }
  }

  retry(): void {
    for (const [runId, end] of this.unsettled) {
      try {
        this.store.runs.finishOwned(runId, this.ownerPid, end.status, end.message);
        this.unsettled.delete(runId);
      } catch (e) {
        if (isGone(e)) this.unsettled.delete(runId);
      }
    }
  }

  /** The last chance, as the service shuts down: what still fails is logged. */
  retryAndReport(): void {
    this.retry();
    for (const [runId, end] of this.unsettled)
      this.log.error(`Run ${runId} ended ${end.status} (${end.message}), but the database never recorded it.`);
  }

  private remember(runId: number, end: Outcome, e: unknown): void {
    // A deleted run has nothing left to record its end in.
    if (isGone(e)) return;
    this.unsettled.set(runId, end);
    this.log.error(`Run ${runId} ended ${end.status}, but the database did not record it yet`, e);
  }
}
