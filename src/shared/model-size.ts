// How big a configured model is, before any of it is built: its parameter count, and the widest
// tensor a training step holds. Each field of the config has its own range, but ranges multiply
// (eight 8192-wide layers on 256x256 images is billions of weights), so the config is also bounded
// as a whole, at what a desktop can train: the weights with Adam's two moments and the gradients
// are four copies of the parameters, and the widest activation exists per image and per sample.

import type { ExperimentConfig } from './config.ts';
import { channelsOf } from './data-split.ts';

export const MODEL_LIMITS = {
  /** 100 million parameters: about 1.6 GB with Adam's moments and the gradients. */
  parameters: 100_000_000,
  /** Elements in the widest tensor of one step (batch x samples x widest layer): 256 MB of float32. */
  activations: 64 * 1024 * 1024,
} as const;

const dense = (fanIn: number, units: number) => fanIn * units + units;

/** The seed-conv encoder's feature map after two valid convolutions (5x5, 3x3), each with a 2x2 pool. */
function seedConvShape(height: number, width: number): { h1: number; w1: number; flat: number } {
  const h1 = Math.floor((height - 4) / 2);
  const w1 = Math.floor((width - 4) / 2);
  const h2 = Math.floor((h1 - 2) / 2);
  const w2 = Math.floor((w1 - 2) / 2);
  return { h1, w1, flat: Math.max(0, h2) * Math.max(0, w2) * 64 };
}

/** The `conv` encoder's feature maps: stride-2 'same' convolutions, each rounding an odd size up. */
export function convEncoderMaps(
  height: number,
  width: number,
  channels: readonly number[],
): { h: number; w: number; c: number }[] {
  let h = height;
  let w = width;
  return channels.map((c) => {
    h = Math.ceil(h / 2);
    w = Math.ceil(w / 2);
    return { h, w, c };
  });
}

/** The `deconv` decoder's feature maps, coarsest first: entry i at 1/2^(n-i) of the image size. */
export function deconvMaps(height: number, width: number, channels: readonly number[]): { h: number; w: number; c: number }[] {
  const n = channels.length;
  return channels.map((c, i) => ({ h: Math.floor(height / 2 ** (n - i)), w: Math.floor(width / 2 ** (n - i)), c }));
}

function chain(fanIn: number, widths: readonly number[]): { params: number; out: number } {
  let params = 0;
  let width = fanIn;
  for (const units of widths) {
    params += dense(width, units);
    width = units;
  }
  return { params, out: width };
}

/** Trainable parameters of the encoder and decoder together, as engine/model.ts builds them. */
export function parameterCount(c: ExperimentConfig): number {
  const { imageHeight: height, imageWidth: width } = c.data;
  const m = c.model;
  const channels = channelsOf(c.data);
  const pixels = height * width * channels;
  let encoder: number;
  let features: number;
  if (m.encoder === 'seed-conv') {
    const conv = 5 * 5 * channels * 32 + 32 + 3 * 3 * 32 * 64 + 64;
    const fc = chain(seedConvShape(height, width).flat, [512, 256]);
    encoder = conv + fc.params;
    features = fc.out;
  } else if (m.encoder === 'conv') {
    encoder = 0;
    let inChannels: number = channels;
    for (const out of m.convChannels) {
      encoder += 4 * 4 * inChannels * out + out;
      inChannels = out;
    }
    const last = convEncoderMaps(height, width, m.convChannels).at(-1);
    features = last ? last.h * last.w * last.c : pixels;
  } else {
    const fc = chain(pixels, m.encoderHidden);
    encoder = fc.params;
    features = fc.out;
  }
  encoder += 2 * dense(features, m.latentDim);
  let decoder: number;
  if (m.decoder === 'seed') {
    decoder = dense(m.latentDim, pixels) + 2 * pixels; // LayerNorm's gain and bias
  } else if (m.decoder === 'mlp') {
    const fc = chain(m.latentDim, m.decoderHidden);
    decoder = fc.params + dense(fc.out, pixels);
  } else {
    const [first] = deconvMaps(height, width, m.deconvChannels);
    decoder = dense(m.latentDim, first ? first.h * first.w * first.c : 0);
    const outs = [...m.deconvChannels.slice(1), channels];
    m.deconvChannels.forEach((inChannels, i) => {
      const out = outs[i]!;
      decoder += 4 * 4 * inChannels * out + out;
    });
  }
  return encoder + decoder;
}

/** Elements of the widest per-image tensor in the encoder or decoder. */
export function widestLayer(c: ExperimentConfig): number {
  const { imageHeight: height, imageWidth: width } = c.data;
  const m = c.model;
  const widths = [height * width * channelsOf(c.data), m.latentDim];
  if (m.encoder === 'seed-conv') widths.push((height - 4) * (width - 4) * 32, 512);
  else if (m.encoder === 'conv') widths.push(...convEncoderMaps(height, width, m.convChannels).map((f) => f.h * f.w * f.c));
  else widths.push(...m.encoderHidden);
  if (m.decoder === 'mlp') widths.push(...m.decoderHidden);
  if (m.decoder === 'deconv') widths.push(...deconvMaps(height, width, m.deconvChannels).map((f) => f.h * f.w * f.c));
  return Math.max(...widths);
}

/** Problems with the model's size as a whole, each at the field a user would change first. */
export function modelSizeErrors(c: ExperimentConfig): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  const params = parameterCount(c);
  if (params > MODEL_LIMITS.parameters)
    out.push({
      field: 'model',
      message:
        `has ${params.toLocaleString('en-US')} parameters, more than the ${MODEL_LIMITS.parameters.toLocaleString('en-US')} ` +
        'a desktop can train (make the hidden layers, latent size or images smaller)',
    });
  const perImage = widestLayer(c) * c.loss.samples;
  const maxBatch = Math.max(1, Math.floor(MODEL_LIMITS.activations / perImage));
  if (c.optim.batchSize > maxBatch)
    out.push({
      field: 'optim.batchSize',
      message:
        `must be at most ${maxBatch} for this model: its widest layer times ${c.loss.samples} sample(s) holds ` +
        `${perImage.toLocaleString('en-US')} values per image, and a step may hold ` +
        `${MODEL_LIMITS.activations.toLocaleString('en-US')} at once`,
    });
  return out;
}
