// Messages between main and the latent worker. Every request names its model by a key that is
// unique per checkpoint row; the worker answers `missing` when it does not hold that model, and
// main resends the request with the checkpoint's weights attached. So the worker's cache is the
// only record of what it holds, and main never has to mirror it.

import type { DataConfig, ExperimentConfig } from '../../shared/config.ts';
import type { AppError } from '../../shared/result.ts';
import type { ImageGrid } from '../../shared/training.ts';
import type { JobOf, ReplyOf } from '../worker-threads.ts';

export interface ModelRef {
  /** `${runId}:${checkpointId}`: a checkpoint rewritten after a resume gets a new id, so a new key. */
  key: string;
  config: ExperimentConfig;
  /** Present on the retry after a `missing` answer. */
  weights?: { encoder: Uint8Array; decoder: Uint8Array };
}

/** Which images to encode: a run's split, rebuilt from its data config and seed. */
export interface ImageSource {
  data: DataConfig;
  seed: number;
  /** The fingerprint the source run recorded; a data set that no longer matches is refused. */
  fingerprint: string;
  /** For messages: "run 12". */
  label: string;
}

/** Each operation's request (besides its id and model) and the value it answers. */
export type LatentProtocol = {
  decode: {
    /** `label`: a conditional VAE's, for every point; null for an unconditioned model. */
    request: { latentDim: number; points: Float32Array; cols: number; label: number | null };
    reply: { grid: ImageGrid; decodeMs: number };
  };
  encode: {
    request: { source: ImageSource; count: number; includeImages: boolean };
    reply: {
      split: 'held-out' | 'train';
      count: number;
      means: Float32Array;
      klPerDim: number[];
      labels: number[] | null;
      images: ImageGrid | null;
    };
  };
};
export type LatentOp = keyof LatentProtocol;

/** A request as main numbers it and names its model. */
export type LatentRequest = JobOf<LatentProtocol> & { id: number; model: ModelRef };

export type LatentReply<K extends LatentOp = LatentOp> =
  | { id: number; ok: true; value: ReplyOf<LatentProtocol, K> }
  | { id: number; ok: false; error: AppError }
  | { id: number; missing: true };
