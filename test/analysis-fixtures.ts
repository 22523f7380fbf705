// Synthetic runs for the analysis tests (unit and end to end): a grid over latent size, β and seed
// whose held-out metrics depend strongly on β, a little on the latent size and not at all on the
// seed (beyond a small, seeded wobble), so "which settings matter" has a known answer.
import type { LossParts, RunRecord } from '../src/shared/training.ts';
import { presetConfig } from './helpers.ts';
import { runRecord } from './run-record.ts';

export interface SyntheticPoint {
  latent: number;
  beta: number;
  seed: number;
}

export function syntheticHeldOut({ latent, beta, seed }: SyntheticPoint): LossParts {
  const wobble = (((seed * 7919 + latent * 31 + Math.round(beta * 100)) % 13) - 6) / 20;
  // Rate falls as β rises; distortion rises with β and falls a little with more latent dimensions.
  const kl = (12 + Math.log2(latent)) / Math.sqrt(beta);
  const recon = 70 + 14 * Math.log2(beta) - 1.5 * Math.log2(latent) + wobble;
  return { kl, recon, total: kl + recon };
}

/** 5 β × 3 latent sizes × 2 seeds = 30 points. */
export function syntheticGrid(): SyntheticPoint[] {
  const out: SyntheticPoint[] = [];
  for (const latent of [4, 16, 64])
    for (const beta of [0.25, 0.5, 1, 2, 4]) for (const seed of [1, 2]) out.push({ latent, beta, seed });
  return out;
}

export function pointConfig(p: SyntheticPoint) {
  return presetConfig('quick', { 'model.latentDim': p.latent, 'loss.beta': p.beta, 'run.seed': p.seed });
}

export function pointName(p: SyntheticPoint): string {
  return `z${p.latent} β${p.beta} seed${p.seed}`;
}

/** A finished run record in memory (no store), for unit tests. */
export function syntheticRun(id: number, p: SyntheticPoint, heldOut: LossParts | null = syntheticHeldOut(p)): RunRecord {
  return runRecord({
    id,
    name: pointName(p),
    config: pointConfig(p),
    backend: 'cpu',
    createdAt: 0,
    startedAt: 0,
    finishedAt: 1000,
    datasetFingerprint: '',
    step: 10,
    epoch: 1,
    totalSteps: 10,
    finalTrain: heldOut,
    finalHeldOut: heldOut,
    imagesPerSec: 100,
  });
}
