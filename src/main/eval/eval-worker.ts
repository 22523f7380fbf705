// An evaluation worker: rebuilds one checkpoint's models and the run's evaluation images, computes
// NLL_k in chunks and posts its progress, so main's event loop (every client's traffic) never waits
// on tensor math. One job per thread: cancelling is terminating it.
import { parentPort, workerData } from 'node:worker_threads';
import { AppFailure, toAppError } from '../../shared/result.ts';
import { initBackend } from '../engine/backend.ts';
import { classesOfDecoderWeights } from '../engine/condition.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from '../engine/model.ts';
import { decodeWeights, writeModelWeights } from '../engine/weights.ts';
import { loadDataset, prepareSplit } from '../data/index.ts';
import { evaluateCheckpoint } from './evaluate.ts';
import { evaluationImages } from './eval-set.ts';
import type { EvalJob, EvalWorkerMessage } from './protocol.ts';

const port = parentPort!;
const job = workerData as EvalJob;
const post = (m: EvalWorkerMessage) => port.postMessage(m);

async function main(): Promise<void> {
  const backend = await initBackend(job.config.run.backend);
  const dataset = await loadDataset(job.config.data);
  if (job.fingerprint !== '' && dataset.fingerprint !== job.fingerprint)
    throw new AppFailure({
      code: 'bad-data',
      message: `${dataset.name} is no longer the data ${job.runLabel} trained on (its fingerprint changed), so it cannot be evaluated on its images`,
    });
  const set = evaluationImages(prepareSplit(dataset, job.config.data, job.config.run.seed), job.config);
  const image = imageShapeOf(job.config.data);
  const decoderWeights = decodeWeights(job.decoder);
  // A conditional VAE's class count is the checkpoint's, from its weights: the data may label fewer.
  const classes = classesOfDecoderWeights(decoderWeights, job.config.model);
  const encoder = buildEncoder(job.config.model, image, job.config.run.seed, { classes });
  const decoder = buildDecoder(job.config.model, image, job.config.run.seed, { classes });
  writeModelWeights(encoder, decodeWeights(job.encoder), 'encoder');
  writeModelWeights(decoder, decoderWeights, 'decoder');
  const result = await evaluateCheckpoint({ config: job.config, encoder, decoder }, set, {
    checkpointStep: job.checkpointStep,
    k: job.k,
    images: job.images,
    backend: backend.name,
    onProgress: (done, total) => post({ type: 'progress', done, total }),
  });
  post({ type: 'result', result });
}

main().catch((e: unknown) => post({ type: 'error', error: toAppError(e) }));
