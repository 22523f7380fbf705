// The size-adaptive convolutional parts of the models: the `conv` encoder's trunk (DCGAN-style
// stride-2 4x4 convolutions, one block per halving) and the `deconv` decoder (stride-2 4x4
// transposed convolutions, one block per doubling). Kept apart from model.ts's fixed architectures
// so the number of blocks follows the settings, not the code. No batch normalisation: its moving
// statistics would make training and evaluation passes differ and add state a checkpoint and an
// export would have to carry.

import * as tf from '@tensorflow/tfjs';
import type { ImageShape, Initializers } from './model.ts';
import { deconvMaps } from '../../shared/model-size.ts';

const KERNEL = 4;

/**
 * Image [B,H,W,C] -> flattened features: one stride-2 'same' 4x4 convolution with ReLU per entry of
 * `channels`, so each block halves the height and width (an odd size rounds up).
 */
export function convEncoderTrunk(
  init: Initializers,
  input: tf.SymbolicTensor,
  channels: readonly number[],
): { h: tf.SymbolicTensor; width: number } {
  if (channels.length === 0) throw new Error('model.convChannels needs at least one channel count');
  let h = input;
  let inChannels = input.shape[3] as number;
  for (const [i, filters] of channels.entries()) {
    h = tf.layers
      .conv2d({
        filters,
        kernelSize: KERNEL,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        name: `conv${i + 1}`,
        ...init.forLayer(KERNEL * KERNEL * inChannels),
      })
      .apply(h) as tf.SymbolicTensor;
    inChannels = filters;
  }
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  return { h, width: h.shape[1] as number };
}

/**
 * z [N,L] (or z joined with a label: `fanIn` wide) -> logits [N,H,W,C]: a dense layer to the coarsest feature map (1/2^n of the image for n
 * entries of `channels`), then n stride-2 transposed convolutions, ReLU between them, the last
 * producing the image's channels. With two entries this is the original two-block decoder, layer
 * for layer and initialiser for initialiser.
 */
export function deconvDecoder(
  init: Initializers,
  input: tf.SymbolicTensor,
  fanIn: number,
  channels: readonly number[],
  image: Required<ImageShape>,
): tf.SymbolicTensor {
  const [first] = deconvMaps(image.height, image.width, channels);
  if (!first) throw new Error('model.deconvChannels needs at least one channel count');
  const factor = 2 ** channels.length;
  if (image.height % factor !== 0 || image.width % factor !== 0)
    throw new Error(
      `the deconv decoder doubles the size ${channels.length} times, so ${image.height}x${image.width} images do not fit (height and width must be multiples of ${factor})`,
    );
  let h = tf.layers
    .dense({ units: first.h * first.w * first.c, activation: 'relu', name: 'fc', ...init.forLayer(fanIn) })
    .apply(input) as tf.SymbolicTensor;
  h = tf.layers.reshape({ targetShape: [first.h, first.w, first.c], name: 'to_map' }).apply(h) as tf.SymbolicTensor;
  const outs = [...channels.slice(1), image.channels];
  for (const [i, inChannels] of channels.entries()) {
    const last = i === channels.length - 1;
    h = tf.layers
      .conv2dTranspose({
        filters: outs[i]!,
        kernelSize: KERNEL,
        strides: 2,
        padding: 'same',
        ...(last ? {} : { activation: 'relu' as const }),
        name: `deconv${i + 1}`,
        ...init.forLayer(KERNEL * KERNEL * inChannels),
      })
      .apply(h) as tf.SymbolicTensor;
  }
  return h;
}
