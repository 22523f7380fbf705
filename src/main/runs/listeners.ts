// The run service's subscribers. A listener that throws is logged and skipped: one faulty client
// must not keep the others (or the store) from hearing how a run goes.

import type { TrainingEvent } from '../../shared/training.ts';
import type { Logger } from '../log/logger.ts';

export type TrainingListener = (event: TrainingEvent) => void;

export class TrainingListeners {
  private readonly listeners = new Set<TrainingListener>();

  constructor(private readonly log: Logger) {}

  add(listener: TrainingListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TrainingEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.log.error(`A listener of run ${event.runId}'s events failed`, e);
      }
    }
  }
}
