// A database full of finished runs, written straight through the store before a server opens it:
// the Runs table's e2e test (1,000 runs) and bench/runs-table.ts (10,000) need many runs with real
// configs and final losses, and training them for real would take hours. The configs spread like a
// sweep's (latent size, β, learning rate, seed), so grouping "all but the seed" yields real groups.
import { openDatabase } from '../../src/main/store/index.ts';
import type { ExperimentConfig } from '../../src/shared/config.ts';
import { presetConfig } from '../helpers.ts';

export const LATENTS = [2, 4, 8, 16, 32];
export const BETAS = [0.5, 1, 2, 4];
export const RATES = [0.0005, 0.001, 0.002];
export const SEEDS = 5;

/** The i-th point of the spread: every (latent, β, lr) combination, then the next seed. */
export function spreadPoint(i: number): { latent: number; beta: number; lr: number; seed: number } {
  const combos = LATENTS.length * BETAS.length * RATES.length;
  const c = i % combos;
  return {
    latent: LATENTS[c % LATENTS.length]!,
    beta: BETAS[Math.floor(c / LATENTS.length) % BETAS.length]!,
    lr: RATES[Math.floor(c / (LATENTS.length * BETAS.length)) % RATES.length]!,
    seed: 1 + (Math.floor(i / combos) % SEEDS),
  };
}

/** Deterministic jitter in [-1, 1] so runs of one group differ a little, like seeds do. */
const jitter = (i: number) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 78.233) * 0.5;

export interface FillOptions {
  count: number;
  /** Names of these run indexes (0-based) are replaced, e.g. to test ellipsis with a long name. */
  names?: Record<number, string>;
  tags?: (i: number) => string[];
}

/** Writes `count` completed runs into the database at `dbPath` (created when missing); returns their ids in creation order. */
export function fillRuns(dbPath: string, options: FillOptions): number[] {
  // The store stamps start and finish times from its clock: set per run, so durations look real.
  let clock = Date.UTC(2026, 10, 1);
  const store = openDatabase(dbPath, { now: () => clock });
  const ids: number[] = [];
  const configs = new Map<string, ExperimentConfig>();
  const t0 = Date.UTC(2026, 10, 1);
  try {
    store.db.transaction(() => {
      for (let i = 0; i < options.count; i++) {
        const p = spreadPoint(i);
        const name = options.names?.[i] ?? `z${p.latent} β${p.beta} lr${p.lr} seed${p.seed}`;
        const key = `${p.latent}/${p.beta}/${p.lr}/${p.seed}`;
        let config = configs.get(key);
        if (!config) {
          config = presetConfig('quick', {
            'model.latentDim': p.latent,
            'loss.beta': p.beta,
            'optim.learningRate': p.lr,
            'run.seed': p.seed,
            'data.limit': 400,
            'optim.epochs': 2,
          });
          configs.set(key, config);
        }
        const createdAt = t0 + i * 60_000;
        clock = createdAt + 2_000;
        const run = store.runs.create({
          config: { ...config, run: { ...config.run, name } },
          name,
          tags: options.tags?.(i) ?? [],
          createdAt,
          datasetName: 'mnist',
          datasetFingerprint: 'bench',
        });
        store.runs.markStarted(run.id, { backend: 'tensorflow', ownerPid: process.pid, totalSteps: 16 });
        store.runs.setProgress(run.id, { step: 16, epoch: 2 });
        const kl = 4 + p.latent * 0.8 * p.beta ** -0.5 + jitter(i);
        const recon = 160 - 12 * Math.log2(p.latent) * p.beta ** -0.3 + 3 * jitter(i + 7) + p.lr * 1000;
        store.runs.setFinal(run.id, {
          train: { recon: recon - 2, kl, total: recon - 2 + kl },
          heldOut: { recon, kl, total: recon + kl },
          imagesPerSec: 900 + 100 * jitter(i + 3),
        });
        clock = createdAt + 2_000 + Math.round(40_000 + 8_000 * p.latent ** 0.5 + 5_000 * jitter(i + 11));
        store.runs.markFinished(run.id, 'completed', '');
        ids.push(run.id);
      }
    })();
  } finally {
    store.close();
  }
  return ids;
}
