// The run service: starts, queues, pauses, resumes and stops runs, one worker thread each, and is
// the only writer of a run's training output to the store. Clients (IPC, WebSocket, CLI) subscribe
// to the same TrainingEvents the store receives.
//
// Its promises, in the order a run meets them:
// - A new run's record is created only once its data has loaded (or, for a run that must queue, once
//   its data file has been checked): a malformed file fails `start` with the loader's message and
//   leaves the database untouched.
// - A queued run holds no worker and no data; both are loaded when a slot frees up. The queue is bounded.
// - Resuming first claims the run in one transaction (runs.claimForResume), and only then truncates
//   what the checkpoint will replay: of two resumes, in one process or two, one trains and the other
//   is refused before it has changed anything.
// - A failure of the store while a run trains (disk full, locked, read-only, the run deleted elsewhere)
//   ends that run as failed, naming the database file; never the process, never the other runs.
// - Every worker is terminated once its run ends, however it ends (see launch.ts for the way in, and
//   run-worker.ts for a training run's worker). Which runs train and which wait is slots.ts's account;
//   pruning at rungs is pruning.ts's.

import type { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../../shared/config.ts';
import type { DataLoadProgress } from '../../shared/contract.ts';
import { AppFailure } from '../../shared/result.ts';
import type { RunRecord } from '../../shared/training.ts';
import { validateConfig } from '../../shared/validate.ts';
import { stderrLogger, type Logger } from '../log/logger.ts';
import type { FinishedStatus, Store } from '../store/index.ts';
import { FinalStatuses } from './final-status.ts';
import { launchWorker } from './launch.ts';
import { TrainingListeners, type TrainingListener } from './listeners.ts';
import { ownedRun, type OwnedRun, type Outcome } from './owned-run.ts';
import { CONTROL_PAUSE, CONTROL_RUN } from './protocol.ts';
import { RunPruning } from './pruning.ts';
import { QueueDataCheck } from './queue-check.ts';
import { truncateAfterCheckpoint } from './resume-point.ts';
import { attachWorker, detachWorker, launchRun, type RunWorkerContext } from './run-worker.ts';
import { stopAtGate, type RungJudge } from './rung-gate.ts';
import { RunSlots } from './slots.ts';
import { CoreShare } from './cores.ts';
import { namingDatabase } from './store-failure.ts';

export interface RunServiceOptions {
  /** Runs training at once; more wait as `queued`. They share the cores (cores.ts). */
  maxConcurrent?: number;
  /** Runs that may wait in the queue; starting or resuming one more is refused. */
  maxQueued?: number;
  /** Identifies this process as the runs' owner, for crash recovery. */
  ownerPid?: number;
  /** Where faults that end no caller's request go (a run's final status that could not be saved). */
  log?: Logger;
  /** Cores the runs share (default: this machine's), and how many others keep busy; see cores.ts. */
  cores?: { count: number; othersLoad: (granted: number) => number };
  /**
   * Decides at rung epochs whether a run goes on. Default: successive halving for the runs of sweeps
   * that ask for it; null: every run trains to its end.
   */
  judge?: RungJudge | null;
}

export const DEFAULT_MAX_QUEUED = 100;

export class RunService {
  private readonly slots: RunSlots;
  private readonly cores: CoreShare;
  private readonly listeners: TrainingListeners;
  /** New runs whose worker is loading data before they have a record (and so an id). */
  private readonly loadingNew = new Set<Worker>();
  private readonly finals: FinalStatuses;
  private readonly queueCheck = new QueueDataCheck();
  /** What a run's worker needs of this service (run-worker.ts). */
  private readonly worker: RunWorkerContext;
  private closing = false;
  private readonly ownerPid: number;
  private readonly progressListeners = new Set<(progress: DataLoadProgress) => void>();

  constructor(
    private readonly store: Store,
    options: RunServiceOptions = {},
  ) {
    this.slots = new RunSlots(options.maxConcurrent ?? 2, options.maxQueued ?? DEFAULT_MAX_QUEUED);
    this.cores = options.cores ? new CoreShare(options.cores.count, options.cores.othersLoad) : new CoreShare();
    this.ownerPid = options.ownerPid ?? process.pid;
    const log = options.log ?? stderrLogger;
    this.finals = new FinalStatuses(store, this.ownerPid, log);
    this.listeners = new TrainingListeners(log);
    this.worker = {
      store,
      ownerPid: this.ownerPid,
      listeners: this.listeners,
      pruning: new RunPruning(store, options.judge, log),
      current: (run) => this.current(run),
      finish: (run, outcome, error) => this.finish(run, outcome, error),
      dataProgress: (progress) => this.dataProgress(progress),
      threads: (worker, config) => this.threadsFor(worker, config),
    };
  }

  subscribe(listener: TrainingListener): () => void {
    return this.listeners.add(listener);
  }

  /** Hears how image folders load while runs start (a first load decodes every file); returns the unsubscribe. */
  onDataProgress(listener: (progress: DataLoadProgress) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  private threadsFor(worker: Worker, config: ExperimentConfig): number {
    return this.cores.grantUntilExit(worker, config.run.threads ?? 0, this.slots.demand());
  }

  /** Compute threads granted to runs whose workers are alive. */
  threadsInUse(): number {
    return this.cores.inUse();
  }

  private dataProgress(progress: DataLoadProgress): void {
    for (const listener of this.progressListeners) listener(progress);
  }

  /** Ids of runs this service is training or has queued. */
  activeRunIds(): number[] {
    return this.slots.ids();
  }

  /** Validates the config, then trains the run at once (its data loaded first) or records it as queued. */
  async start(input: unknown): Promise<RunRecord> {
    const checked = validateConfig(input);
    if (!checked.ok) throw new AppFailure(checked.error);
    const config = checked.value;
    this.refuseWhileClosing();
    if (this.slots.free() > 0) return this.startNow(config);
    this.slots.refuseWhenFull();
    const data = await this.queueCheck.check(config.data, (p) => this.dataProgress(p));
    this.refuseWhileClosing();
    this.slots.refuseWhenFull();
    const record = this.store.runs.create({
      config,
      datasetName: data.name,
      datasetFingerprint: data.fingerprint,
      status: 'queued',
      ownerPid: this.ownerPid,
    });
    const run = this.own(record, { fromCheckpoint: false, setupFailure: 'failed' });
    this.slots.enqueue(run);
    this.pump();
    return this.current(run);
  }

  /**
   * Continues a paused run, or an interrupted or failed one from its latest checkpoint (from the
   * start when it died before its first checkpoint). Steps logged after that checkpoint are
   * dropped, since the resumed run replays them.
   */
  async resume(runId: number): Promise<RunRecord> {
    const mine = this.slots.get(runId);
    if (mine) {
      // Only a pause is undone: a stop already asked for must not turn back into training.
      if (mine.control && Atomics.compareExchange(mine.control, 0, CONTROL_PAUSE, CONTROL_RUN) === CONTROL_PAUSE)
        Atomics.notify(mine.control, 0);
      return this.current(mine);
    }
    this.refuseWhileClosing();
    const startNow = this.slots.free() > 0;
    if (!startNow) this.slots.refuseWhenFull();
    // Nothing before this line may change the run: the claim decides whether it is ours to change.
    const previous = this.store.runs.claimForResume(runId, this.ownerPid);
    let run: OwnedRun;
    try {
      const record = this.store.runs.get(runId);
      if (!record) throw new AppFailure({ code: 'not-found', message: `Run ${runId} does not exist.` });
      run = this.own(record, { fromCheckpoint: true, setupFailure: previous.status });
    } catch (e) {
      this.finals.putBack(runId, previous);
      throw e;
    }
    try {
      truncateAfterCheckpoint(this.store, runId);
    } catch (e) {
      this.finish(run, previous.status, e);
      throw e;
    }
    if (startNow) await launchRun(this.worker, run);
    else {
      this.slots.enqueue(run);
      this.pump();
    }
    return this.current(run);
  }

  /**
   * Trains a queued run that this process has already claimed (store.sweeps.claimNextQueued): at once
   * when a slot is free, else after the runs ahead of it. Its data is loaded only then, and a data
   * failure ends that run as failed. Returns once the run is this service's; `waitFor` gives its end.
   */
  startQueued(runId: number): RunRecord {
    const mine = this.slots.get(runId);
    if (mine) return this.current(mine);
    this.refuseWhileClosing();
    const record = this.requireRun(runId);
    if (record.status !== 'queued' || record.owner?.pid !== this.ownerPid) {
      const holder = record.owner ? `claimed by pid ${record.owner.pid}` : 'not claimed by any process';
      throw new AppFailure({
        code: 'conflict',
        message: `Run ${runId} cannot start here: it is ${record.status}, ${holder}, not queued for this process.`,
      });
    }
    const run = this.own(record, { fromCheckpoint: false, setupFailure: 'failed' });
    this.slots.enqueue(run);
    this.pump();
    return this.current(run);
  }

  pause(runId: number): void {
    const run = this.requireOwned(runId);
    if (!run.control)
      throw new AppFailure({ code: 'conflict', message: `Run ${runId} is queued and has not started; stop it instead.` });
    // A run already asked to stop stays stopping.
    Atomics.compareExchange(run.control, 0, CONTROL_RUN, CONTROL_PAUSE);
  }

  /** Stops a run after checkpointing it, so it can be resumed; a queued run simply leaves the queue. */
  stop(runId: number): void {
    const run = this.requireOwned(runId);
    if (run.control) {
      stopAtGate(run.control);
      return;
    }
    this.finish(run, { status: 'interrupted', message: 'Stopped before it started.' });
  }

  /** Resolves with the run's record once it has finished (at once if it is not live). */
  waitFor(runId: number): Promise<RunRecord> {
    const run = this.slots.get(runId);
    return run ? run.done : Promise.resolve(this.requireRun(runId));
  }

  /** Stops every run (each checkpoints first) and waits for them to finish. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.cores.close();
    for (const worker of this.loadingNew) void worker.terminate();
    const waits = this.slots.all().map((run) => {
      this.stop(run.runId);
      return run.done;
    });
    await Promise.all(waits);
    this.finals.retryAndReport();
  }

  private refuseWhileClosing(): void {
    if (this.closing) throw new AppFailure({ code: 'conflict', message: 'The workbench is shutting down; no run can start.' });
  }

  private requireRun(runId: number): RunRecord {
    const run = this.store.runs.get(runId);
    if (!run) throw new AppFailure({ code: 'not-found', message: `Run ${runId} does not exist.` });
    return run;
  }

  private requireOwned(runId: number): OwnedRun {
    const run = this.slots.get(runId);
    if (run) return run;
    const record = this.requireRun(runId);
    throw new AppFailure({ code: 'conflict', message: `Run ${runId} is not training in this process (it is ${record.status}).` });
  }

  /** The run as the store has it now, or as last read when the store cannot answer. */
  private current(run: OwnedRun): RunRecord {
    try {
      return this.store.runs.get(run.runId) ?? run.record;
    } catch {
      return run.record;
    }
  }

  private own(record: RunRecord, how: { fromCheckpoint: boolean; setupFailure: FinishedStatus }): OwnedRun {
    const run = ownedRun(record, how);
    this.slots.add(run);
    return run;
  }

  /** A new run with a free slot: load its data, then record it and let it train at once. */
  private async startNow(config: ExperimentConfig): Promise<RunRecord> {
    const release = this.slots.reserve();
    let worker: Worker | null = null;
    try {
      const launched = await launchWorker({
        config,
        resume: null,
        expectFingerprint: null,
        onSpawn: (w) => {
          worker = w;
          this.loadingNew.add(w);
        },
        onProgress: (p) => this.dataProgress(p),
        threads: (w) => this.threadsFor(w, config),
      });
      this.refuseWhileClosing();
      const record = this.store.runs.create({
        config,
        datasetName: launched.ready.datasetName,
        datasetFingerprint: launched.ready.datasetFingerprint,
        status: 'queued',
        ownerPid: this.ownerPid,
      });
      const run = this.own(record, { fromCheckpoint: false, setupFailure: 'failed' });
      run.phase = 'launching';
      release();
      attachWorker(this.worker, run, launched);
      return this.current(run);
    } catch (e) {
      if (worker) void (worker as Worker).terminate();
      throw e;
    } finally {
      if (worker) this.loadingNew.delete(worker);
      release();
      this.pump();
    }
  }

  private pump(): void {
    if (this.closing) return;
    this.finals.retry();
    // Its failure has already ended the run; nobody is waiting on this promise.
    for (let run = this.slots.next(); run; run = this.slots.next()) launchRun(this.worker, run).catch(() => {});
  }

  /**
   * Ends a run whatever state the store is in: stops its worker, records the outcome when the store
   * lets it (else remembers to retry), tells the listeners and resolves `done`. Never throws.
   * With an error instead of an outcome message, the run ends with that error's account of the store.
   */
  private finish(run: OwnedRun, outcome: Outcome | FinishedStatus, error?: unknown): void {
    if (run.finished) return;
    run.finished = true;
    this.slots.drop(run);
    const told = typeof outcome === 'string' ? { status: outcome, message: namingDatabase(error, this.store.file) } : outcome;
    const end = detachWorker(this.store, run, told);
    const record = this.finals.record(run.record, end);
    this.listeners.emit({ type: 'status', runId: run.runId, status: end.status, message: end.message });
    run.resolveDone(record);
    this.pump();
  }
}
