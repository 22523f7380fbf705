// Tells the user when a run or sweep finishes while they look elsewhere (an in-app notice, and a
// desktop notification where allowed), and keeps the window title showing progress. The decisions
// are attention.ts's; this only watches the stores and the window.

import { untrack } from 'svelte';
import type { SweepStatus } from '../../../../shared/sweep.ts';
import type { RunStatus } from '../../../../shared/training.ts';
import { announcements, documentTitle, statusMap, type Announcement } from '../attention.ts';
import { isLive } from '../runs-table.ts';
import { runsOfSweep, sweepProgress } from '../sweep-view.ts';
import { live } from './live.svelte.ts';
import { notices } from './notices.svelte.ts';
import { router } from './router.svelte.ts';
import { runs } from './runs.svelte.ts';
import { sweeps } from './sweeps.svelte.ts';

/** The Notification API, where this page has one (a browser tab over plain http may not). */
function notificationApi(): typeof Notification | null {
  return typeof Notification === 'undefined' ? null : Notification;
}

class Attention {
  /** 'default' until asked; the browser tab asks only when the user clicks to allow. */
  permission = $state<NotificationPermission | 'unsupported'>(notificationApi()?.permission ?? 'unsupported');
  private hidden = $state(document.visibilityState === 'hidden');
  /** The window's title: progress while something trains. */
  title = $derived.by(() => {
    const running = sweeps.list.filter((s) => s.status === 'running');
    const sweepParts = running.map((s) => sweepProgress(s, runsOfSweep(runs.list, s.id)));
    const percents = runs.list
      .filter((r) => r.sweepId === null && isLive(r) && r.status === 'running')
      .map((r) => live.percent(r));
    return documentTitle(sweepParts, percents);
  });

  constructor() {
    document.addEventListener('visibilitychange', () => (this.hidden = document.visibilityState === 'hidden'));
  }

  async requestPermission(): Promise<void> {
    const api = notificationApi();
    if (!api) return;
    this.permission = await api.requestPermission();
  }

  private announce(a: Announcement): void {
    if (a.error) notices.error(a.message);
    else notices.info(a.message);
    const api = notificationApi();
    if (!api || api.permission !== 'granted') return;
    try {
      const n = new api(a.title, { body: a.message, tag: `${a.subject.kind}-${a.subject.id}` });
      n.onclick = () => {
        window.focus();
        router.go(a.subject.kind === 'run' ? { view: 'run', runId: a.subject.id } : { view: 'sweep', sweepId: a.subject.id });
      };
    } catch {
      // Some pages have the constructor but refuse it (Chrome on Android wants a service worker):
      // the in-app notice already said it.
    }
  }

  /** Starts watching; returns the function that stops. */
  start(): () => void {
    return $effect.root(() => {
      // Only what was seen live before can be news: the first look at each list sets the baseline.
      let runsBefore: Map<number, RunStatus> | null = null;
      let sweepsBefore = new Map<number, SweepStatus>();
      $effect(() => {
        const runList = runs.list;
        const sweepList = sweeps.list;
        if (!runs.loaded) return;
        untrack(() => {
          if (!runsBefore) return;
          const where = { route: router.route, hidden: this.hidden };
          for (const a of announcements({ runs: runsBefore, sweeps: sweepsBefore }, runList, sweepList, where)) this.announce(a);
        });
        runsBefore = statusMap(runList);
        sweepsBefore = statusMap(sweepList);
      });
      $effect(() => {
        document.title = this.title;
      });
    });
  }
}

export const attention = new Attention();
