// Writing one run's training output to the store: step and epoch metrics through a batching writer,
// checkpoints, image grids, live status, final metrics and a heartbeat. Every method may throw when the
// store fails (disk full, locked, read-only, the run deleted by another process); the run service turns
// that into the end of this run only.

import type { TrainingEvent } from '../../shared/training.ts';
import type { CheckpointBlobs } from '../engine/trainer.ts';
import type { MetricWriter, Store } from '../store/index.ts';
import type { FinalMetrics } from './protocol.ts';

const HEARTBEAT_MS = 5000;

export class RunOutput {
  private readonly writer: MetricWriter;
  private lastHeartbeat = 0;

  constructor(
    private readonly store: Store,
    readonly runId: number,
  ) {
    this.writer = store.metrics.writer(runId);
  }

  event(event: TrainingEvent): void {
    const { runId, store } = this;
    switch (event.type) {
      case 'step': {
        this.writer.append({
          step: event.step,
          epoch: event.epoch,
          loss: event.loss,
          imagesPerSec: event.imagesPerSec,
          wallMs: event.wallMs,
          ...(event.controls ? { controls: event.controls } : {}),
        });
        const now = Date.now();
        if (now - this.lastHeartbeat > HEARTBEAT_MS) {
          store.runs.heartbeat(runId);
          this.lastHeartbeat = now;
        }
        return;
      }
      case 'epoch':
        this.writer.appendEpoch(event.metric);
        if (event.metric.train)
          store.runs.setFinal(runId, {
            train: event.metric.train,
            heldOut: event.metric.heldOut,
            imagesPerSec: event.metric.imagesPerSec,
          });
        return;
      case 'image':
        store.images.save(runId, { epoch: event.epoch, step: event.step, kind: event.kind, grid: event.grid });
        return;
      case 'status':
        if (event.status === 'paused' || event.status === 'running') store.runs.setStatus(runId, event.status, event.message);
        return;
      default:
        return;
    }
  }

  checkpoint(blobs: CheckpointBlobs): void {
    const { position } = blobs;
    // Steps logged before a checkpoint must be as durable as the checkpoint: a kill then loses only
    // what came after it, and a resume replays exactly those steps.
    this.writer.flush();
    this.store.checkpoints.save({
      runId: this.runId,
      epoch: position.epoch,
      step: position.step,
      encoder: blobs.encoder,
      decoder: blobs.decoder,
      optimizer: blobs.optimizer,
      state: position,
      atEpochEnd: position.stepInEpoch === 0,
    });
  }

  final(final: FinalMetrics): void {
    if (final.train)
      this.store.runs.setFinal(this.runId, { train: final.train, heldOut: final.heldOut, imagesPerSec: final.imagesPerSec });
  }

  /** Writes the buffered steps now, so other readers of the store see them. */
  flush(): void {
    this.writer.flush();
  }

  /** Writes what is still buffered. */
  close(): void {
    this.writer.close();
  }
}
