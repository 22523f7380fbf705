// Every run record, as listRuns reports them. Refreshed when the server says runs changed; status
// events patch records at once so badges and buttons never lag behind the run.

import type { RunEdit } from '../../../../shared/contract.ts';
import type { Result } from '../../../../shared/result.ts';
import { unpackRunList } from '../../../../shared/run-list.ts';
import type { RunListHeadArgs } from '../../../../shared/run-list-head.ts';
import type { RunRecord, TrainingEvent } from '../../../../shared/training.ts';
import { getClient } from '../client/index.ts';
import { notices } from './notices.svelte.ts';

/** The table's first rows, answered before the whole list (listRunsHead), with the sort and filter they are in. */
export interface RunsHead {
  runs: RunRecord[];
  matched: number;
  total: number;
  args: RunListHeadArgs;
}

class Runs {
  list = $state.raw<RunRecord[]>([]);
  loaded = $state(false);
  /** Only to draw until the whole list is loaded; never part of `list`, so views of all runs wait for it. */
  head = $state.raw<RunsHead | null>(null);
  /** Why the last list could not be read; null once one could. */
  failure = $state<string | null>(null);
  private refreshing: Promise<void> | null = null;
  private again = false;

  // Views look runs up by id for each run they show (Compare: hundreds, each time anything changes).
  private readonly index = $derived(new Map(this.list.map((r) => [r.id, r])));

  byId(id: number): RunRecord | undefined {
    return this.index.get(id);
  }

  /**
   * Coalesces bursts of runs-changed: at most one request in flight and one queued behind it.
   * `head`: while no list is loaded yet, also ask for the table's first rows in that sort and filter.
   */
  refresh(head?: RunListHeadArgs): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        const started = performance.now();
        // Sent first, so its small reply comes back ahead of the whole list.
        if (head && !this.loaded) void this.loadHead(head, started);
        head = undefined;
        const result = await getClient().listRuns();
        if (!result.ok) {
          this.fail(`Could not list runs: ${result.error.message}`);
          continue;
        }
        let list: RunRecord[];
        try {
          list = unpackRunList(result.value);
        } catch (e) {
          // A list that cannot be read leaves the one shown as it was, and says so.
          this.fail(`Could not read the list of runs: ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
        this.list = list;
        this.loaded = true;
        this.head = null;
        this.failure = null;
        // Request to store update, for bench/runs-table.ts (performance.getEntriesByName('runs:list')).
        performance.measure('runs:list', { start: started });
      } while (this.again);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private fail(message: string): void {
    this.failure = message;
    notices.error(message);
  }

  private async loadHead(args: RunListHeadArgs, started: number): Promise<void> {
    const result = await getClient().listRunsHead(args);
    // The head only stands in for the list; a failed one is not worth a notice: the list follows.
    if (!result.ok || this.loaded) return;
    try {
      this.head = { runs: unpackRunList(result.value.list), matched: result.value.matched, total: result.value.total, args };
      performance.measure('runs:head', { start: started });
    } catch {
      this.head = null;
    }
  }

  upsert(run: RunRecord): void {
    const i = this.list.findIndex((r) => r.id === run.id);
    this.list = i < 0 ? [run, ...this.list] : this.list.map((r) => (r.id === run.id ? run : r));
  }

  /** Rows another process changed, as they are now, and runs it deleted. */
  applyUpdates(updated: readonly RunRecord[], deleted: readonly number[]): void {
    if (updated.length + deleted.length === 0) return;
    const gone = new Set(deleted);
    const fresh = new Map(updated.map((r) => [r.id, r]));
    const list = this.list.filter((r) => !gone.has(r.id)).map((r) => fresh.get(r.id) ?? r);
    const known = new Set(list.map((r) => r.id));
    // New runs are the newest: they go on top, as listRuns would put them.
    const added = updated
      .filter((r) => !known.has(r.id) && !gone.has(r.id))
      .sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    this.list = added.length > 0 ? [...added, ...list] : list;
  }

  applyEvents(events: readonly TrainingEvent[]): void {
    const latest = new Map<number, { status: RunRecord['status']; message: string }>();
    for (const e of events) if (e.type === 'status') latest.set(e.runId, { status: e.status, message: e.message });
    if (latest.size === 0) return;
    this.list = this.list.map((run) => {
      const last = latest.get(run.id);
      return last ? { ...run, status: last.status, statusMessage: last.message } : run;
    });
  }

  /**
   * `settled` says whether the returned record is final. Pause and resume answer before the worker
   * acts, with the status as it was; the status event and runs-changed that follow bring the new one,
   * and storing the stale answer could undo them.
   */
  private async act(label: string, call: Promise<Result<RunRecord>>, settled: boolean): Promise<RunRecord | null> {
    const result = await notices.track(label, call);
    if (!result.ok) return null;
    if (settled) this.upsert(result.value);
    return result.value;
  }

  pause(runId: number) {
    return this.act(`Pausing run ${runId}…`, getClient().pauseRun({ runId }), false);
  }

  resume(runId: number) {
    return this.act(`Resuming run ${runId}…`, getClient().resumeRun({ runId }), false);
  }

  /** Answers once the run has checkpointed and stopped. */
  stop(runId: number) {
    return this.act(`Stopping run ${runId}…`, getClient().stopRun({ runId }), true);
  }

  update(edit: RunEdit) {
    return this.act(`Saving run ${edit.runId}…`, getClient().updateRun(edit), true);
  }

  async remove(runIds: number[]): Promise<number[]> {
    const label = runIds.length === 1 ? `Deleting run ${runIds[0]}…` : `Deleting ${runIds.length} runs…`;
    const result = await notices.track(label, getClient().deleteRuns({ runIds }));
    if (!result.ok) return [];
    const gone = new Set(result.value.deleted);
    this.list = this.list.filter((r) => !gone.has(r.id));
    return result.value.deleted;
  }
}

export const runs = new Runs();
