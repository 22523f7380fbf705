// Every sweep, as listSweeps reports them, newest first. Refreshed at start and after a reconnect;
// `sweeps-changed` brings the sweeps whose status changed, as they are now. Their runs' progress
// arrives as ordinary run events (the runs store).

import type { Result } from '../../../../shared/result.ts';
import type { SweepRecord } from '../../../../shared/sweep.ts';
import { getClient } from '../client/index.ts';
import { notices } from './notices.svelte.ts';

class Sweeps {
  list = $state.raw<SweepRecord[]>([]);
  loaded = $state(false);
  private refreshing: Promise<void> | null = null;
  private again = false;

  byId(id: number): SweepRecord | undefined {
    return this.list.find((s) => s.id === id);
  }

  /** Coalesced like the runs store's: at most one request in flight and one queued behind it. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        const result = await getClient().listSweeps();
        if (result.ok) {
          this.list = result.value;
          this.loaded = true;
        } else {
          notices.error(`Could not list sweeps: ${result.error.message}`);
        }
      } while (this.again);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  upsert(sweep: SweepRecord): void {
    this.apply([sweep]);
  }

  /** Sweeps as they are now: known ones replaced, new ones on top (the newest first, as listSweeps). */
  apply(changed: readonly SweepRecord[]): void {
    if (changed.length === 0) return;
    const fresh = new Map(changed.map((s) => [s.id, s]));
    const list = this.list.map((s) => fresh.get(s.id) ?? s);
    const known = new Set(list.map((s) => s.id));
    const added = changed.filter((s) => !known.has(s.id)).sort((a, b) => b.id - a.id);
    this.list = [...added, ...list];
  }

  private async act(label: string, call: Promise<Result<SweepRecord>>): Promise<SweepRecord | null> {
    const result = await notices.track(label, call);
    if (!result.ok) return null;
    this.upsert(result.value);
    return result.value;
  }

  pause(sweepId: number) {
    return this.act(`Pausing sweep ${sweepId}…`, getClient().pauseSweep({ sweepId }));
  }

  /** `queueUrl`: a queue sweep's URL with its password, passed on and kept nowhere. */
  resume(sweepId: number, queueUrl?: string) {
    const payload = queueUrl === undefined ? { sweepId } : { sweepId, queueUrl };
    return this.act(`Resuming sweep ${sweepId}…`, getClient().resumeSweep(payload));
  }

  cancel(sweepId: number) {
    return this.act(`Cancelling sweep ${sweepId}…`, getClient().cancelSweep({ sweepId }));
  }

  /** Re-reads one sweep (its counts move with its runs, which sweeps-changed does not report). */
  async load(sweepId: number): Promise<void> {
    const result = await notices.track(`Loading sweep ${sweepId}…`, getClient().getSweep({ sweepId }));
    if (result.ok) this.upsert(result.value);
  }
}

export const sweeps = new Sweeps();
