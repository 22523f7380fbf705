// Per-run aggregates of history and live training events. The aggregates are plain objects (deep
// proxies over 100,000 points would cost more than the chart); a per-run revision number is what
// components depend on, bumped once per event batch.

import { SvelteMap } from 'svelte/reactivity';
import type { TrainingEvent } from '../../../../shared/training.ts';
import { getClient } from '../client/index.ts';
import { applyEvent, createAggregate, mergeHistory, resetAggregate, type RunAggregate } from '../run-aggregate.ts';
import { notices } from './notices.svelte.ts';

/** Points of history to fetch: the chart decimates anyway, and this keeps opening a run quick. */
const HISTORY_POINTS = 5000;

class Live {
  private aggregates = new Map<number, RunAggregate>();
  private loading = new Map<number, Promise<void>>();
  private revisions = new SvelteMap<number, number>();

  revision(runId: number): number {
    return this.revisions.get(runId) ?? 0;
  }

  /**
   * How far a run has got, in whole percent: from its live progress once any arrived (own runs send
   * every step), else from the record (a paused run sends nothing; its history says how far it got).
   */
  percent(run: { id: number; step: number; totalSteps: number }): number {
    this.revision(run.id);
    const p = this.aggregate(run.id).progress;
    const step = p.totalSteps > 0 ? p.step : run.step;
    const total = p.totalSteps > 0 ? p.totalSteps : run.totalSteps;
    return total > 0 ? Math.min(100, Math.floor((100 * step) / total)) : 0;
  }

  aggregate(runId: number): RunAggregate {
    let agg = this.aggregates.get(runId);
    if (!agg) {
      agg = createAggregate(runId);
      this.aggregates.set(runId, agg);
    }
    return agg;
  }

  private bump(runId: number): void {
    this.revisions.set(runId, this.revision(runId) + 1);
  }

  applyEvents(events: readonly TrainingEvent[]): void {
    const touched = new Set<number>();
    for (const event of events) {
      applyEvent(this.aggregate(event.runId), event);
      touched.add(event.runId);
    }
    for (const runId of touched) this.bump(runId);
  }

  /** Loads a run's logged history once; live events received meanwhile are kept. */
  load(runId: number): Promise<void> {
    if (this.aggregate(runId).historyLoaded) return Promise.resolve();
    let pending = this.loading.get(runId);
    if (!pending) {
      pending = (async () => {
        const result = await notices.track(`Loading run ${runId}…`, getClient().getRun({ runId, maxPoints: HISTORY_POINTS }));
        if (result.ok) {
          mergeHistory(this.aggregate(runId), result.value);
          this.bump(runId);
        }
      })().finally(() => this.loading.delete(runId));
      this.loading.set(runId, pending);
    }
    return pending;
  }

  /**
   * After a reconnect, events may have been missed: every run whose history was loaded is emptied
   * and read again (a run nobody has opened is loaded when someone does).
   */
  resync(): Promise<void> {
    const loaded = [...this.aggregates.values()].filter((agg) => agg.historyLoaded);
    return Promise.all(
      loaded.map(async (agg) => {
        await this.loading.get(agg.runId);
        resetAggregate(agg);
        this.bump(agg.runId);
        await this.load(agg.runId);
      }),
    ).then(() => undefined);
  }

  forget(runIds: readonly number[]): void {
    for (const id of runIds) {
      this.aggregates.delete(id);
      this.revisions.delete(id);
    }
  }
}

export const live = new Live();
