// The contract's methods, implemented on the run service and the store. Arguments arrive already
// validated (dispatch.ts); failures are thrown as AppFailure and enveloped by dispatch.

import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import type { DataLoadProgress, LoggedImage, RunDetail, RunHistory, WorkbenchHandlers } from '../../shared/contract.ts';
import { PRESETS } from '../../shared/presets.ts';
import { AppFailure } from '../../shared/result.ts';
import { packRunList, type ConfigDeltaMemo, type PackedRunList } from '../../shared/run-list.ts';
import { runListHead, type RunListHeadArgs } from '../../shared/run-list-head.ts';
import { LIVE_STATUSES, type ImageKind, type RunRecord } from '../../shared/training.ts';
import type { RunService } from '../runs/service.ts';
import type { Store } from '../store/index.ts';
import { inspectDatasetInWorker } from '../data/inspect.ts';
import { findTestFile } from '../data/test-file.ts';
import { exportRun, importRun } from '../export/index.ts';
import type { LatentService } from '../latent/index.ts';
import type { EvaluationService } from '../eval/index.ts';
import type { SweepService } from '../sweeps/service.ts';
import type { AppQueueSweeps } from '../queue/app-queue.ts';

export interface HandlerDeps {
  store: Store;
  service: RunService;
  sweeps: SweepService;
  /** Sweeps whose runs train on queue workers, this process following them. */
  queueSweeps: AppQueueSweeps;
  latent: LatentService;
  evaluations: EvaluationService;
  version: string;
  shell: 'electron' | 'browser';
  maxConcurrent: number;
  /** The process id the run service claims runs with. */
  pid: number;
  logFile: string | null;
  /** Native file dialog, where the shell has one. */
  pickDataFile?: () => Promise<string | null>;
  pickDataFolder?: () => Promise<string | null>;
  /** Where an image folder's loading progress goes (every client), while a data check loads it. */
  dataProgress?: (progress: DataLoadProgress) => void;
  /** Native save dialog for a new export folder, where the shell has one. */
  pickExportFolder?: (suggestedName: string) => Promise<string | null>;
  /** Tells clients that run lists changed. */
  runsChanged: () => void;
}

const DEFAULT_MAX_POINTS = 5000;
const KINDS: readonly ImageKind[] = ['reconstruction', 'samples'];

function notFound(message: string): AppFailure {
  return new AppFailure({ code: 'not-found', message });
}

/** A relative path would resolve against main's working folder, which the caller cannot see. */
function absoluteDir(dir: string): string {
  if (!isAbsolute(dir))
    throw new AppFailure({ code: 'invalid-argument', message: `dir must be an absolute path, got "${dir}"`, field: 'dir' });
  return dir;
}

const OWNER_NAMES = { app: 'the VAE Workbench app', server: 'a browser-mode workbench', cli: 'the CLI' } as const;

/**
 * A live run claimed by another process sharing the database can only be controlled there; saying
 * who holds it beats "not training in this process". (A dead owner's runs are marked interrupted
 * within seconds by the follower's sweep, and can then be resumed here.)
 */
function refuseIfTrainedElsewhere(run: RunRecord, ownPid: number, action: string): void {
  const owner = run.owner;
  if (!owner || owner.pid === ownPid || !LIVE_STATUSES.includes(run.status)) return;
  const who = owner.kind ? OWNER_NAMES[owner.kind] : 'another process';
  throw new AppFailure({
    code: 'conflict',
    message: `Run ${run.id} is ${run.status === 'queued' ? 'queued' : 'trained'} by ${who} (pid ${owner.pid}); ${action} it there.`,
  });
}

export function createHandlers(deps: HandlerDeps): WorkbenchHandlers {
  const { store, service } = deps;
  const requireRun = (runId: number) => {
    const run = store.runs.get(runId);
    if (!run) throw notFound(`Run ${runId} does not exist.`);
    return run;
  };
  const requireOwnRun = (runId: number, action: string) => {
    const run = requireRun(runId);
    refuseIfTrainedElsewhere(run, deps.pid, action);
    return run;
  };
  const checkpointSummaries = (runId: number) =>
    store.checkpoints.list(runId).map((c) => ({
      step: c.step,
      epoch: c.epoch,
      atEpochEnd: c.atEpochEnd,
      best: c.best,
      ...(c.classes !== null ? { classes: c.classes } : {}),
    }));
  const configDeltas: ConfigDeltaMemo = new WeakMap();
  let packed: { runs: readonly RunRecord[]; list: PackedRunList } | null = null;
  let headOrder: { runs: readonly RunRecord[]; key: string; sorted: readonly RunRecord[] } | null = null;
  const headKey = (args: RunListHeadArgs) => JSON.stringify([args.sort.key, args.sort.direction, args.query]);

  return {
    getAppInfo: () => ({
      version: deps.version,
      shell: deps.shell,
      databasePath: store.file,
      logFile: deps.logFile,
      presets: PRESETS,
      maxConcurrent: deps.maxConcurrent,
      pid: deps.pid,
      cores: availableParallelism(),
    }),

    inspectDataset: ({ data }) => inspectDatasetInWorker(data, deps.dataProgress),

    pickDataFile: async () => {
      if (!deps.pickDataFile) return null;
      const path = await deps.pickDataFile();
      return path === null ? null : { path, testPath: await findTestFile(path) };
    },

    pickDataFolder: async () => {
      if (!deps.pickDataFolder) return null;
      const path = await deps.pickDataFolder();
      return path === null ? null : { path };
    },

    pickExportFolder: async ({ suggestedName }) => {
      if (!deps.pickExportFolder) return null;
      const path = await deps.pickExportFolder(suggestedName);
      return path === null ? null : { path };
    },

    startRun: async ({ config }) => {
      const run = await service.start(config);
      deps.runsChanged();
      return run;
    },

    pauseRun: ({ runId }) => {
      requireOwnRun(runId, 'pause');
      service.pause(runId);
      return requireRun(runId);
    },

    resumeRun: async ({ runId }) => {
      requireOwnRun(runId, 'resume');
      const run = await service.resume(runId);
      deps.runsChanged();
      return run;
    },

    stopRun: async ({ runId }) => {
      requireOwnRun(runId, 'stop');
      service.stop(runId);
      return service.waitFor(runId);
    },

    listRuns: () => {
      // The store hands back the same frozen list while no run changed, so it is packed once.
      const runs = store.runs.list();
      // Frozen: the same object answers every call until a run changes (the socket keeps its encoding).
      if (packed?.runs !== runs) packed = { runs, list: Object.freeze(packRunList(runs, configDeltas)) };
      return packed.list;
    },

    listRunsHead: (args) => {
      const runs = store.runs.list();
      // A page reloaded on the same table asks the same again: the order is kept while no run changed.
      const same = headOrder?.runs === runs && headOrder.key === headKey(args);
      const head = runListHead(runs, args, Date.now(), same ? headOrder?.sorted : undefined);
      headOrder = { runs, key: headKey(args), sorted: head.sorted };
      return { list: packRunList(head.head), matched: head.matched, total: head.total };
    },

    getRun: ({ runId, maxPoints }): RunDetail => {
      const run = requireRun(runId);
      const images: LoggedImage[] = [];
      const imageSteps = { reconstruction: [] as number[], samples: [] as number[] };
      for (const kind of KINDS) {
        const latest = store.images.latest(runId, kind);
        if (latest) images.push({ kind, epoch: latest.epoch, step: latest.step, grid: latest.grid });
        imageSteps[kind] = store.images.list(runId, kind).map((m) => m.step);
      }
      return {
        run,
        steps: store.metrics.listSteps(runId, { maxPoints: maxPoints ?? DEFAULT_MAX_POINTS }),
        epochs: store.metrics.listEpochs(runId),
        images,
        imageSteps,
        checkpoints: checkpointSummaries(runId),
        data: store.runData.get(runId),
      };
    },

    getRunHistories: ({ runIds, maxPoints }): RunHistory[] =>
      runIds.flatMap((runId) => {
        const run = store.runs.get(runId);
        if (!run) return [];
        return [
          {
            run,
            steps: store.metrics.listSteps(runId, { maxPoints: maxPoints ?? DEFAULT_MAX_POINTS }),
            epochs: store.metrics.listEpochs(runId),
            checkpoints: checkpointSummaries(runId),
          },
        ];
      }),

    getImage: ({ runId, kind, step }) => {
      requireRun(runId);
      const meta = store.images.list(runId, kind).find((m) => m.step === step);
      const image = meta && store.images.load(meta.id);
      if (!image) throw notFound(`Run ${runId} has no ${kind} image at step ${step}.`);
      return { kind, epoch: image.epoch, step: image.step, grid: image.grid };
    },

    updateRun: ({ runId, ...edit }) => {
      const run = store.runs.update(runId, edit);
      deps.runsChanged();
      return run;
    },

    deleteRuns: async ({ runIds }) => {
      const found = runIds.map((id) => store.runs.get(id)).filter((run) => run !== null);
      if (found.length === 0) throw notFound(`No run with id ${runIds.join(', ')} exists.`);
      // Checked for all before deleting any: its trainer would go on writing to rows that are gone.
      for (const run of found) refuseIfTrainedElsewhere(run, deps.pid, 'stop');
      const existing = found.map((run) => run.id);
      // A live run is stopped first: its worker must not write to rows that are gone.
      const live = new Set(service.activeRunIds());
      for (const id of existing.filter((i) => live.has(i))) {
        service.stop(id);
        await service.waitFor(id);
      }
      for (const id of existing) store.runs.remove(id);
      deps.runsChanged();
      return { deleted: existing };
    },

    exportRun: ({ runId, dir, checkpoint }) => exportRun(store, runId, absoluteDir(dir), deps.version, checkpoint),

    importRun: async ({ dir }) => {
      const run = await importRun(store, absoluteDir(dir));
      deps.runsChanged();
      return run;
    },

    decodeLatents: ({ runId, step, points, cols, label }) => deps.latent.decode(requireRun(runId), step, points, cols, label),

    encodeImages: ({ runId, step, count, sourceRunId, includeImages }) =>
      deps.latent.encode(requireRun(runId), step, requireRun(sourceRunId ?? runId), count, includeImages ?? false),

    evaluateRun: ({ runId, step, k, images }) =>
      deps.evaluations.evaluate(requireRun(runId), {
        ...(step === undefined ? {} : { step }),
        ...(k === undefined ? {} : { k }),
        ...(images === undefined ? {} : { images }),
      }),
    cancelEvaluation: ({ runId }) => ({ cancelled: deps.evaluations.cancel(runId) }),
    listEvaluations: ({ runId }) => {
      requireRun(runId);
      return store.evaluations.list(runId);
    },

    createSweep: async ({ definition, queueUrl }) => {
      const sweep =
        queueUrl === undefined ? await deps.sweeps.create(definition) : await deps.queueSweeps.create(definition, queueUrl);
      deps.runsChanged();
      return sweep;
    },
    listSweeps: () => deps.sweeps.list(),
    getSweep: ({ sweepId }) => deps.sweeps.get(sweepId),
    pauseSweep: ({ sweepId }) => deps.sweeps.pause(sweepId),
    resumeSweep: ({ sweepId, queueUrl }) => {
      const sweep = deps.sweeps.get(sweepId);
      return sweep.queue === null ? deps.sweeps.resume(sweepId) : deps.queueSweeps.resume(sweep, queueUrl);
    },
    cancelSweep: ({ sweepId }) => deps.sweeps.cancel(sweepId),
  };
}
