// Starting a run's compute: the plan for its threads, its backend, and (data-parallel) its gradient
// workers. The run worker and the step timer both start this way, so they train alike.

import type { ExperimentConfig } from '../../../shared/config.ts';
import { initBackend, type BackendResult } from '../backend.ts';
import type { Trainer } from '../trainer.ts';
import { planThreads, type ThreadPlan } from './plan.ts';

export { planThreads, sharesFor, unsplittable, checkpointShares, MIN_SHARE_IMAGES } from './plan.ts';

export interface Compute {
  backend: BackendResult;
  /** 'data' when the trainer's batches are shared among gradient workers (after startWorkers). */
  threading: ThreadPlan['mode'];
  shares: number;
}

/**
 * Starts this thread's backend for `threads` threads of `config` (its run.threading); `resumed`:
 * the shares of the checkpoint the run resumes from (see planThreads).
 */
export async function startBackend(config: ExperimentConfig, threads: number, resumed: number | null = null): Promise<Compute> {
  const plan = planThreads(config, threads, resumed);
  const backend = await initBackend(config.run.backend, plan.backendThreads, { shares: plan.shares, fallback: plan.fallback });
  // `auto` may have found the native backend, which threads itself.
  const shares = backend.name === 'tensorflow' ? 1 : plan.shares;
  return { backend, threading: shares > 1 ? 'data' : 'kernels', shares };
}

/** Starts the trainer's gradient workers when the compute is data-parallel. */
export async function startWorkers(trainer: Trainer, compute: Compute): Promise<void> {
  if (compute.shares > 1) await trainer.startDataParallel(compute.backend.name, compute.shares);
}
