// Main's side of latent-space browsing: picks the checkpoint, checks what only main can check (the
// run's latent size, image sizes), and hands the tensor work to the latent worker. The checkpoint's
// weights are read from the store only when the worker says it does not hold that model yet.

import type { Worker } from 'node:worker_threads';
import type { DecodedImages, LatentEncoding } from '../../shared/contract.ts';
import { channelsOf } from '../../shared/data-split.ts';
import { AppFailure, type AppError } from '../../shared/result.ts';
import type { RunRecord } from '../../shared/training.ts';
import type { CheckpointMeta, Store } from '../store/index.ts';
import { spawnWorker, type JobFor, type JobOf, type ReplyOf } from '../worker-threads.ts';
import type { LatentOp, LatentProtocol, LatentReply, LatentRequest, ModelRef } from './protocol.ts';

/** A request before main numbers it and names its model. */
type RequestBody = JobOf<LatentProtocol>;

interface Pending {
  body: RequestBody;
  model: ModelRef;
  checkpointId: number;
  done: (value: unknown) => void;
  fail: (error: AppFailure) => void;
}

const invalid = (message: string, field: string) => new AppFailure({ code: 'invalid-argument', message, field });

export class LatentService {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly store: Store) {}

  /**
   * Decodes `points` with `run`'s decoder at checkpoint `step` (default: the latest); a conditional
   * VAE's with `label`, which it requires (other runs ignore it).
   */
  async decode(
    run: RunRecord,
    step: number | undefined,
    points: number[][],
    cols?: number,
    label?: number,
  ): Promise<DecodedImages> {
    const latentDim = run.config.model.latentDim;
    const wrong = points.findIndex((z) => z.length !== latentDim);
    if (wrong >= 0)
      throw invalid(
        `points[${wrong}] has ${points[wrong]!.length} numbers, but run ${run.id} has a ${latentDim}-dimensional latent space`,
        `points[${wrong}]`,
      );
    const checkpoint = this.checkpoint(run, step);
    const classes = checkpoint.classes;
    if (classes !== null && (label === undefined || label >= classes))
      throw invalid(
        label === undefined
          ? `run ${run.id} is a conditional VAE: say which label (0 to ${classes - 1}) to decode with`
          : `label ${label} is not one of run ${run.id}'s classes (0 to ${classes - 1})`,
        'label',
      );
    const flat = new Float32Array(points.length * latentDim);
    points.forEach((z, i) => flat.set(z, i * latentDim));
    const value = await this.request(run, checkpoint, {
      op: 'decode',
      latentDim,
      points: flat,
      cols: Math.min(cols ?? points.length, points.length),
      label: classes !== null ? label! : null,
    });
    return { runId: run.id, step: checkpoint.step, epoch: checkpoint.epoch, grid: value.grid, decodeMs: value.decodeMs };
  }

  /** Encodes the first `count` held-out images of `source` with `run`'s encoder at `step`. */
  async encode(
    run: RunRecord,
    step: number | undefined,
    source: RunRecord,
    count: number,
    includeImages: boolean,
  ): Promise<LatentEncoding> {
    const { imageHeight: h, imageWidth: w } = run.config.data;
    const { imageHeight: sh, imageWidth: sw } = source.config.data;
    if (h !== sh || w !== sw)
      throw invalid(`run ${source.id} has ${sh}x${sw} images, but run ${run.id}'s encoder takes ${h}x${w}`, 'sourceRunId');
    const [c, sc] = [channelsOf(run.config.data), channelsOf(source.config.data)];
    if (c !== sc)
      throw invalid(
        `run ${source.id} has ${sc}-channel images, but run ${run.id}'s encoder takes ${c}-channel ones`,
        'sourceRunId',
      );
    const checkpoint = this.checkpoint(run, step);
    const value = await this.request(run, checkpoint, {
      op: 'encode',
      count,
      includeImages,
      source: {
        data: source.config.data,
        seed: source.config.run.seed,
        fingerprint: source.datasetFingerprint,
        label: `run ${source.id}`,
      },
    });
    return {
      runId: run.id,
      step: checkpoint.step,
      epoch: checkpoint.epoch,
      sourceRunId: source.id,
      source: value.split,
      count: value.count,
      latentDim: run.config.model.latentDim,
      means: Array.from(value.means),
      labels: value.labels,
      klPerDim: value.klPerDim,
      images: value.images,
    };
  }

  /** Ends the worker; pending requests fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll({ code: 'internal', message: 'the app is closing' });
    if (worker) await worker.terminate();
  }

  private checkpoint(run: RunRecord, step: number | undefined): CheckpointMeta {
    const all = this.store.checkpoints.list(run.id);
    const latest = all[all.length - 1];
    if (!latest)
      throw new AppFailure({
        code: 'not-found',
        message: `Run ${run.id} has no checkpoint yet, so it has no weights to decode with.`,
      });
    if (step === undefined) return latest;
    const found = all.find((c) => c.step === step);
    if (!found)
      throw new AppFailure({
        code: 'not-found',
        message: `Run ${run.id} has no checkpoint at step ${step}; it has ${all.map((c) => c.step).join(', ')}.`,
        field: 'step',
      });
    return found;
  }

  private request<K extends LatentOp>(
    run: RunRecord,
    checkpoint: CheckpointMeta,
    body: JobFor<LatentProtocol, K>,
  ): Promise<ReplyOf<LatentProtocol, K>> {
    const model: ModelRef = { key: `${run.id}:${checkpoint.id}`, config: run.config };
    return new Promise((done, fail) =>
      this.send({
        body: body as RequestBody,
        model,
        checkpointId: checkpoint.id,
        // The worker answers request K with ReplyOf<K> (its handlers are typed by the same map).
        done: (value) => done(value as ReplyOf<LatentProtocol, K>),
        fail,
      }),
    );
  }

  private send(p: Pending): void {
    const id = this.nextId++;
    this.pending.set(id, p);
    const worker = this.ensureWorker();
    // Referenced only while it owes an answer: idle, it must not keep a CLI or test process alive.
    worker.ref();
    // The points buffer is copied, not transferred: a retry after `missing` sends it again.
    const request: LatentRequest = { ...p.body, id, model: p.model };
    worker.postMessage(request);
  }

  private onReply(reply: LatentReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('missing' in reply) {
      if (p.model.weights)
        return p.fail(new AppFailure({ code: 'internal', message: 'the latent worker refused a model it was given' }));
      const checkpoint = this.store.checkpoints.load(p.checkpointId);
      if (!checkpoint)
        return p.fail(
          new AppFailure({
            code: 'not-found',
            message: `The checkpoint was removed (the run was resumed or deleted); reload the view.`,
          }),
        );
      this.send({ ...p, model: { ...p.model, weights: { encoder: checkpoint.encoder, decoder: checkpoint.decoder } } });
      return;
    }
    if (reply.ok) p.done(reply.value);
    else p.fail(new AppFailure(reply.error));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = spawnWorker(import.meta.url, 'latent-worker', null, { tensorflow: true });
    worker.on('message', (reply: LatentReply) => this.onReply(reply));
    const lost = (message: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll({ code: 'internal', message });
    };
    worker.on('error', (e) => lost(`the latent worker failed: ${e.message}`));
    worker.on('exit', (code) => lost(`the latent worker exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private failAll(error: AppError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.fail(new AppFailure(error));
  }
}
