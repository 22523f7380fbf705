// Encoder and decoder factories. Each returns a plain tf.LayersModel so weights can be read, saved
// and exported in the Layers format without custom classes: sampling and the loss live outside the
// models (see loss.ts), which keeps an exported decoder loadable by stock `tf.loadLayersModel`.

import * as tf from '@tensorflow/tfjs';
import type { DataConfig, ModelConfig, InitKind } from '../../shared/config.ts';
import { channelsOf } from '../../shared/data-split.ts';
import { deriveSeed } from '../../shared/random.ts';
import { convEncoderTrunk, deconvDecoder } from './conv-blocks.ts';
import { joinLabel, labelInput } from './condition.ts';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

export interface ImageShape {
  height: number;
  width: number;
  /** 1 (grayscale) or 3 (RGB); absent is 1. */
  channels?: 1 | 3;
}

/** The image shape a run's data settings give its models. */
export function imageShapeOf(data: DataConfig): Required<ImageShape> {
  return { height: data.imageHeight, width: data.imageWidth, channels: channelsOf(data) };
}

/**
 * Seeds every initializer from the run seed and a per-layer counter, so the same seed builds the
 * same weights on every backend and in every process.
 */
export class Initializers {
  private next = 0;
  constructor(
    private readonly kind: InitKind,
    private readonly seed: number,
    private readonly stream: string,
  ) {}

  private nextSeed(): number {
    this.next += 1;
    return deriveSeed(this.seed, `init/${this.stream}/${this.next}`);
  }

  /** Kernel and bias initializers for a layer with the given fan-in. */
  forLayer(fanIn: number): { kernelInitializer: Initializer; biasInitializer: Initializer } {
    if (this.kind === 'torch') {
      // PyTorch's default for Linear and Conv2d: kaiming_uniform(a=sqrt(5)) for weights, which is
      // U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for biases.
      const bound = 1 / Math.sqrt(fanIn);
      return {
        kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() }),
        biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.nextSeed() }),
      };
    }
    return {
      kernelInitializer: tf.initializers.glorotUniform({ seed: this.nextSeed() }),
      biasInitializer: tf.initializers.zeros(),
    };
  }
}

/**
 * LayerNorm over the last axis, as PyTorch's nn.LayerNorm (biased variance, eps inside the root),
 * computed with broadcasting. tfjs-layers' own LayerNormalization tiles the mean and variance to
 * the input's shape, and Tile's gradient is one slice per repetition: 1,568 slices per step for
 * the notebook's 784-wide decoder, seconds per step on wasm. Same weights (gamma, beta) in the same
 * order, so `buildDecoder(..., { exportable: true })` can swap the stock layer in for saving.
 */
class BroadcastLayerNorm extends tf.layers.Layer {
  static readonly className = 'BroadcastLayerNorm';
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private readonly epsilon: number;

  constructor(args: { epsilon: number; name: string }) {
    super({ name: args.name });
    this.epsilon = args.epsilon;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const size = shape[shape.length - 1] as number;
    this.gamma = this.addWeight('gamma', [size], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [size], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!x) throw new Error('LayerNorm: called with no input tensor');
    return tf.tidy(() => {
      const centered = tf.sub(x, tf.mean(x, -1, true));
      const variance = tf.mean(tf.square(centered), -1, true);
      const normalized = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma.read()), this.beta.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

function dense(init: Initializers, fanIn: number, units: number, activation: 'relu' | 'linear', name: string) {
  return tf.layers.dense({ units, activation, name, ...init.forLayer(fanIn) });
}

/** A conditional VAE's class count (the one-hot label's width); absent or 0: not conditioned. */
export interface ConditionOptions {
  classes?: number;
}

/**
 * Encoder: image [B,H,W,C] -> [mean [B,L], sigma head [B,L]] (the head's meaning depends on `sigma`).
 * With `classes`, a second input, the one-hot label [B,C], joins the features at the first dense layer.
 */
export function buildEncoder(cfg: ModelConfig, image: ImageShape, seed: number, options: ConditionOptions = {}): tf.LayersModel {
  const init = new Initializers(cfg.init, seed, 'encoder');
  const channels = image.channels ?? 1;
  const input = tf.input({ shape: [image.height, image.width, channels], name: 'image' });
  const classes = options.classes ?? 0;
  const label = classes > 0 ? labelInput(classes) : null;
  let h: tf.SymbolicTensor;
  let width: number;
  if (cfg.encoder === 'seed-conv') {
    // The notebook's h1: Conv(1->32, 5) ReLU MaxPool2, Conv(32->64, 3) ReLU MaxPool2, Linear 512, Linear 256.
    h = tf.layers
      .conv2d({ filters: 32, kernelSize: 5, activation: 'relu', name: 'conv1', ...init.forLayer(25 * channels) })
      .apply(input) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers
      .conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'conv2', ...init.forLayer(9 * 32) })
      .apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
    width = h.shape[1] as number;
    if (label) {
      h = joinLabel(h, label, 'with_label');
      width += classes;
    }
    for (const [i, units] of [512, 256].entries()) {
      h = dense(init, width, units, 'relu', `fc${i + 1}`).apply(h) as tf.SymbolicTensor;
      width = units;
    }
  } else if (cfg.encoder === 'conv') {
    ({ h, width } = convEncoderTrunk(init, input, cfg.convChannels));
    if (label) {
      h = joinLabel(h, label, 'with_label');
      width += classes;
    }
  } else {
    h = tf.layers.flatten({ name: 'flatten' }).apply(input) as tf.SymbolicTensor;
    width = image.height * image.width * channels;
    if (label) {
      h = joinLabel(h, label, 'with_label');
      width += classes;
    }
    for (const [i, units] of cfg.encoderHidden.entries()) {
      h = dense(init, width, units, 'relu', `fc${i + 1}`).apply(h) as tf.SymbolicTensor;
      width = units;
    }
  }
  const mean = dense(init, width, cfg.latentDim, 'linear', 'mean').apply(h) as tf.SymbolicTensor;
  const sigmaHead = dense(init, width, cfg.latentDim, 'linear', 'sigma_head').apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: label ? [input, label] : input, outputs: [mean, sigmaHead], name: 'encoder' });
}

/**
 * Decoder: z [N,L] -> logits [N,H,W,C]. `exportable` builds it from stock layers only. The pixel mean is sigmoid(logits) for both likelihoods, so
 * the seed decoder's LayerNorm output is the logit and its final Sigmoid is applied by the loss.
 * With `classes`, a second input, the one-hot label [N,C], is joined to z: the decoder sees z ⊕ y.
 */
export function buildDecoder(
  cfg: ModelConfig,
  image: ImageShape,
  seed: number,
  options: { exportable?: boolean } & ConditionOptions = {},
): tf.LayersModel {
  const init = new Initializers(cfg.init, seed, 'decoder');
  const channels = image.channels ?? 1;
  const pixels = image.height * image.width * channels;
  const z = tf.input({ shape: [cfg.latentDim], name: 'z' });
  const classes = options.classes ?? 0;
  const label = classes > 0 ? labelInput(classes) : null;
  const input = label ? joinLabel(z, label, 'with_label') : z;
  const inputWidth = cfg.latentDim + classes;
  let h: tf.SymbolicTensor;
  if (cfg.decoder === 'seed') {
    // The notebook's decoder: Linear(latent, 784), LayerNorm(784), Sigmoid.
    h = dense(init, inputWidth, pixels, 'linear', 'fc').apply(input) as tf.SymbolicTensor;
    // Stock layer when saving (loads anywhere without custom classes), the fast one for training.
    const norm = options.exportable
      ? tf.layers.layerNormalization({ axis: -1, epsilon: 1e-5, name: 'layer_norm' })
      : new BroadcastLayerNorm({ epsilon: 1e-5, name: 'layer_norm' });
    h = norm.apply(h) as tf.SymbolicTensor;
    h = tf.layers.reshape({ targetShape: [image.height, image.width, channels], name: 'to_image' }).apply(h) as tf.SymbolicTensor;
  } else if (cfg.decoder === 'mlp') {
    h = input;
    let width = inputWidth;
    for (const [i, units] of cfg.decoderHidden.entries()) {
      h = dense(init, width, units, 'relu', `fc${i + 1}`).apply(h) as tf.SymbolicTensor;
      width = units;
    }
    h = dense(init, width, pixels, 'linear', 'out').apply(h) as tf.SymbolicTensor;
    h = tf.layers.reshape({ targetShape: [image.height, image.width, channels], name: 'to_image' }).apply(h) as tf.SymbolicTensor;
  } else {
    h = deconvDecoder(init, input, inputWidth, cfg.deconvChannels, { ...image, channels });
  }
  return tf.model({ inputs: label ? [z, label] : z, outputs: h, name: 'decoder' });
}
