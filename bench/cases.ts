// The models `npm run bench` trains, on both sides of the PyTorch comparison, and the one place
// that asks for a thread count. Configs only: the child process builds them (throughput-child.ts),
// torch_vae.py builds the same shapes from torchSpec(config).

import type { ExperimentConfig } from '../src/shared/config.ts';
import { DEFAULT_CONFIG, findPreset } from '../src/shared/presets.ts';

export interface BenchCase {
  name: string;
  config: ExperimentConfig;
  /** conv-64 trains on synthetic colour images made in memory (no image folder needed). */
  synthetic: boolean;
  /** Steps each measurement takes at least, so a slow model still averages over more than one. */
  minSteps: number;
}

function withBatch(presetId: string, batchSize: number): ExperimentConfig {
  const base = structuredClone(findPreset(presetId)!.config);
  base.optim.batchSize = batchSize;
  // All digits, many epochs: a measurement must never reach the end of training.
  base.data.labels = [];
  base.optim.epochs = 1000;
  return base;
}

function conv64(batchSize: number): ExperimentConfig {
  const base = withBatch('conv-64', batchSize);
  base.data = { ...base.data, source: 'csv', path: 'synthetic', heldOutFraction: 0 };
  return base;
}

export const BENCH_CASES: readonly BenchCase[] = [
  { name: 'seed-conv b1', config: withBatch('seed-notebook', 1), synthetic: false, minSteps: 20 },
  { name: 'seed-conv b64', config: withBatch('seed-notebook', 64), synthetic: false, minSteps: 4 },
  { name: 'mlp b128', config: withBatch('mlp-bernoulli', 128), synthetic: false, minSteps: 4 },
  { name: 'conv-64 b64', config: conv64(64), synthetic: true, minSteps: 2 },
];

export function findCase(name: string): BenchCase {
  const found = BENCH_CASES.find((c) => c.name === name);
  if (!found) throw new Error(`no bench case named "${name}" (have: ${BENCH_CASES.map((c) => c.name).join(', ')})`);
  return found;
}

export interface ThreadsChoice {
  config: ExperimentConfig;
  /** Threads this build will really train with. */
  threads: number;
  /** Why fewer than asked, when so. */
  note: string;
}

export const SINGLE_THREAD_NOTE = 'threads: 1 (multi-threaded training not available in this build)';

/**
 * THE place the bench asks for a thread count: the config's `run.threads` when the schema has it (a
 * build without it trains on one thread, and says so). The child also starts its backend with the
 * count this returns (initBackend's second argument), as a run's worker does.
 */
export function withThreads(config: ExperimentConfig, requested: number): ThreadsChoice {
  const hasSetting = 'threads' in DEFAULT_CONFIG.run;
  if (!hasSetting) return { config, threads: 1, note: requested > 1 ? SINGLE_THREAD_NOTE : '' };
  const next = structuredClone(config);
  (next.run as unknown as Record<string, unknown>).threads = requested;
  return { config: next, threads: requested, note: '' };
}
