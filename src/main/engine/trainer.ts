// One training run's model state and its step, evaluation and preview operations. It holds no
// timers, threads or I/O: the worker loop (runs/worker.ts) drives it, and tests call it directly.
// Everything random (init, data order, noise) derives from the run seed, so a run is reproducible
// and resumable at any step.

import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config.ts';
import type { WatchedSplit } from '../../shared/data-split.ts';
import type { ImageGrid, LossParts, StepControls } from '../../shared/training.ts';
import {
  betaAt,
  checkedControlState,
  endEpoch,
  initialControlState,
  learningRateAt,
  optimControls,
  shouldStopEarly,
  type ControlState,
  type EpochVerdict,
} from '../../shared/schedules.ts';
import { clipByGlobalNorm, setLearningRate } from './controls.ts';
import { deriveSeed, makeRng, shuffleInPlace } from '../../shared/random.ts';
import { drawBatch, isByteDataset, trainingBatchSeed, type Dataset, type DatasetSplit } from '../data/index.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from './model.ts';
import { batchLabels, classCount, isConditional, oneHot, presentLabels } from './condition.ts';
import { decodeLogits, encode, trainableVariables, vaeLoss, type VaeNets } from './vae-loss.ts';
import { makeOptimizer, readOptimizerState, writeOptimizerState } from './optimizer.ts';
import { decodeWeights, encodeWeights, readModelWeights, writeModelWeights } from './weights.ts';
import { imageGrid } from './grid.ts';
import type { BackendName } from './backend.ts';
import { GradientPool } from './data-parallel/pool.ts';
import { sharesFor } from './data-parallel/plan.ts';
import { parallelGradients } from './data-parallel/step.ts';

export class TrainingDiverged extends Error {}

/** Training loss of an epoch summed over its images (each part times its batch's image count). */
export interface EpochSums {
  recon: number;
  kl: number;
  total: number;
  images: number;
}

/** Where a run is: enough to resume it exactly (together with weights and optimizer state). */
export interface TrainerPosition {
  /** Global steps completed. */
  step: number;
  /** Epoch in progress, 0-based. */
  epoch: number;
  /** Steps completed within `epoch`. */
  stepInEpoch: number;
  /**
   * The epoch in progress so far, so its training average survives a resume. After an epoch's last
   * step it still holds that whole epoch, until the next step starts a new one.
   */
  epochSums: EpochSums;
  /** Reduce-on-plateau's rate and counter, early stopping's best epoch: what the epoch ends decided. */
  controls: ControlState;
}

const noSums = (): EpochSums => ({ recon: 0, kl: 0, total: 0, images: 0 });

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

const isSums = (v: unknown): v is EpochSums => {
  if (typeof v !== 'object' || v === null) return false;
  const { recon, kl, total, images } = v as Record<string, unknown>;
  return [recon, kl, total].every((x) => typeof x === 'number' && Number.isFinite(x)) && isCount(images);
};

/**
 * A checkpoint's position (JSON from the store), checked against this run's shape. A checkpoint
 * written before epoch sums were saved resumes with empty ones: its epoch's training average then
 * covers the resumed part only.
 */
function checkedPosition(saved: TrainerPosition, stepsPerEpoch: number, fresh: ControlState): TrainerPosition {
  const { step, epoch, stepInEpoch } = saved;
  if (!isCount(step) || !isCount(epoch) || !isCount(stepInEpoch) || stepInEpoch >= stepsPerEpoch)
    throw new Error(`checkpoint position is invalid (step ${step}, epoch ${epoch}, step in epoch ${stepInEpoch})`);
  if (step !== epoch * stepsPerEpoch + stepInEpoch)
    throw new Error(
      `checkpoint at step ${step} (epoch ${epoch + 1}, step ${stepInEpoch} in it) does not fit ${stepsPerEpoch} steps per epoch`,
    );
  const sums: unknown = (saved as { epochSums?: unknown }).epochSums;
  // A checkpoint from before the controls existed was trained with the constant ones, whose state never changes.
  const controls = checkedControlState((saved as { controls?: unknown }).controls) ?? fresh;
  return { step, epoch, stepInEpoch, epochSums: isSums(sums) ? { ...sums } : noSums(), controls };
}

export interface CheckpointBlobs {
  encoder: Uint8Array;
  decoder: Uint8Array;
  optimizer: Uint8Array;
  /**
   * With `classes` for a conditional VAE (also in the weights' shapes): listing reads it from here;
   * with `shares` for a run that may train data-parallel: a resume keeps them (planThreads).
   */
  position: TrainerPosition & { classes?: number; shares?: number };
}

const PREVIEW_COUNT = 16;
const SAMPLE_COUNT = 32;
const EVAL_CHUNK = 500;
/** A conditional VAE's prior-samples grid: at most this many class rows, of this many draws each. */
const MAX_CLASS_ROWS = 16;
const CLASS_SAMPLE_COLS = 8;

export class Trainer implements VaeNets {
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  readonly position: TrainerPosition;
  /** A conditional VAE's class count (see condition.ts); 0 when not conditioned. */
  readonly classes: number;
  /** The objective, β and learning rate of the latest step. */
  lastControls: StepControls | null = null;

  /** Values per image: height x width x channels. */
  readonly pixels: number;
  readonly channels: 1 | 3;
  private readonly variables: tf.Variable[];
  private readonly batchBuffer: Float32Array;
  private order: Int32Array | null = null;
  private orderEpoch = -1;
  /** Latent points decoded for the prior-samples preview: fixed for the run so frames are comparable. */
  private readonly priorZ: tf.Tensor2D;
  private learningRate: number;
  /** Gradient workers of a data-parallel run (startDataParallel); null: every step on this thread. */
  private pool: GradientPool | null = null;

  constructor(
    readonly config: ExperimentConfig,
    readonly data: DatasetSplit,
  ) {
    const image = imageShapeOf(config.data);
    this.channels = image.channels;
    this.pixels = image.height * image.width * image.channels;
    this.classes = isConditional(config.model) ? classCount([data.train, data.heldOut]) : 0;
    this.encoder = buildEncoder(config.model, image, config.run.seed, { classes: this.classes });
    this.decoder = buildDecoder(config.model, image, config.run.seed, { classes: this.classes });
    this.optimizer = makeOptimizer(config.optim);
    this.learningRate = config.optim.learningRate;
    this.position = { step: 0, epoch: 0, stepInEpoch: 0, epochSums: noSums(), controls: initialControlState(config.optim) };
    this.variables = trainableVariables(this);
    const n = data.train.count;
    this.stepsPerEpoch = Math.ceil(n / config.optim.batchSize);
    this.totalSteps = this.stepsPerEpoch * config.optim.epochs;
    this.batchBuffer = new Float32Array(config.optim.batchSize * this.pixels);
    this.priorZ = tf.randomNormal(
      [SAMPLE_COUNT, config.model.latentDim],
      0,
      1,
      'float32',
      deriveSeed(config.run.seed, 'prior-samples'),
    );
  }

  get done(): boolean {
    return this.position.step >= this.totalSteps;
  }

  /** The training order of an epoch: a permutation derived from (seed, epoch). */
  private epochOrder(epoch: number): Int32Array {
    if (this.orderEpoch !== epoch || !this.order) {
      const order = Int32Array.from({ length: this.data.train.count }, (_, i) => i);
      shuffleInPlace(order, makeRng(deriveSeed(this.config.run.seed, `order/${epoch}`)));
      this.order = order;
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  /**
   * Batch rows `order[start..end)` of a data set, or rows start..end when `order` is null, drawn as
   * Bernoulli(pixel) from `binarizeSeed` when one is given (dynamic binarization).
   */
  private gather(
    ds: Dataset,
    order: ArrayLike<number> | null,
    start: number,
    end: number,
    binarizeSeed: number | null = null,
  ): tf.Tensor2D {
    const count = end - start;
    if (order === null && binarizeSeed === null && !isByteDataset(ds))
      return tf.tensor2d(ds.images.subarray(start * this.pixels, end * this.pixels), [count, this.pixels]);
    const buf = count * this.pixels === this.batchBuffer.length ? this.batchBuffer : new Float32Array(count * this.pixels);
    return tf.tensor2d(drawBatch(ds, order, start, end, buf, binarizeSeed), [count, this.pixels]);
  }

  /** One-hot labels of a batch's images for a conditional VAE; null when not conditioned. */
  private labelsOf(ds: Dataset, order: ArrayLike<number> | null, start: number, end: number): tf.Tensor2D | null {
    if (this.classes === 0) return null;
    return oneHot(batchLabels(ds, order, start, end), this.classes, ds.name);
  }

  /** Loss parts of a batch, with noise from `noiseSeed`. Tensors are returned to the caller's scope. */
  private lossOf(x: tf.Tensor2D, y: tf.Tensor2D | null, noiseSeed: number, training: boolean, beta = this.config.loss.beta) {
    const eps = tf.randomNormal([this.config.loss.samples, x.shape[0], this.config.model.latentDim], 0, 1, 'float32', noiseSeed);
    return vaeLoss(this, x, y, eps as tf.Tensor3D, training, beta);
  }

  /** The step on one thread: the whole batch's loss parts and gradients, applied. Returns [objective, recon, kl]. */
  private wholeBatchStep(
    order: Int32Array,
    start: number,
    end: number,
    binarizeSeed: number | null,
    noiseSeed: number,
    beta: number,
    apply: (grads: tf.NamedTensorMap) => void,
  ): [number, number, number] {
    const x = this.gather(this.data.train, order, start, end, binarizeSeed);
    const y = this.labelsOf(this.data.train, order, start, end);
    let recon: tf.Scalar | undefined;
    let kl: tf.Scalar | undefined;
    const stats = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        const parts = this.lossOf(x, y, noiseSeed, true, beta);
        recon = tf.keep(parts.recon);
        kl = tf.keep(parts.kl);
        return parts.objective;
      }, this.variables);
      apply(grads);
      return tf.stack([value, recon!, kl!]);
    });
    // The stack holds three values; NaN for a missing one would still end the run as diverged.
    const [objective = Number.NaN, r = Number.NaN, k = Number.NaN] = stats.dataSync();
    tf.dispose([stats, x, recon!, kl!]);
    y?.dispose();
    return [objective, r, k];
  }

  /** Trains on the next batch and advances the position. Throws TrainingDiverged on a non-finite loss. */
  trainStep(): LossParts {
    const { batchSize } = this.config.optim;
    const pos = this.position;
    const order = this.epochOrder(pos.epoch);
    const start = pos.stepInEpoch * batchSize;
    const end = Math.min(start + batchSize, order.length);
    const noiseSeed = deriveSeed(this.config.run.seed, `noise/${pos.step}`);
    const clock = { step: pos.step, stepsPerEpoch: this.stepsPerEpoch, totalSteps: this.totalSteps };
    const beta = betaAt(this.config.loss, clock);
    const rate = learningRateAt(this.config.optim, clock, pos.controls);
    if (rate !== this.learningRate) {
      setLearningRate(this.optimizer, rate);
      this.learningRate = rate;
    }
    const { clipNorm } = optimControls(this.config.optim);
    const apply = (grads: tf.NamedTensorMap) =>
      this.optimizer.applyGradients(clipNorm > 0 ? clipByGlobalNorm(grads, clipNorm).grads : grads);
    const binarizeSeed = trainingBatchSeed(this.data, this.config.run.seed, pos.step);
    const shares = this.pool ? sharesFor(end - start, this.pool.shares) : 1;
    let objective: number, r: number, k: number;
    if (this.pool && shares > 1) {
      const batch = { ds: this.data.train, order, start, end, binarizeSeed, noiseSeed, beta, classes: this.classes };
      const out = parallelGradients(this.pool, this, this.variables, shares, batch);
      tf.tidy(() => apply(out.grads));
      tf.dispose(out.grads);
      ({ objective, recon: r, kl: k } = out);
    } else [objective, r, k] = this.wholeBatchStep(order, start, end, binarizeSeed, noiseSeed, beta, apply);
    this.lastControls = { objective, beta, learningRate: rate };
    const loss = { recon: r, kl: k, total: r + k };
    if (!Number.isFinite(loss.total)) throw new TrainingDiverged(this.divergenceMessage(loss));
    const images = end - start;
    const sums = pos.stepInEpoch === 0 ? noSums() : pos.epochSums;
    pos.epochSums = {
      recon: sums.recon + loss.recon * images,
      kl: sums.kl + loss.kl * images,
      total: sums.total + loss.total * images,
      images: sums.images + images,
    };
    pos.step += 1;
    pos.stepInEpoch += 1;
    if (pos.stepInEpoch >= this.stepsPerEpoch) {
      pos.epoch += 1;
      pos.stepInEpoch = 0;
    }
    return loss;
  }

  /**
   * The epoch-end controls after an epoch scored `monitored` on `watched` (the validation split's
   * negative ELBO, else the held-out or test one, else the training one). Call once per completed epoch, before its checkpoint, so the
   * checkpoint carries the decision.
   */
  endEpoch(monitored: number, watched?: WatchedSplit): EpochVerdict {
    const verdict = endEpoch(this.config, this.position.controls, this.position.epoch, monitored, watched);
    this.position.controls = verdict.state;
    return verdict;
  }

  /** Early stopping ended the run at its last completed epoch (a resumed run asks this first). */
  get stoppedEarly(): boolean {
    return (
      this.position.stepInEpoch === 0 &&
      this.position.epoch > 0 &&
      shouldStopEarly(this.config, this.position.controls, this.position.epoch)
    );
  }

  /** Mean training loss over the epoch in progress, or over the epoch its last step just completed. */
  epochTrainLoss(): LossParts {
    const { recon, kl, total, images } = this.position.epochSums;
    if (images === 0) throw new Error('no training step of this epoch has run yet');
    return { recon: recon / images, kl: kl / images, total: total / images };
  }

  private divergenceMessage(loss: LossParts): string {
    const { step, epoch } = this.position;
    const where = `loss became ${loss.total} at step ${step + 1} (epoch ${epoch + 1}; reconstruction ${loss.recon}, KL ${loss.kl})`;
    const sigma = this.config.model.sigma;
    if (sigma === 'abs' && !Number.isFinite(loss.kl))
      return `${where}. Likely cause: sigma reached 0 under the abs parametrisation, so log(sigma^2) is -infinity; try sigma softplus or logvar, or a lower learning rate.`;
    return `${where}. Likely cause: the learning rate (${this.config.optim.learningRate}) is too high for this model; try a lower one.`;
  }

  /** Mean loss parts over a data set (held-out by default), with fixed noise so epochs compare. */
  evaluate(ds: Dataset = this.data.heldOut): LossParts | null {
    if (ds.count === 0) return null;
    let recon = 0;
    let kl = 0;
    for (let start = 0; start < ds.count; start += EVAL_CHUNK) {
      const end = Math.min(start + EVAL_CHUNK, ds.count);
      const x = this.gather(ds, null, start, end);
      const y = this.labelsOf(ds, null, start, end);
      const stats = tf.tidy(() => {
        const parts = this.lossOf(x, y, deriveSeed(this.config.run.seed, `eval-noise/${start}`), false);
        return tf.stack([parts.recon, parts.kl]);
      });
      const [r = Number.NaN, k = Number.NaN] = stats.dataSync();
      tf.dispose([stats, x]);
      y?.dispose();
      recon += r * (end - start);
      kl += k * (end - start);
    }
    recon /= ds.count;
    kl /= ds.count;
    return { recon, kl, total: recon + kl };
  }

  /** Latent means of images start..end of a data set (given their labels, for a conditional VAE). */
  encodeMeans(ds: Dataset, start: number, end: number): tf.Tensor2D {
    return tf.tidy(() => encode(this, this.gather(ds, null, start, end), this.labelsOf(ds, null, start, end), false)[0]);
  }

  /** Pixel means (0..1) decoded from latent points: [N, H*W*C]; a conditional VAE needs `labels`, one per point. */
  decodeMeans(z: tf.Tensor2D, labels: ArrayLike<number> | null = null): tf.Tensor2D {
    if (this.classes > 0 && labels === null) throw new Error('a conditional VAE decodes with a label per point');
    return tf.tidy(() => {
      const y = this.classes > 0 && labels ? oneHot(labels, this.classes, 'decodeMeans') : null;
      return tf.sigmoid(decodeLogits(this, z, y)) as tf.Tensor2D;
    });
  }

  /** Held-out inputs on odd rows, their reconstructions (decoded from the mean) on the row below. */
  reconstructionGrid(): ImageGrid {
    const ds = this.data.heldOut.count > 0 ? this.data.heldOut : this.data.train;
    const n = Math.min(PREVIEW_COUNT, ds.count);
    const labels = this.classes > 0 ? batchLabels(ds, null, 0, n) : null;
    const recon = tf.tidy(() => this.decodeMeans(this.encodeMeans(ds, 0, n), labels));
    const reconPixels = recon.dataSync() as Float32Array;
    recon.dispose();
    const cols = Math.min(8, n);
    const pairsRows = Math.ceil(n / cols);
    const images: (Float32Array | null)[] = [];
    for (let r = 0; r < pairsRows; r++) {
      for (const source of ['input', 'recon'] as const) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          if (i >= n) images.push(null);
          else if (source === 'input') images.push(ds.images.subarray(i * this.pixels, (i + 1) * this.pixels));
          else images.push(reconPixels.subarray(i * this.pixels, (i + 1) * this.pixels));
        }
      }
    }
    return imageGrid(images, pairsRows * 2, cols, this.config.data.imageHeight, this.config.data.imageWidth, this.channels);
  }

  /**
   * Images decoded from fixed draws of the prior N(0, I). A conditional VAE's grid has a row per
   * class it trains on (up to MAX_CLASS_ROWS), the same draws in each column: the style held, the class changed.
   */
  samplesGrid(): ImageGrid {
    if (this.classes > 0) return this.classSamplesGrid();
    const out = this.decodeMeans(this.priorZ);
    const pixels = out.dataSync() as Float32Array;
    out.dispose();
    const images = Array.from({ length: SAMPLE_COUNT }, (_, i) => pixels.subarray(i * this.pixels, (i + 1) * this.pixels));
    return imageGrid(images, 4, SAMPLE_COUNT / 4, this.config.data.imageHeight, this.config.data.imageWidth, this.channels);
  }

  private classSamplesGrid(): ImageGrid {
    const classes = presentLabels(this.data.train).slice(0, MAX_CLASS_ROWS);
    const cols = CLASS_SAMPLE_COLS;
    const z = tf.tidy(() => tf.tile(this.priorZ.slice([0, 0], [cols, -1]), [classes.length, 1]) as tf.Tensor2D);
    const labels = classes.flatMap((c) => Array<number>(cols).fill(c));
    const out = this.decodeMeans(z, labels);
    const pixels = out.dataSync() as Float32Array;
    tf.dispose([z, out]);
    const images = labels.map((_, i) => pixels.subarray(i * this.pixels, (i + 1) * this.pixels));
    return imageGrid(images, classes.length, cols, this.config.data.imageHeight, this.config.data.imageWidth, this.channels);
  }

  async checkpoint(): Promise<CheckpointBlobs> {
    const position = { ...this.position, epochSums: { ...this.position.epochSums }, controls: { ...this.position.controls } };
    return {
      encoder: encodeWeights(readModelWeights(this.encoder)),
      decoder: encodeWeights(readModelWeights(this.decoder)),
      optimizer: encodeWeights(await readOptimizerState(this.optimizer)),
      position: {
        ...position,
        ...(this.classes > 0 ? { classes: this.classes } : {}),
        ...(this.config.run.threading === 'data' ? { shares: this.pool?.shares ?? 1 } : {}),
      },
    };
  }

  async restore(blobs: CheckpointBlobs): Promise<void> {
    const saved = blobs.position.classes ?? 0;
    if (saved !== this.classes)
      throw new Error(
        `the checkpoint was trained with ${saved > 0 ? `${saved} classes` : 'no label'}, but the data now gives ${this.classes > 0 ? `${this.classes} classes` : 'none'} (model.conditional)`,
      );
    const position = checkedPosition(blobs.position, this.stepsPerEpoch, initialControlState(this.config.optim));
    writeModelWeights(this.encoder, decodeWeights(blobs.encoder), 'encoder');
    writeModelWeights(this.decoder, decodeWeights(blobs.decoder), 'decoder');
    // An empty blob: a checkpoint saved without optimizer state (an imported run's).
    if (blobs.optimizer.byteLength > 0) await writeOptimizerState(this.optimizer, decodeWeights(blobs.optimizer));
    Object.assign(this.position, position);
  }

  /**
   * Trains each batch of `shares` x MIN_SHARE_IMAGES images or more in `shares` shares from now on,
   * shares after the first on gradient workers started here with `backend` (this thread's).
   */
  async startDataParallel(backend: BackendName, shares: number): Promise<void> {
    if (this.pool || shares < 2) return;
    const { config, classes, pixels, variables } = this;
    this.pool = await GradientPool.start({ config, classes, backend, shares, pixels, variables });
  }

  /** Gradient worker threads running for this trainer. */
  get gradientWorkers(): number {
    return this.pool?.liveWorkers ?? 0;
  }

  /** Tensors alive in the gradient workers after their last step (0 without them). */
  gradientWorkerTensors(): number {
    return this.pool?.workerTensors() ?? 0;
  }

  /** Ends the gradient workers (dispose does too, without waiting for them to exit). */
  async endDataParallel(): Promise<void> {
    await this.pool?.end();
  }

  dispose(): void {
    void this.pool?.end();
    this.priorZ.dispose();
    this.optimizer.dispose();
    this.encoder.dispose();
    this.decoder.dispose();
  }
}
