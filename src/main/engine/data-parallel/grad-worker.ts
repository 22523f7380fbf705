// A gradient worker of a data-parallel run: a thread with its own single-threaded backend (and the
// project's kernels) and its own copy of the encoder and decoder. At each step it takes the run's
// current weights and its share of the batch from shared memory, computes that share's loss parts
// and gradients with the same code as the run's thread (vae-loss.ts), and writes them back.

import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend.ts';
import { oneHot } from '../condition.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from '../model.ts';
import { trainableVariables, type VaeNets } from '../vae-loss.ts';
import { shareGradients } from './share.ts';
import { CMD_STOP, Control, DONE_FAILED, offsets, type GradWorkerInput, type GradWorkerMessage } from './layout.ts';
import { shareBounds } from './plan.ts';

const input = workerData as GradWorkerInput;
const post = (m: GradWorkerMessage) => parentPort!.postMessage(m);

async function setUp(): Promise<{ nets: VaeNets; variables: tf.Variable[] }> {
  const { config, classes } = input;
  await initBackend(input.backend, 1);
  const image = imageShapeOf(config.data);
  const nets: VaeNets = {
    encoder: buildEncoder(config.model, image, config.run.seed, { classes }),
    decoder: buildDecoder(config.model, image, config.run.seed, { classes }),
    config,
    pixels: image.height * image.width * image.channels,
    channels: image.channels,
  };
  const variables = trainableVariables(nets);
  const mine = variables.map((v) => v.shape.join('x')).join(', ');
  if (mine !== input.shapes.map((s) => s.join('x')).join(', '))
    throw new Error(`the gradient worker's model (${mine}) does not match the run's`);
  return { nets, variables };
}

function serve(nets: VaeNets, variables: tf.Variable[]): void {
  const { config, classes, share, shapes, buffers } = input;
  const control = new Control(buffers.control);
  const handshake = control.handshake(share);
  const weights = new Float32Array(buffers.weights);
  const grads = new Float32Array(buffers.grads[share - 1]!);
  const images = new Float32Array(buffers.images);
  const labels = new Int32Array(buffers.labels);
  const noise = new Float32Array(buffers.noise);
  const { at, total } = offsets(shapes);
  const { samples: k } = config.loss;
  const latent = config.model.latentDim;
  let seen = 0;
  for (;;) {
    Atomics.wait(handshake, 0, seen);
    const command = Atomics.load(handshake, 0);
    if (command === CMD_STOP) return;
    if (command === seen) continue;
    seen = command;
    try {
      const { images: count, shares, beta } = control.step();
      const [start, end] = shareBounds(count, shares, share);
      const b = end - start;
      tf.tidy(() => {
        variables.forEach((v, j) => v.assign(tf.tensor(weights.subarray(at[j], at[j]! + v.size), v.shape)));
        const x = tf.tensor2d(images.subarray(start * nets.pixels, end * nets.pixels), [b, nets.pixels]);
        const y = classes > 0 ? oneHot(labels.subarray(start, end), classes, 'a data-parallel share') : null;
        const all = tf.tensor3d(noise.subarray(0, k * count * latent), [k, count, latent]);
        const eps = all.slice([0, start, 0], [k, b, latent]);
        const result = shareGradients(nets, variables, x, y, eps, beta, b / count);
        variables.forEach((v, j) => grads.set(result.grads[v.name]!.dataSync() as Float32Array, at[j]));
        grads.set(result.values, total);
      });
      grads[total + 3] = tf.memory().numTensors;
      Atomics.store(handshake, 1, command);
    } catch (e) {
      control.writeError(share, e instanceof Error ? e.message : String(e));
      Atomics.store(handshake, 1, DONE_FAILED);
    }
    Atomics.notify(handshake, 1);
  }
}

void setUp().then(
  ({ nets, variables }) => {
    post({ type: 'ready' });
    serve(nets, variables);
  },
  (e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }),
);
