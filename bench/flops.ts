// Training FLOPs per image of a configured model, from its layer shapes alone (nothing is built).
//
// Counting rule (the one GEMM throughput is quoted in, so GFLOP/s compare with a matrix product's):
// - Only the layers that are matrix products are counted: dense, conv and transposed conv. One
//   multiply-add is 2 FLOPs. Forward cost per image of a layer:
//     dense          2 * fanIn * units
//     conv           2 * outH * outW * (k * k * inC) * outC      (padding taps count: GEMM does them)
//     transposed     2 * inH * inW * inC * (k * k * outC)        (every input pixel scatters k*k*outC)
// - Backward is two more products of the same size, the weight gradient and the input gradient,
//   except for the encoder's first layer: its input is the data, which needs no gradient (neither
//   tfjs nor PyTorch computes it). So training = 3x forward - the first layer's forward.
// - Decoder layers run once per latent sample (loss.samples = K, the seed notebook's 3), the
//   encoder once per image.
// - Not counted: biases, activations, pooling, LayerNorm, the loss and Adam. They are O(activations)
//   or O(parameters) per step, a few percent at batch 64 and up; at batch 1 Adam's update over the
//   seed model's ~1M parameters is comparable to the layers' work, which is why its GFLOP/s is low
//   on both sides.

import type { ExperimentConfig } from '../src/shared/config.ts';
import { channelsOf } from '../src/shared/data-split.ts';
import { convEncoderMaps, deconvMaps } from '../src/shared/model-size.ts';

export interface LayerCost {
  name: string;
  part: 'encoder' | 'decoder';
  /** Forward FLOPs for one image (one sample, for decoder layers). */
  forward: number;
}

const dense = (part: LayerCost['part'], name: string, fanIn: number, units: number): LayerCost => ({
  name,
  part,
  forward: 2 * fanIn * units,
});

function chain(
  part: LayerCost['part'],
  prefix: string,
  fanIn: number,
  widths: readonly number[],
): { layers: LayerCost[]; out: number } {
  const layers: LayerCost[] = [];
  let width = fanIn;
  for (const [i, units] of widths.entries()) {
    layers.push(dense(part, `${prefix}${i + 1}`, width, units));
    width = units;
  }
  return { layers, out: width };
}

/** The matrix-product layers of the encoder then the decoder, as src/main/engine/model.ts builds them. */
export function layerCosts(c: ExperimentConfig): LayerCost[] {
  const { imageHeight: height, imageWidth: width } = c.data;
  const m = c.model;
  const channels = channelsOf(c.data);
  const pixels = height * width * channels;
  const layers: LayerCost[] = [];
  let features: number;
  if (m.encoder === 'seed-conv') {
    // conv1 5x5 valid, pool 2; conv2 3x3 valid, pool 2 (see model.ts).
    const h1 = height - 4;
    const w1 = width - 4;
    layers.push({ name: 'conv1', part: 'encoder', forward: 2 * h1 * w1 * 25 * channels * 32 });
    const h2 = Math.floor(h1 / 2) - 2;
    const w2 = Math.floor(w1 / 2) - 2;
    layers.push({ name: 'conv2', part: 'encoder', forward: 2 * h2 * w2 * 9 * 32 * 64 });
    const fc = chain('encoder', 'fc', Math.floor(h2 / 2) * Math.floor(w2 / 2) * 64, [512, 256]);
    layers.push(...fc.layers);
    features = fc.out;
  } else if (m.encoder === 'conv') {
    let inC: number = channels;
    for (const [i, map] of convEncoderMaps(height, width, m.convChannels).entries()) {
      layers.push({ name: `conv${i + 1}`, part: 'encoder', forward: 2 * map.h * map.w * 16 * inC * map.c });
      inC = map.c;
    }
    const last = convEncoderMaps(height, width, m.convChannels).at(-1);
    features = last ? last.h * last.w * last.c : pixels;
  } else {
    const fc = chain('encoder', 'fc', pixels, m.encoderHidden);
    layers.push(...fc.layers);
    features = fc.out;
  }
  layers.push(dense('encoder', 'mean', features, m.latentDim), dense('encoder', 'sigma_head', features, m.latentDim));
  if (m.decoder === 'seed') {
    layers.push(dense('decoder', 'fc', m.latentDim, pixels));
  } else if (m.decoder === 'mlp') {
    const fc = chain('decoder', 'fc', m.latentDim, m.decoderHidden);
    layers.push(...fc.layers, dense('decoder', 'out', fc.out, pixels));
  } else {
    const maps = deconvMaps(height, width, m.deconvChannels);
    const first = maps[0];
    layers.push(dense('decoder', 'fc', m.latentDim, first ? first.h * first.w * first.c : 0));
    const outs = [...m.deconvChannels.slice(1), channels];
    for (const [i, map] of maps.entries())
      layers.push({ name: `deconv${i + 1}`, part: 'decoder', forward: 2 * map.h * map.w * map.c * 16 * outs[i]! });
  }
  return layers;
}

/** Forward + backward FLOPs of one training image, by the rule above. */
export function trainingFlopsPerImage(c: ExperimentConfig): number {
  const layers = layerCosts(c);
  let total = 0;
  for (const l of layers) total += 3 * l.forward * (l.part === 'decoder' ? c.loss.samples : 1);
  return total - (layers[0]?.forward ?? 0);
}
