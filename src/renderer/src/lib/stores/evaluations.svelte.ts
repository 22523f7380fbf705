// Evaluations in progress, per run, from the `evaluation` training events (the end of training's, or
// one asked for on the run page or from another window), and a revision per run that bumps when one
// ends, so the run page re-reads the stored evaluations.

import { SvelteMap } from 'svelte/reactivity';
import type { TrainingEvent } from '../../../../shared/training.ts';

export type EvaluationEvent = Extract<TrainingEvent, { type: 'evaluation' }>;

class Evaluations {
  readonly progress = new SvelteMap<number, EvaluationEvent>();
  readonly ended = new SvelteMap<number, number>();

  apply(events: readonly TrainingEvent[]): void {
    for (const event of events) {
      if (event.type !== 'evaluation') continue;
      if (event.state === 'running') this.progress.set(event.runId, event);
      else {
        this.progress.delete(event.runId);
        this.ended.set(event.runId, (this.ended.get(event.runId) ?? 0) + 1);
      }
    }
  }
}

export const evaluations = new Evaluations();
