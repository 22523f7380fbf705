// Wires the backend's events into the stores, once, for the life of the page.

import { getClient } from '../client/index.ts';
import { app } from './app.svelte.ts';
import { live } from './live.svelte.ts';
import { runs } from './runs.svelte.ts';
import { selection } from './selection.svelte.ts';

export function connectStores(): () => void {
  const unsubscribe = getClient().onEvent((event) => {
    if (event.type === 'training') {
      live.applyEvents(event.events);
      runs.applyEvents(event.events);
    } else if (event.type === 'runs-changed') {
      void runs.refresh();
    } else if (event.type === 'runs-updated') {
      runs.applyUpdates(event.runs, event.deleted);
      if (event.deleted.length > 0) {
        live.forget(event.deleted);
        selection.retain(new Set(runs.list.map((r) => r.id)));
      }
    } else if (event.type === 'reconnected') {
      void runs.refresh();
      void live.resync();
    }
  });
  void app.load();
  void runs.refresh();
  return unsubscribe;
}
