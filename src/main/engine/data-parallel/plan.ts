// How a run uses the threads it was granted: data-parallel shares of each batch, or the wasm
// backend's XNNPACK pool (see ThreadingKind). Decided once, before the backend starts, because the
// backend's thread count is fixed at its first initialisation.

import type { ExperimentConfig, ThreadingKind } from '../../../shared/config.ts';
import { lossControls } from '../../../shared/schedules.ts';

/**
 * Fewest images a share computes: below this a share's fixed costs (weights in, gradients out, the
 * handshake) outweigh what the second core saves, so smaller batches train as one share.
 */
export const MIN_SHARE_IMAGES = 8;

export interface ThreadPlan {
  mode: 'data' | 'kernels';
  /** Threads the backend of the run's own thread computes on (the XNNPACK pool's size). */
  backendThreads: number;
  /** Shares of a full batch: the run's thread plus one gradient worker per further share (1: none). */
  shares: number;
  /** Why a run that asked for data-parallel threads runs on the kernels' threads; '' otherwise. */
  fallback: string;
}

/**
 * Why the config's objective cannot be split into per-share means; null when it can. Free bits
 * floor each latent dimension's batch-mean KL, max(λ, mean over the batch): a share's mean is not
 * the batch's, so the shares' gradients would not sum to the batch's. Every other objective (the
 * ELBO with any likelihood, sigma and β, and IWAE, which ignores free bits) is a plain mean over
 * the batch's images of a per-image term.
 */
export function unsplittable(config: ExperimentConfig): string | null {
  const { freeBits, objective } = lossControls(config.loss);
  if (objective !== 'iwae' && freeBits > 0) return 'free bits couple the images of a batch';
  return null;
}

/** Shares a batch of `images` splits into with at most `shares` of them (at least MIN_SHARE_IMAGES each). */
export function sharesFor(images: number, shares: number): number {
  return Math.max(1, Math.min(shares, Math.floor(images / MIN_SHARE_IMAGES)));
}

/** Share i of `shares` over `images` images: contiguous rows [start, end), sizes differing by at most one. */
export function shareBounds(images: number, shares: number, i: number): [number, number] {
  return [Math.floor((i * images) / shares), Math.floor(((i + 1) * images) / shares)];
}

/**
 * The plan for a run granted `threads` threads. `resumed`: the shares its checkpoint was trained
 * with (null for a fresh run, or a checkpoint that names none). A resumed run keeps them, whatever
 * it is granted now: the shares fix how each batch is split and the order its gradients are summed
 * in, so keeping them makes the resumed run log exactly what the uninterrupted one would, on a
 * busier machine or on another worker too (more shares than free cores then, for a while).
 */
export function planThreads(config: ExperimentConfig, threads: number, resumed: number | null = null): ThreadPlan {
  // Configs stored before the setting trained on the kernels' threads.
  const asked: ThreadingKind = config.run.threading ?? 'kernels';
  const kernels = (fallback: string): ThreadPlan => ({ mode: 'kernels', backendThreads: threads, shares: 1, fallback });
  if (asked === 'kernels' || (threads <= 1 && resumed === null)) return kernels('');
  // The native backend sizes its own pool: nothing here splits its work.
  if (config.run.backend === 'tensorflow') return kernels('the native backend threads itself');
  const why = unsplittable(config);
  if (why) return kernels(why);
  const shares = resumed ?? sharesFor(config.optim.batchSize, threads);
  if (shares >= 2) return { mode: 'data', backendThreads: 1, shares, fallback: '' };
  if (resumed !== null) return kernels(threads > 1 ? 'it started on one share and resumes on one' : '');
  return kernels(`a batch of ${config.optim.batchSize} is too small to share`);
}

/** The shares a checkpoint's position says its run trained with; null when it names none. */
export function checkpointShares(position: { shares?: unknown } | undefined): number | null {
  const shares = position?.shares;
  return typeof shares === 'number' && Number.isInteger(shares) && shares >= 1 ? shares : null;
}
