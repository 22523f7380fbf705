// Per-run asynchronous data for Compare's panels (a run's history, its reconstructions, its
// decoded points): each run's request carries a key saying what it depends on (the run's status and
// epoch, the latent points asked for, the checkpoint). A run is fetched again only when its key
// changes; an answer to an outdated request is dropped; a refetch keeps showing the previous value
// until the new one arrives, so a live run's panels do not blink on every epoch. At most
// `concurrency` requests are in flight: fifty runs' histories load a few at a time, so the first
// ones show while the rest are on the way and the backend is not asked for all fifty at once.

import { untrack } from 'svelte';
import { SvelteMap } from 'svelte/reactivity';
import type { Result } from '../../../../shared/result.ts';

export type Loadable<T> =
  { state: 'loading' } | { state: 'ready'; value: T; refreshing: boolean } | { state: 'error'; message: string };

export interface LoadRequest<T> {
  key: string;
  load: () => Promise<Result<T>>;
}

export class KeyedLoader<T> {
  private readonly entries = new SvelteMap<number, Loadable<T>>();
  private readonly keys = new Map<number, string>();
  private readonly tickets = new Map<number, number>();
  private nextTicket = 1;
  private active = 0;
  // A hand-written queue rather than p-limit: that is only a transitive dependency here, and a
  // request must also be able to give up its place when its run leaves before it starts.
  private readonly waiting: (() => void)[] = [];

  /** Answers that arrived and wait for the next batch, with the request they answer. */
  private readonly arrived = new Map<number, { ticket: number; entry: Loadable<T> }>();
  private batch: Promise<void> | null = null;

  /**
   * `settleMs`: answers are stored together, at most this often. Every stored answer makes the views
   * work on all the runs again (Compare's curves, tables and charts): with 400 runs, storing each
   * answer as it came kept the page busy for minutes (bench/compare-many.ts); 0 stores each at once.
   */
  constructor(
    private readonly concurrency = Infinity,
    private readonly settleMs = 0,
  ) {}

  get(id: number): Loadable<T> {
    return this.entries.get(id) ?? { state: 'loading' };
  }

  /** The value of a run once loaded (the previous one while refreshing), else null. */
  value(id: number): T | null {
    const entry = this.entries.get(id);
    return entry?.state === 'ready' ? entry.value : null;
  }

  /**
   * Brings the runs in `requests` up to date and forgets every other run. A failed request is not
   * retried until its key changes. Returns a promise that settles when the requests it started have
   * (tests wait on it; the UI need not). Untracked: the effect that calls it depends on what makes
   * the keys, not on the answers it stores.
   */
  sync(requests: ReadonlyMap<number, LoadRequest<T>>): Promise<void> {
    return untrack(() => this.syncNow(requests));
  }

  private syncNow(requests: ReadonlyMap<number, LoadRequest<T>>): Promise<void> {
    for (const id of [...this.keys.keys()]) {
      if (requests.has(id)) continue;
      this.keys.delete(id);
      this.tickets.delete(id);
      this.entries.delete(id);
    }
    const started: Promise<void>[] = [];
    for (const [id, request] of requests) {
      if (this.keys.get(id) === request.key) continue;
      this.keys.set(id, request.key);
      started.push(this.fetch(id, request));
    }
    return Promise.all(started).then(() => undefined);
  }

  private async fetch(id: number, request: LoadRequest<T>): Promise<void> {
    const ticket = this.nextTicket++;
    this.tickets.set(id, ticket);
    const previous = this.entries.get(id);
    this.entries.set(id, previous?.state === 'ready' ? { ...previous, refreshing: true } : { state: 'loading' });
    // With a slot free the request starts now, in the same tick as sync().
    if (this.active < this.concurrency) this.active++;
    else await this.queued();
    let result: Result<T>;
    try {
      // Outdated (or its run gone) while it waited for a slot: nothing to ask.
      if (this.tickets.get(id) !== ticket) return;
      result = await request.load();
    } catch (e) {
      result = { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
    } finally {
      this.release();
    }
    if (this.tickets.get(id) !== ticket) return;
    const entry: Loadable<T> = result.ok
      ? { state: 'ready', value: result.value, refreshing: false }
      : { state: 'error', message: result.error.message };
    if (this.settleMs <= 0) return void this.entries.set(id, entry);
    this.arrived.set(id, { ticket, entry });
    await (this.batch ??= new Promise((resolve) => setTimeout(() => resolve(this.storeArrived()), this.settleMs)));
  }

  private storeArrived(): void {
    this.batch = null;
    const answers = [...this.arrived];
    this.arrived.clear();
    // Still the latest request of a run still asked for: a newer request or the run's removal drops it.
    for (const [id, { ticket, entry }] of answers) if (this.tickets.get(id) === ticket) this.entries.set(id, entry);
  }

  /** Waits for a slot, handed over by release() (which then leaves `active` as it is). */
  private queued(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
