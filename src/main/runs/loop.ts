// The training loop of one run: steps, epoch-end evaluation, previews, checkpoints, pause/stop and
// progress (images/s, ETA). It talks to the outside only through `LoopIo`, so the worker thread
// supplies postMessage and a shared control flag, and a test can drive it in-process.

import type { LossParts, RunStatus, TrainingEvent } from '../../shared/training.ts';
import { watchedSplit, type WatchedSplit } from '../../shared/data-split.ts';
import { Trainer, TrainingDiverged, type CheckpointBlobs } from '../engine/trainer.ts';
import { CONTROL_PAUSE, CONTROL_STOP, type FinalMetrics } from './protocol.ts';

export interface LoopIo {
  emit(event: TrainingEvent): void;
  checkpoint(blobs: CheckpointBlobs): void;
  /** Current control flag (CONTROL_RUN / PAUSE / STOP). */
  control(): number;
  /** Blocks until the control flag is no longer PAUSE. */
  waitWhilePaused(): void;
  /**
   * Blocks at the end of a rung epoch, its metrics and checkpoint already out, until the run may go
   * on; `stop` when it was stopped while waiting. Only called for the epochs in `rungs`.
   */
  awaitRung?(epoch: number): 'continue' | 'prune' | 'stop';
}

export interface LoopResult {
  status: 'completed' | 'failed' | 'interrupted' | 'pruned';
  message: string;
  final: FinalMetrics;
}

const WATCHED_WORDS: Record<WatchedSplit, string> = {
  validation: 'validation',
  test: 'test',
  'held-out': 'held-out',
  train: 'training',
};

/** Smooths per-step time so images/s and ETA don't jitter with every step. */
class Rate {
  private seconds = 0;
  private warm = false;
  add(stepSeconds: number): void {
    this.seconds = this.warm ? 0.9 * this.seconds + 0.1 * stepSeconds : stepSeconds;
    this.warm = true;
  }
  get stepSeconds(): number {
    return this.seconds;
  }
}

/** `rungs`: epochs (1-based, as completed) at whose end successive halving decides whether the run goes on. */
export async function runLoop(runId: number, trainer: Trainer, io: LoopIo, rungs: readonly number[] = []): Promise<LoopResult> {
  const { config } = trainer;
  const { batchSize } = config.optim;
  const { previewEvery, checkpointEvery, logEvery } = config.run;
  const pos = trainer.position;
  const rate = new Rate();
  const startedAt = performance.now();
  let trainSeconds = 0;
  let imagesSeen = 0;
  // Throughput only: the epoch's loss sums live in the trainer's position, so they survive a resume.
  let epochImages = 0;
  let epochSeconds = 0;
  let lastTrain: LossParts | null = null;
  let lastHeldOut: LossParts | null = null;
  const wallMs = () => performance.now() - startedAt;
  const setStatus = (status: RunStatus, message = '') => io.emit({ type: 'status', runId, status, message });
  const previews = () => {
    io.emit({
      type: 'image',
      runId,
      epoch: pos.epoch,
      step: pos.step,
      kind: 'reconstruction',
      grid: trainer.reconstructionGrid(),
    });
    io.emit({ type: 'image', runId, epoch: pos.epoch, step: pos.step, kind: 'samples', grid: trainer.samplesGrid() });
  };
  // The state the loop starts from is saved already (a resumed run's in its checkpoint, a new run's
  // in its seed): pausing or stopping before a step adds no checkpoint, and none is ever taken twice.
  let checkpointedStep = pos.step;
  const saveCheckpoint = async () => {
    if (checkpointedStep === pos.step) return;
    io.checkpoint(await trainer.checkpoint());
    checkpointedStep = pos.step;
    io.emit({ type: 'checkpoint', runId, epoch: pos.epoch, step: pos.step });
  };
  const final = (): FinalMetrics => ({
    train: lastTrain,
    heldOut: lastHeldOut,
    imagesPerSec: trainSeconds > 0 ? imagesSeen / trainSeconds : 0,
  });

  const stoppedAt = (): LoopResult => ({
    status: 'interrupted',
    message: `Stopped by the user at step ${pos.step}; resume continues from here.`,
    final: final(),
  });
  // The gate comes after the epoch's checkpoint, so a run killed while it waits resumes at the rung
  // and asks again; nothing it logged is past the rung, so a pruned run ends exactly there.
  const passRung = (): LoopResult | null => {
    if (!rungs.includes(pos.epoch) || pos.stepInEpoch !== 0 || trainer.done || !io.awaitRung) return null;
    const decision = io.awaitRung(pos.epoch);
    if (decision === 'prune') return { status: 'pruned', message: `Pruned at epoch ${pos.epoch}.`, final: final() };
    return decision === 'stop' ? stoppedAt() : null;
  };

  const stoppedEarly = (): LoopResult => {
    const { best, bestEpoch } = pos.controls;
    const patience = config.optim.earlyStopPatience;
    const split = pos.controls.watched ?? watchedSplit(config, trainer.data.heldOut.count > 0);
    return {
      status: 'completed',
      message:
        `Stopped early at epoch ${pos.epoch}: the ${WATCHED_WORDS[split]} ` +
        `−ELBO did not improve for ${patience} epoch${patience === 1 ? '' : 's'} (best ${best?.toFixed(2) ?? '—'} at epoch ${bestEpoch}).`,
      final: final(),
    };
  };

  // A resumed run's previews at its checkpoint's step were stored before that checkpoint was; the run
  // service drops step 0's when a run starts over.
  if (pos.step === 0) previews();
  // Killed between early stopping's checkpoint and the end of the run: it ends where it stopped.
  else if (trainer.stoppedEarly && !trainer.done) return stoppedEarly();
  // Resumed at a rung's checkpoint: the decision there may never have been made (killed while waiting).
  else {
    const ended = passRung();
    if (ended) return ended;
  }
  while (!trainer.done) {
    const control = io.control();
    if (control === CONTROL_STOP) {
      await saveCheckpoint();
      return stoppedAt();
    }
    if (control === CONTROL_PAUSE) {
      // A checkpoint on pause means quitting the app while paused loses nothing.
      await saveCheckpoint();
      setStatus('paused');
      io.waitWhilePaused();
      // Stopped while paused: the run goes from paused to interrupted, never through running.
      if (io.control() !== CONTROL_STOP) setStatus('running');
      continue;
    }
    const epoch = pos.epoch;
    // The last batch of an epoch may be partial.
    const images = Math.min(batchSize, trainer.data.train.count - pos.stepInEpoch * batchSize);
    const t0 = performance.now();
    let loss: LossParts;
    try {
      loss = trainer.trainStep();
    } catch (e) {
      if (e instanceof TrainingDiverged) return { status: 'failed', message: e.message, final: final() };
      throw e;
    }
    const dt = (performance.now() - t0) / 1000;
    rate.add(dt);
    trainSeconds += dt;
    epochSeconds += dt;
    imagesSeen += images;
    epochImages += images;
    const epochEnded = pos.epoch !== epoch;
    if (pos.step % logEvery === 0 || epochEnded || trainer.done) {
      io.emit({
        type: 'step',
        runId,
        epoch: epoch + 1,
        step: pos.step,
        totalSteps: trainer.totalSteps,
        loss,
        imagesPerSec: batchSize / Math.max(rate.stepSeconds, 1e-9),
        etaSeconds: (trainer.totalSteps - pos.step) * rate.stepSeconds,
        wallMs: wallMs(),
        ...(trainer.lastControls ? { controls: trainer.lastControls } : {}),
      });
    }
    if (epochEnded) {
      lastTrain = trainer.epochTrainLoss();
      lastHeldOut = trainer.evaluate();
      const validation = trainer.data.validation ? trainer.evaluate(trainer.data.validation) : null;
      const watched = {
        split: watchedSplit(config, lastHeldOut !== null),
        total: (validation ?? lastHeldOut ?? lastTrain).total,
      };
      // Decided before the checkpoint, so the checkpoint carries it and a resumed run agrees.
      const verdict = trainer.endEpoch(watched.total, watched.split);
      io.emit({
        type: 'epoch',
        runId,
        metric: {
          epoch: epoch + 1,
          step: pos.step,
          train: lastTrain,
          heldOut: lastHeldOut,
          watched,
          imagesPerSec: epochImages / Math.max(epochSeconds, 1e-9),
          wallMs: wallMs(),
        },
      });
      epochImages = 0;
      epochSeconds = 0;
      previews();
      await saveCheckpoint();
      if (verdict.stop && !trainer.done) return stoppedEarly();
      const ended = passRung();
      if (ended) return ended;
    } else {
      if (previewEvery > 0 && pos.step % previewEvery === 0) previews();
      if (checkpointEvery > 0 && pos.step % checkpointEvery === 0) await saveCheckpoint();
    }
  }
  return { status: 'completed', message: '', final: final() };
}
