// The run service: starts, queues, pauses, resumes and stops runs, one worker thread each, and is
// the only writer of a run's training output to the store. Clients (IPC, WebSocket, CLI) subscribe
// to the same TrainingEvents the store receives.
//
// A run record is created only once its worker has loaded the data: a malformed file fails
// `start` with the loader's message and leaves the database untouched.

import type { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import type { RunRecord, TrainingEvent } from '../../shared/training.ts';
import { validateConfig } from '../../shared/validate.ts';
import type { CheckpointBlobs, TrainerPosition } from '../engine/trainer.ts';
import type { MetricWriter, Store } from '../store/index.ts';
import { CONTROL_PAUSE, CONTROL_RUN, CONTROL_STOP, type DataReady, type WorkerInput, type WorkerMessage } from './protocol.ts';
import { spawnWorker } from '../worker-threads.ts';

export interface RunServiceOptions {
  /** Runs training at once; more wait as `queued`. Each uses one core. */
  maxConcurrent?: number;
  /** Identifies this process as the runs' owner, for crash recovery. */
  ownerPid?: number;
}

type Listener = (event: TrainingEvent) => void;

interface LiveRun {
  runId: number;
  worker: Worker;
  control: Int32Array;
  ready: DataReady;
  writer: MetricWriter | null;
  begun: boolean;
  finished: boolean;
  lastHeartbeat: number;
  done: Promise<RunRecord>;
  resolveDone: (run: RunRecord) => void;
}

const HEARTBEAT_MS = 5000;

export class RunService {
  private readonly live = new Map<number, LiveRun>();
  private readonly queue: LiveRun[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly maxConcurrent: number;
  private readonly ownerPid: number;

  constructor(
    private readonly store: Store,
    options: RunServiceOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 2;
    this.ownerPid = options.ownerPid ?? process.pid;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ids of runs this service is training or has queued. */
  activeRunIds(): number[] {
    return [...this.live.keys()];
  }

  /** Validates the config, loads its data in a new worker, then records and queues the run. */
  async start(input: unknown): Promise<RunRecord> {
    const checked = validateConfig(input);
    if (!checked.ok) throw new AppFailure(checked.error);
    const config = checked.value;
    const { worker, control, ready } = await this.launchWorker(config, null, null);
    const record = this.store.runs.create({
      config,
      datasetName: ready.datasetName,
      datasetFingerprint: ready.datasetFingerprint,
      status: 'queued',
      ownerPid: this.ownerPid,
    });
    this.adopt(record.id, worker, control, ready);
    return this.store.runs.get(record.id)!;
  }

  /**
   * Continues a paused run, or an interrupted or failed one from its latest checkpoint (from the
   * start when it died before its first checkpoint). Steps logged after that checkpoint are
   * dropped, since the resumed run replays them.
   */
  async resume(runId: number): Promise<RunRecord> {
    const live = this.live.get(runId);
    if (live) {
      Atomics.store(live.control, 0, CONTROL_RUN);
      Atomics.notify(live.control, 0);
      return this.store.runs.get(runId)!;
    }
    const run = this.requireRun(runId);
    if (run.status !== 'interrupted' && run.status !== 'failed') {
      throw new AppFailure({
        code: 'conflict',
        message: `Run ${runId} is ${run.status}; only interrupted or failed runs can be resumed.`,
      });
    }
    const checkpoint = this.store.checkpoints.latest(runId);
    const blobs: CheckpointBlobs | null = checkpoint && {
      encoder: checkpoint.encoder,
      decoder: checkpoint.decoder,
      optimizer: checkpoint.optimizer ?? new Uint8Array(0),
      position: checkpoint.state as unknown as TrainerPosition,
    };
    const { worker, control, ready } = await this.launchWorker(run.config, blobs, run.datasetFingerprint || null);
    const fromStep = blobs?.position.step ?? 0;
    this.store.metrics.truncateAfter(runId, fromStep);
    this.store.checkpoints.removeAfter(runId, fromStep);
    this.store.images.removeAfter(runId, fromStep > 0 ? fromStep : -1); // from step 0 its previews are logged again
    this.store.runs.setStatus(runId, 'queued', '');
    this.adopt(runId, worker, control, ready);
    return this.store.runs.get(runId)!;
  }

  pause(runId: number): void {
    const live = this.requireLive(runId);
    if (!live.begun)
      throw new AppFailure({ code: 'conflict', message: `Run ${runId} is queued and has not started; stop it instead.` });
    Atomics.store(live.control, 0, CONTROL_PAUSE);
  }

  /** Stops a run after checkpointing it, so it can be resumed; a queued run simply leaves the queue. */
  stop(runId: number): void {
    const live = this.requireLive(runId);
    if (!live.begun) {
      this.queue.splice(this.queue.indexOf(live), 1);
      void live.worker.terminate();
      this.finish(live, 'interrupted', 'Stopped before it started.');
      return;
    }
    Atomics.store(live.control, 0, CONTROL_STOP);
    Atomics.notify(live.control, 0);
  }

  /** Resolves with the run's record once it has finished (at once if it is not live). */
  waitFor(runId: number): Promise<RunRecord> {
    const live = this.live.get(runId);
    return live ? live.done : Promise.resolve(this.requireRun(runId));
  }

  /** Stops every run (each checkpoints first) and waits for them to finish. */
  async shutdown(): Promise<void> {
    const waits = [...this.live.values()].map((live) => {
      this.stop(live.runId);
      return live.done;
    });
    await Promise.all(waits);
  }

  private requireRun(runId: number): RunRecord {
    const run = this.store.runs.get(runId);
    if (!run) throw new AppFailure({ code: 'not-found', message: `Run ${runId} does not exist.` });
    return run;
  }

  private requireLive(runId: number): LiveRun {
    const live = this.live.get(runId);
    if (live) return live;
    const run = this.requireRun(runId);
    throw new AppFailure({ code: 'conflict', message: `Run ${runId} is not training in this process (it is ${run.status}).` });
  }

  /** Spawns a worker and waits until it has loaded the data (or failed to). */
  private launchWorker(config: ExperimentConfig, resume: CheckpointBlobs | null, expectFingerprint: string | null) {
    const controlBuffer = new SharedArrayBuffer(4);
    const input: WorkerInput = { config, control: controlBuffer, resume, expectFingerprint };
    const worker = spawnWorker(import.meta.url, 'worker', input);
    return new Promise<{ worker: Worker; control: Int32Array; ready: DataReady }>((resolve, reject) => {
      const fail = (message: string) => {
        cleanup();
        void worker.terminate();
        reject(new AppFailure({ code: 'internal', message }));
      };
      const onMessage = (m: WorkerMessage) => {
        if (m.type === 'data-ready') {
          cleanup();
          resolve({ worker, control: new Int32Array(controlBuffer), ready: m });
        } else if (m.type === 'setup-failed') {
          cleanup();
          void worker.terminate();
          reject(new AppFailure(m.error));
        }
      };
      const onError = (e: Error) => fail(`The training worker failed while starting: ${e.message}`);
      const onExit = (code: number) => fail(`The training worker exited (code ${code}) while starting.`);
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  private adopt(runId: number, worker: Worker, control: Int32Array, ready: DataReady): void {
    let resolveDone!: (run: RunRecord) => void;
    const done = new Promise<RunRecord>((r) => (resolveDone = r));
    const live: LiveRun = {
      runId,
      worker,
      control,
      ready,
      writer: null,
      begun: false,
      finished: false,
      lastHeartbeat: 0,
      done,
      resolveDone,
    };
    this.live.set(runId, live);
    this.queue.push(live);
    worker.on('message', (m: WorkerMessage) => this.onMessage(live, m));
    worker.on('error', (e) => this.finish(live, 'failed', `The training worker crashed: ${e.message}`));
    worker.on('exit', (code) => {
      if (!live.finished) this.finish(live, 'failed', `The training worker exited unexpectedly (code ${code}).`);
    });
    this.pump();
  }

  private pump(): void {
    const running = [...this.live.values()].filter((l) => l.begun).length;
    for (let slots = this.maxConcurrent - running; slots > 0 && this.queue.length > 0; slots--) {
      const live = this.queue.shift()!;
      this.store.runs.markStarted(live.runId, {
        backend: live.ready.backend,
        ownerPid: this.ownerPid,
        totalSteps: live.ready.totalSteps,
      });
      live.writer = this.store.metrics.writer(live.runId);
      live.begun = true;
      live.worker.postMessage({ type: 'begin', runId: live.runId });
    }
  }

  private onMessage(live: LiveRun, m: WorkerMessage): void {
    if (live.finished) return;
    const { runId } = live;
    switch (m.type) {
      case 'event':
        this.record(live, m.event);
        for (const listener of this.listeners) listener(m.event);
        return;
      case 'checkpoint': {
        const { position } = m.blobs;
        // Steps logged before a checkpoint must be as durable as the checkpoint: a kill then loses
        // only what came after it, and a resume replays exactly those steps.
        live.writer?.flush();
        this.store.checkpoints.save({
          runId,
          epoch: position.epoch,
          step: position.step,
          encoder: m.blobs.encoder,
          decoder: m.blobs.decoder,
          optimizer: m.blobs.optimizer,
          state: position,
          atEpochEnd: position.stepInEpoch === 0,
        });
        return;
      }
      case 'finished':
        if (m.final.train)
          this.store.runs.setFinal(runId, { train: m.final.train, heldOut: m.final.heldOut, imagesPerSec: m.final.imagesPerSec });
        this.finish(live, m.status, m.message);
        return;
      default:
        return;
    }
  }

  private record(live: LiveRun, event: TrainingEvent): void {
    const { runId } = live;
    switch (event.type) {
      case 'step': {
        live.writer!.append({
          step: event.step,
          epoch: event.epoch,
          loss: event.loss,
          imagesPerSec: event.imagesPerSec,
          wallMs: event.wallMs,
        });
        const now = Date.now();
        if (now - live.lastHeartbeat > HEARTBEAT_MS) {
          this.store.runs.heartbeat(runId);
          live.lastHeartbeat = now;
        }
        return;
      }
      case 'epoch':
        live.writer!.appendEpoch(event.metric);
        if (event.metric.train)
          this.store.runs.setFinal(runId, {
            train: event.metric.train,
            heldOut: event.metric.heldOut,
            imagesPerSec: event.metric.imagesPerSec,
          });
        return;
      case 'image':
        this.store.images.save(runId, { epoch: event.epoch, step: event.step, kind: event.kind, grid: event.grid });
        return;
      case 'status':
        if (event.status === 'paused' || event.status === 'running')
          this.store.runs.setStatus(runId, event.status, event.message);
        return;
      default:
        return;
    }
  }

  private finish(live: LiveRun, status: 'completed' | 'failed' | 'interrupted', message: string): void {
    if (live.finished) return;
    live.finished = true;
    live.writer?.close();
    const run = this.store.runs.markFinished(live.runId, status, message);
    this.live.delete(live.runId);
    const event: TrainingEvent = { type: 'status', runId: live.runId, status, message };
    for (const listener of this.listeners) listener(event);
    void live.worker.terminate();
    live.resolveDone(run);
    this.pump();
  }
}
