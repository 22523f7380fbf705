// Wires the backend's events, and the native menu's commands, into the stores, once, for the life of
// the page.

import { MAX_HEAD_ROWS, type RunListHeadArgs } from '../../../../shared/run-list-head.ts';
import { getClient } from '../client/index.ts';
import { runAppCommand, type CommandTargets } from '../commands.ts';
import { app } from './app.svelte.ts';
import { attention } from './attention.svelte.ts';
import { brush } from './brush.svelte.ts';
import { dataProgress } from './data-progress.svelte.ts';
import { draft } from './draft.svelte.ts';
import { evaluations } from './evaluations.svelte.ts';
import { live } from './live.svelte.ts';
import { notices } from './notices.svelte.ts';
import { router } from './router.svelte.ts';
import { runs } from './runs.svelte.ts';
import { runsTablePrefs } from './runs-table-prefs.svelte.ts';
import { selection } from './selection.svelte.ts';
import { sweeps } from './sweeps.svelte.ts';
import { firstScreenRows } from '../virtual-window.ts';

const commandTargets: CommandTargets = {
  showNewExperiment: () => router.go({ view: 'new' }),
  pickDataFile: () => notices.track('Choosing a file…', getClient().pickDataFile()),
  pickDataFolder: () => notices.track('Choosing a folder…', getClient().pickDataFolder()),
  useDataFile(source, path, testPath) {
    draft.setValue('data.source', source);
    draft.setText('data.path', path);
    if (testPath !== undefined) draft.setText('data.testPath', testPath);
  },
};

/**
 * A page that opens on the Runs table asks for its first screenful before the whole list
 * (run-list-head.ts). Not when rows are grouped or the plot's brushes filter them: those need every run.
 */
function tableHead(): RunListHeadArgs | undefined {
  if (router.route.view !== 'runs' || runsTablePrefs.groupBy.length > 0 || brush.active) return undefined;
  // The filter box starts empty on every page load.
  const { key, direction } = runsTablePrefs.sort;
  return { sort: { key, direction }, query: '', count: Math.min(MAX_HEAD_ROWS, firstScreenRows(window.innerHeight)) };
}

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
    } else if (event.type === 'data-progress') {
      dataProgress.apply(event.progress);
    } else if (event.type === 'reconnected') {
      void runs.refresh();
      void sweeps.refresh();
      void live.resync();
    }
  });
  void runs.refresh(tableHead());
  void app.load();
  void sweeps.refresh();
  const stopAttention = attention.start();
  return () => {
    stopAttention();
    stopEvents();
    stopCommands?.();
  };
}
