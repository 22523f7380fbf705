// The models the latent worker keeps loaded: a few checkpoints' encoders and decoders, least
// recently used dropped first. Building a model and loading its weights costs tens of milliseconds
// (the seed encoder holds 1.6 M parameters), far more than one slider decode, so a model is built
// once per checkpoint and reused for every decode after.

import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import { classesOfDecoderWeights } from '../engine/condition.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from '../engine/model.ts';
import { decodeWeights, writeModelWeights } from '../engine/weights.ts';
import type { ModelRef } from './protocol.ts';

export interface LoadedModel {
  config: ExperimentConfig;
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** A conditional VAE's class count (read from its weights); 0 when not conditioned. */
  classes: number;
  /** Requests using it across an await (an encode yields between batches): never evicted then. */
  busy: number;
}

export class ModelCache {
  private readonly models = new Map<string, LoadedModel>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.models.size;
  }

  /** The model for `ref`, loading it from `ref.weights` when not held; null when neither. */
  get(ref: ModelRef): LoadedModel | null {
    const held = this.models.get(ref.key);
    if (held) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.models.delete(ref.key);
      this.models.set(ref.key, held);
      return held;
    }
    if (!ref.weights) return null;
    const loaded = load(ref);
    this.models.set(ref.key, loaded);
    this.evict(ref.key);
    return loaded;
  }

  /**
   * Drops the least recently used idle models past capacity, never `keep` (the model just loaded
   * for the caller); a busy one stays until a later call.
   */
  evict(keep?: string): void {
    for (const [key, model] of this.models) {
      if (this.models.size <= this.capacity) break;
      if (model.busy > 0 || key === keep) continue;
      this.models.delete(key);
      model.encoder.dispose();
      model.decoder.dispose();
    }
  }
}

function load(ref: ModelRef): LoadedModel {
  const { config } = ref;
  const image = imageShapeOf(config.data);
  let classes: number;
  let decoderWeights: ReturnType<typeof decodeWeights>;
  try {
    decoderWeights = decodeWeights(ref.weights!.decoder);
    classes = classesOfDecoderWeights(decoderWeights, config.model);
  } catch (e) {
    throw new AppFailure({
      code: 'internal',
      message: `checkpoint ${ref.key} does not fit its run's model: ${(e as Error).message}`,
    });
  }
  const encoder = buildEncoder(config.model, image, config.run.seed, { classes });
  const decoder = buildDecoder(config.model, image, config.run.seed, { classes });
  try {
    writeModelWeights(encoder, decodeWeights(ref.weights!.encoder), 'encoder');
    writeModelWeights(decoder, decoderWeights, 'decoder');
  } catch (e) {
    encoder.dispose();
    decoder.dispose();
    throw new AppFailure({
      code: 'internal',
      message: `checkpoint ${ref.key} does not fit its run's model: ${(e as Error).message}`,
    });
  }
  return { config, encoder, decoder, classes, busy: 0 };
}
