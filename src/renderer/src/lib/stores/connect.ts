// Wires the backend's events, and the native menu's commands, into the stores, once, for the life of
// the page.

import { getClient } from '../client/index.ts';
import { runAppCommand, type CommandTargets } from '../commands.ts';
import { app } from './app.svelte.ts';
import { attention } from './attention.svelte.ts';
import { draft } from './draft.svelte.ts';
import { evaluations } from './evaluations.svelte.ts';
import { live } from './live.svelte.ts';
import { notices } from './notices.svelte.ts';
import { router } from './router.svelte.ts';
import { runs } from './runs.svelte.ts';
import { selection } from './selection.svelte.ts';
import { sweeps } from './sweeps.svelte.ts';

const commandTargets: CommandTargets = {
  showNewExperiment: () => router.go({ view: 'new' }),
  pickDataFile: () => notices.track('Choosing a file…', getClient().pickDataFile()),
  useDataFile(source, path, testPath) {
    draft.setValue('data.source', source);
    draft.setText('data.path', path);
    draft.setText('data.testPath', testPath);
  },
};

export function connectStores(): () => void {
  const client = getClient();
  // Only the Electron window has a native menu to send commands.
  const stopCommands = client.onCommand?.((event) => void runAppCommand(event.command, commandTargets));
  const stopEvents = client.onEvent((event) => {
    if (event.type === 'training') {
      live.applyEvents(event.events);
      runs.applyEvents(event.events);
      evaluations.apply(event.events);
    } else if (event.type === 'runs-changed') {
      void runs.refresh();
    } else if (event.type === 'runs-updated') {
      runs.applyUpdates(event.runs, event.deleted);
      if (event.deleted.length > 0) {
        live.forget(event.deleted);
        selection.retain(new Set(runs.list.map((r) => r.id)));
      }
    } else if (event.type === 'sweeps-changed') {
      sweeps.apply(event.sweeps);
    } else if (event.type === 'reconnected') {
      void runs.refresh();
      void sweeps.refresh();
      void live.resync();
    }
  });
  void app.load();
  void runs.refresh();
  void sweeps.refresh();
  const stopAttention = attention.start();
  return () => {
    stopAttention();
    stopEvents();
    stopCommands?.();
  };
}
