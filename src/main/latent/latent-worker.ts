// The latent worker: one long-lived thread per app that decodes latent points and encodes images
// for the explorer and Compare, so neither ever blocks main's event loop (which carries every
// client's traffic). It keeps recently used checkpoints' models loaded (ModelCache) and the data
// sets they need (ImageSourceCache).
import { parentPort } from 'node:worker_threads';
import { toAppError } from '../../shared/result.ts';
import { initBackend } from '../engine/backend.ts';
import { imageGrid } from '../engine/grid.ts';
import { imageSize } from '../data/index.ts';
import { ImageSourceCache } from './image-source.ts';
import { ModelCache, type LoadedModel } from './model-cache.ts';
import { decodePoints, encodeImages } from './ops.ts';
import { dispatchJob, type Handlers, type JobFor } from '../worker-threads.ts';
import type { LatentProtocol, LatentReply, LatentRequest } from './protocol.ts';

// Compare shows up to six runs, the explorer one at a time: six models plus the explorer's.
const MODELS_KEPT = 8;

const port = parentPort!;
// The fastest backend here, as for training: the seed encoder is convolutions.
const ready = initBackend('auto');
const models = new ModelCache(MODELS_KEPT);
const sources = new ImageSourceCache();

async function handle(request: LatentRequest): Promise<LatentReply> {
  await ready;
  const model = models.get(request.model);
  if (!model) return { id: request.id, missing: true };
  const handlers: Handlers<LatentProtocol> = {
    decode: (job) => {
      const started = performance.now();
      const grid = decodePoints(model, job.points, job.latentDim, job.cols, job.label);
      return { grid, decodeMs: performance.now() - started };
    },
    encode: async (job) => {
      // An encode spans awaits (the data load, the yields between batches): keep its model loaded.
      model.busy += 1;
      try {
        return await encode(model, job);
      } finally {
        model.busy -= 1;
        models.evict();
      }
    },
  };
  return { id: request.id, ok: true, value: await dispatchJob(handlers, request) };
}

async function encode(model: LoadedModel, request: JobFor<LatentProtocol, 'encode'>): Promise<LatentProtocol['encode']['reply']> {
  const { images, split } = await sources.images(request.source);
  const count = Math.min(request.count, images.count);
  const encoded = await encodeImages(model, images, count);
  const pixels = imageSize(images);
  const grid = request.includeImages
    ? imageGrid(
        Array.from({ length: count }, (_, i) => images.images.subarray(i * pixels, (i + 1) * pixels)),
        count,
        1,
        images.height,
        images.width,
        images.channels ?? 1,
      )
    : null;
  const labels = images.labels ? Array.from(images.labels.subarray(0, count)) : null;
  return { split, count, means: encoded.means, klPerDim: Array.from(encoded.klPerDim), labels, images: grid };
}

port.on('message', (request: LatentRequest) => {
  handle(request).then(
    (reply) => port.postMessage(reply),
    (e: unknown) => port.postMessage({ id: request.id, ok: false, error: toAppError(e) } satisfies LatentReply),
  );
});
