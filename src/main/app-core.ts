// The composition root shared by both shells (the Electron window and `npm run serve`): one store,
// one run service, the contract's handlers, and per-client event streams. Shells only add a
// transport (and, in Electron, native dialogs).

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { WorkbenchEvent, WorkbenchHandlers } from '../shared/contract.ts';
import { defaultParallel, type SweepRecord } from '../shared/sweep.ts';
import { createHandlers } from './api/handlers.ts';
import { dispatch } from './api/dispatch.ts';
import { EventCoalescer } from './api/events.ts';
import { LatentService } from './latent/index.ts';
import { EvaluationService } from './eval/index.ts';
import { RunFollower } from './runs/follow.ts';
import { startHeartbeat } from './runs/heartbeat.ts';
import type { Logger } from './log/logger.ts';
import { RunService } from './runs/service.ts';
import { openDatabase, type OpenOptions, type Store } from './store/index.ts';
import { createSweepWatcher } from './sweeps/follow.ts';
import { SweepService } from './sweeps/service.ts';
import { AppQueueSweeps } from './queue/app-queue.ts';
import { stderrLogger } from './log/logger.ts';
import type { Result } from '../shared/result.ts';

export interface AppCoreOptions {
  databasePath: string;
  shell: 'electron' | 'browser';
  /** Runs training at once; default: every core but one, at least one. */
  maxConcurrent?: number;
  pickDataFile?: () => Promise<string | null>;
  pickDataFolder?: () => Promise<string | null>;
  pickExportFolder?: (suggestedName: string) => Promise<string | null>;
  storeOptions?: OpenOptions;
  /** How often to look for changes other processes made to the database (tests set it). */
  followPollMs?: number;
  /** Where faults that reach no caller go; its file is shown in the app info. Default: stderr only. */
  log?: Logger;
}

export interface AppCore {
  store: Store;
  service: RunService;
  sweeps: SweepService;
  /** Runs other processes sharing the database create, change, train and delete. */
  follower: RunFollower;
  handlers: WorkbenchHandlers;
  /** Validates, runs and envelopes one call from a client. */
  call(method: unknown, payload: unknown): Promise<Result<unknown>>;
  /** A client's coalesced event stream; call the result to disconnect. */
  connect(send: (event: WorkbenchEvent) => void): () => void;
  /** Stops every run (each checkpoints first; sweeps are left for the next opening to continue), then closes the store. */
  close(): Promise<void>;
}

export function appVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export function createAppCore(options: AppCoreOptions): AppCore {
  const maxConcurrent = options.maxConcurrent ?? defaultParallel(availableParallelism());
  const store = openDatabase(options.databasePath, {
    processKind: options.shell === 'electron' ? 'app' : 'server',
    ...options.storeOptions,
  });
  const service = new RunService(store, { maxConcurrent, log: options.log });
  // The app continues a sweep whose `npm run sweep` process dies beside it, not only one found at opening.
  const sweeps = new SweepService(store, service, { log: options.log, adoptOrphans: true });
  const stopHeartbeat = startHeartbeat(store, () => service.activeRunIds());
  const follower = new RunFollower(store, {
    isOwn: (runId) => service.activeRunIds().includes(runId),
    pollMs: options.followPollMs,
    ...(options.log ? { log: options.log } : {}),
    ...(options.storeOptions?.isProcessAlive ? { isProcessAlive: options.storeOptions.isProcessAlive } : {}),
  });
  const latent = new LatentService(store);
  // Runs of a queue sweep are written by its coordinator on this connection: the follower is told to
  // look, and shows them as it shows runs trained by another process.
  const queueSweeps = new AppQueueSweeps({
    store,
    log: options.log ?? stderrLogger,
    stored: () => follower.nudge(),
    sweepChanged: (id) => sendSweeps([id]),
  });
  const clients = new Set<EventCoalescer>();
  const evaluations = new EvaluationService(store, (event) => clients.forEach((c) => c.push(event)));
  const handlers = createHandlers({
    store,
    service,
    sweeps,
    queueSweeps,
    latent,
    evaluations,
    version: appVersion(),
    shell: options.shell,
    maxConcurrent,
    pid: process.pid,
    logFile: options.log?.file ?? null,
    pickDataFile: options.pickDataFile,
    pickDataFolder: options.pickDataFolder,
    pickExportFolder: options.pickExportFolder,
    runsChanged: () => clients.forEach((c) => c.markRunsChanged()),
    dataProgress: (p) => clients.forEach((c) => c.pushDataProgress(p)),
  });
  service.onDataProgress((p) => clients.forEach((c) => c.pushDataProgress(p)));
  service.subscribe((event) => clients.forEach((c) => c.push(event)));
  sweeps.subscribe((sweep) => clients.forEach((c) => c.pushSweeps([sweep])));
  // Sweeps another process writes: their runs arrive through the follower, their own rows through the watcher.
  const sweepWatcher = createSweepWatcher(store.db);
  const sendSweeps = (ids: Iterable<number>) => {
    const changed = [...new Set(ids)].map((id) => store.sweeps.get(id)).filter((s): s is SweepRecord => s !== null);
    if (changed.length > 0) clients.forEach((c) => c.pushSweeps(changed));
  };
  follower.subscribe((update) => {
    clients.forEach((c) => {
      for (const event of update.events) c.pushFollowed(event);
      c.pushRuns(update.runs, update.deleted);
      if (update.reset) c.markRunsChanged();
    });
    sendSweeps(update.runs.flatMap((run) => (run.sweepId === null ? [] : [run.sweepId])));
  });
  follower.start();
  const sweepPoll = setInterval(() => {
    try {
      sendSweeps(sweepWatcher.poll());
    } catch (e) {
      options.log?.warn('Reading the sweeps other processes changed failed', e);
    }
  }, options.followPollMs ?? 250);
  sweepPoll.unref();
  // A sweep whose process was killed or closed continues here.
  try {
    sweeps.adoptOrphans();
  } catch (e) {
    options.log?.error('Sweeps left running by a process that is gone could not be taken over', e);
  }
  // A queue sweep this app (or a killed coordinator) followed: again now when VAE_QUEUE_URL names its queue.
  try {
    queueSweeps.reattach();
  } catch (e) {
    options.log?.error('Sweeps on a queue could not be followed again', e);
  }
  // The first listing packs every run's config (src/shared/run-list.ts); with thousands of runs that
  // is worth doing while the window loads rather than when it first asks.
  setImmediate(() => {
    if (!store.db.open) return;
    void Promise.resolve()
      .then(() => handlers.listRuns())
      .catch((e: unknown) => options.log?.warn('Listing the runs ahead of the first window failed', e));
  });
  return {
    store,
    service,
    sweeps,
    follower,
    handlers,
    call: (method, payload) => dispatch(handlers, method, payload),
    connect(send) {
      const client = new EventCoalescer(send);
      clients.add(client);
      return () => {
        client.dispose();
        clients.delete(client);
      };
    },
    async close() {
      await queueSweeps.close();
      follower.close();
      clearInterval(sweepPoll);
      await sweeps.shutdown();
      await service.shutdown();
      stopHeartbeat();
      await latent.close();
      evaluations.close();
      clients.forEach((c) => c.dispose());
      clients.clear();
      store.close();
    },
  };
}
