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
// - Every worker is terminated once its run ends, however it ends (see launch.ts for the way in).

import type { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import type { RunRecord } from '../../shared/training.ts';
import { validateConfig } from '../../shared/validate.ts';
import { stderrLogger, type Logger } from '../log/logger.ts';
import type { FinishedStatus, Store } from '../store/index.ts';
import { FinalStatuses } from './final-status.ts';
import { launchWorker, type LaunchedWorker } from './launch.ts';
import { TrainingListeners, type TrainingListener } from './listeners.ts';
import { RunOutput } from './output.ts';
import { ownedRun, type OwnedRun, type Outcome } from './owned-run.ts';
import { CONTROL_PAUSE, CONTROL_RUN, type WorkerMessage } from './protocol.ts';
import { QueueDataCheck } from './queue-check.ts';
import { resumeBlobs, truncateAfterCheckpoint } from './resume-point.ts';
import { answerGate, rungsFor, stopAtGate, type RungJudge } from './rung-gate.ts';
import { ashaJudge } from '../sweeps/asha-judge.ts';
import { namingDatabase } from './store-failure.ts';

export interface RunServiceOptions {
  /** Runs training at once; more wait as `queued`. Each uses one core. */
  maxConcurrent?: number;
  /** Runs that may wait in the queue; starting or resuming one more is refused. */
  maxQueued?: number;
  /** Identifies this process as the runs' owner, for crash recovery. */
  ownerPid?: number;
  /** Where faults that end no caller's request go (a run's final status that could not be saved). */
  log?: Logger;
  /**
   * Decides at rung epochs whether a run goes on. Default: successive halving for the runs of sweeps
   * that ask for it; null: every run trains to its end.
   */
  judge?: RungJudge | null;
}

export const DEFAULT_MAX_QUEUED = 100;

export class RunService {
  private readonly owned = new Map<number, OwnedRun>();
  private readonly queue: OwnedRun[] = [];
  private readonly listeners: TrainingListeners;
  /** New runs whose worker is loading data before they have a record (and so an id). */
  private readonly loadingNew = new Set<Worker>();
  private reservedSlots = 0;
  private readonly finals: FinalStatuses;
  private readonly queueCheck = new QueueDataCheck();
  private closing = false;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly ownerPid: number;
  private readonly log: Logger;
  private readonly judge: RungJudge | null;

  constructor(
    private readonly store: Store,
    options: RunServiceOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 2;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.ownerPid = options.ownerPid ?? process.pid;
    this.log = options.log ?? stderrLogger;
    this.judge = options.judge === undefined ? ashaJudge(store) : options.judge;
    this.finals = new FinalStatuses(store, this.ownerPid, this.log);
    this.listeners = new TrainingListeners(this.log);
  }

  subscribe(listener: TrainingListener): () => void {
    return this.listeners.add(listener);
  }

  /** Ids of runs this service is training or has queued. */
  activeRunIds(): number[] {
    return [...this.owned.keys()];
  }

  /** Validates the config, then trains the run at once (its data loaded first) or records it as queued. */
  async start(input: unknown): Promise<RunRecord> {
    const checked = validateConfig(input);
    if (!checked.ok) throw new AppFailure(checked.error);
    const config = checked.value;
    this.refuseWhileClosing();
    if (this.freeSlots() > 0) return this.startNow(config);
    this.refuseWhenQueueFull();
    const data = await this.queueCheck.check(config.data);
    this.refuseWhileClosing();
    this.refuseWhenQueueFull();
    const record = this.store.runs.create({
      config,
      datasetName: data.name,
      datasetFingerprint: data.fingerprint,
      status: 'queued',
      ownerPid: this.ownerPid,
    });
    const run = this.own(record, { fromCheckpoint: false, setupFailure: 'failed' });
    this.queue.push(run);
    this.pump();
    return this.current(run);
  }

  /**
   * Continues a paused run, or an interrupted or failed one from its latest checkpoint (from the
   * start when it died before its first checkpoint). Steps logged after that checkpoint are
   * dropped, since the resumed run replays them.
   */
  async resume(runId: number): Promise<RunRecord> {
    const mine = this.owned.get(runId);
    if (mine) {
      // Only a pause is undone: a stop already asked for must not turn back into training.
      if (mine.control && Atomics.compareExchange(mine.control, 0, CONTROL_PAUSE, CONTROL_RUN) === CONTROL_PAUSE)
        Atomics.notify(mine.control, 0);
      return this.current(mine);
    }
    this.refuseWhileClosing();
    const startNow = this.freeSlots() > 0;
    if (!startNow) this.refuseWhenQueueFull();
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
    if (startNow) await this.launch(run);
    else {
      this.queue.push(run);
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
    const mine = this.owned.get(runId);
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
    this.queue.push(run);
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
    const run = this.owned.get(runId);
    return run ? run.done : Promise.resolve(this.requireRun(runId));
  }

  /** Stops every run (each checkpoints first) and waits for them to finish. */
  async shutdown(): Promise<void> {
    this.closing = true;
    for (const worker of this.loadingNew) void worker.terminate();
    const waits = [...this.owned.values()].map((run) => {
      this.stop(run.runId);
      return run.done;
    });
    await Promise.all(waits);
    this.finals.retryAndReport();
  }

  private refuseWhileClosing(): void {
    if (this.closing) throw new AppFailure({ code: 'conflict', message: 'The workbench is shutting down; no run can start.' });
  }

  private refuseWhenQueueFull(): void {
    if (this.queue.length >= this.maxQueued) {
      throw new AppFailure({
        code: 'conflict',
        message: `${this.queue.length} runs are already waiting for a free slot, the most the queue holds; stop one or wait for a run to finish.`,
      });
    }
  }

  private freeSlots(): number {
    let busy = this.reservedSlots;
    for (const run of this.owned.values()) if (run.phase !== 'queued') busy++;
    return this.maxConcurrent - busy;
  }

  private requireRun(runId: number): RunRecord {
    const run = this.store.runs.get(runId);
    if (!run) throw new AppFailure({ code: 'not-found', message: `Run ${runId} does not exist.` });
    return run;
  }

  private requireOwned(runId: number): OwnedRun {
    const run = this.owned.get(runId);
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
    this.owned.set(run.runId, run);
    return run;
  }

  /** A new run with a free slot: load its data, then record it and let it train at once. */
  private async startNow(config: ExperimentConfig): Promise<RunRecord> {
    this.reservedSlots++;
    let worker: Worker | null = null;
    let reserved = true;
    const release = () => {
      if (!reserved) return;
      reserved = false;
      this.reservedSlots--;
    };
    try {
      const launched = await launchWorker({
        config,
        resume: null,
        expectFingerprint: null,
        onSpawn: (w) => {
          worker = w;
          this.loadingNew.add(w);
        },
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
      this.begin(run, launched);
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

  /** An owned run takes a slot: load its data (and checkpoint), then train. Rejects when it could not. */
  private async launch(run: OwnedRun): Promise<void> {
    run.phase = 'launching';
    const stopped = () => new AppFailure({ code: 'conflict', message: `Run ${run.runId} was stopped before it started.` });
    let launched: LaunchedWorker;
    try {
      launched = await launchWorker({
        config: run.config,
        resume: run.fromCheckpoint ? resumeBlobs(this.store, run.runId) : null,
        expectFingerprint: run.expectFingerprint,
        onSpawn: (w) => (run.worker = w),
      });
    } catch (e) {
      // Stopping a loading run terminates its worker, which is why the launch failed.
      if (run.finished) throw stopped();
      this.finish(run, run.setupFailure, e);
      throw e;
    }
    if (run.finished) {
      void launched.worker.terminate();
      throw stopped();
    }
    this.begin(run, launched);
  }

  /** Claims the slot in the store and lets the worker train; on failure the run ends and this throws. */
  private begin(run: OwnedRun, { worker, control, ready }: LaunchedWorker): void {
    run.worker = worker;
    run.control = control;
    run.phase = 'training';
    worker.on('message', (m: WorkerMessage) => this.onMessage(run, m));
    worker.on('error', (e) => this.finish(run, { status: 'failed', message: `The training worker crashed: ${e.message}` }));
    worker.on('exit', (code) =>
      this.finish(run, { status: 'failed', message: `The training worker exited unexpectedly (code ${code}).` }),
    );
    try {
      run.record = this.store.runs.markStarted(run.runId, {
        backend: ready.backend,
        ownerPid: this.ownerPid,
        totalSteps: ready.totalSteps,
        datasetName: ready.datasetName,
        datasetFingerprint: ready.datasetFingerprint,
      });
      run.output = new RunOutput(this.store, run.runId);
      const rungs = run.gated ? rungsFor(this.judge, run.record, this.log) : [];
      worker.postMessage({ type: 'begin', runId: run.runId, rungs });
    } catch (e) {
      this.finish(run, 'failed', e);
      throw e;
    }
  }

  private pump(): void {
    if (this.closing) return;
    this.finals.retry();
    while (this.freeSlots() > 0 && this.queue.length > 0) {
      // Its failure has already ended the run; nobody is waiting on this promise.
      this.launch(this.queue.shift()!).catch(() => {});
    }
  }

  private onMessage(run: OwnedRun, m: WorkerMessage): void {
    if (run.finished) return;
    try {
      switch (m.type) {
        case 'event':
          run.output!.event(m.event);
          this.listeners.emit(m.event);
          return;
        case 'checkpoint':
          run.output!.checkpoint(m.blobs);
          return;
        case 'evaluation':
          this.store.evaluations.add(run.runId, m.result);
          return;
        case 'gate':
          // The judge reads the rung's metrics from the store: they must be there first.
          run.output!.flush();
          answerGate(this.judge, this.current(run), m.epoch, run.control!, this.log, (why) => (run.pruneMessage = why));
          return;
        case 'finished':
          run.output!.final(m.final);
          this.finish(run, { status: m.status, message: m.status === 'pruned' ? (run.pruneMessage ?? m.message) : m.message });
          return;
        default:
          return;
      }
    } catch (e) {
      const why = namingDatabase(e, this.store.file);
      this.finish(run, { status: 'failed', message: `The run stopped because its output could not be saved: ${why}` });
    }
  }

  /**
   * Ends a run whatever state the store is in: stops its worker, records the outcome when the store
   * lets it (else remembers to retry), tells the listeners and resolves `done`. Never throws.
   * With an error instead of an outcome message, the run ends with that error's account of the store.
   */
  private finish(run: OwnedRun, outcome: Outcome | FinishedStatus, error?: unknown): void {
    if (run.finished) return;
    run.finished = true;
    let end: Outcome =
      typeof outcome === 'string' ? { status: outcome, message: namingDatabase(error, this.store.file) } : outcome;
    const queued = this.queue.indexOf(run);
    if (queued >= 0) this.queue.splice(queued, 1);
    this.owned.delete(run.runId);
    if (run.worker) void run.worker.terminate();
    try {
      run.output?.close();
    } catch (e) {
      // The last steps are lost: the run did not complete as it is stored.
      if (end.status === 'completed') end = { status: 'failed', message: namingDatabase(e, this.store.file) };
    }
    const record = this.finals.record(run.record, end);
    this.listeners.emit({ type: 'status', runId: run.runId, status: end.status, message: end.message });
    run.resolveDone(record);
    this.pump();
  }
}
