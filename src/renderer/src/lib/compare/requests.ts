// The latent-model calls behind Compare's image panels, each one run's share of a panel. They take
// the client as an argument, so tests can answer them without a backend.

import type { WorkbenchClient } from '../../../../shared/contract.ts';
import { ok, type Result } from '../../../../shared/result.ts';
import type { ImageGrid } from '../../../../shared/training.ts';
import { meanRows, regrid } from './latent.ts';

export type LatentClient = Pick<WorkbenchClient, 'encodeImages' | 'decodeLatents'>;

export interface Reconstruction {
  /** The source images as one row, when this run was asked for them. */
  originals: ImageGrid | null;
  /** This run's reconstructions of them, one row in the same order. */
  reconstructions: ImageGrid;
  epoch: number;
  /** Which split of the source run the images came from. */
  split: 'held-out' | 'train';
}

/**
 * Run `runId` encodes the first `count` images of run `sourceRunId` and decodes the posterior
 * means: its reconstruction of the very images every other run reconstructs.
 */
export async function reconstruct(
  client: LatentClient,
  runId: number,
  step: number,
  sourceRunId: number,
  count: number,
  includeImages: boolean,
): Promise<Result<Reconstruction>> {
  const encoded = await client.encodeImages({ runId, step, count, sourceRunId, includeImages });
  if (!encoded.ok) return encoded;
  const e = encoded.value;
  if (e.count === 0) return { ok: false, error: { code: 'not-found', message: `run ${sourceRunId} has no images to show` } };
  const decoded = await client.decodeLatents({ runId, step, points: meanRows(e.means, e.count, e.latentDim), cols: e.count });
  if (!decoded.ok) return decoded;
  return ok({
    originals: e.images ? regrid(e.images, 1, e.count) : null,
    reconstructions: decoded.value.grid,
    epoch: e.epoch,
    split: e.source,
  });
}

export interface KlProfile {
  klPerDim: number[];
  /** Images the average is over (fewer than asked when the run held out fewer). */
  count: number;
  epoch: number;
}

/** Per-dimension KL of a run's encoder over its own first `count` held-out images. */
export async function klProfile(client: LatentClient, runId: number, step: number, count: number): Promise<Result<KlProfile>> {
  const encoded = await client.encodeImages({ runId, step, count });
  if (!encoded.ok) return encoded;
  return ok({ klPerDim: encoded.value.klPerDim, count: encoded.value.count, epoch: encoded.value.epoch });
}
