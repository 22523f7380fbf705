// What the interpolation strip decodes: a path between the means of two held-out images, and the
// pair it starts with, so the panel shows something useful before anyone picks.

import { lerpPath, slerpPath } from '../../../../shared/latent-math.ts';
import type { ImageGrid } from '../../../../shared/training.ts';

export type PathKind = 'lerp' | 'slerp';

/** One end of the strip: a held-out image and where the encoder puts it. */
export interface Endpoint {
  index: number;
  mean: number[];
  /** The original image, when the encoding carried images. */
  image: ImageGrid | null;
  label: number | null;
}

/** The mean of image `index` in a flat `count * latentDim` array. */
export function meanOf(means: readonly number[], latentDim: number, index: number): number[] {
  return means.slice(index * latentDim, (index + 1) * latentDim);
}

/** `frames` latent points from a to b inclusive, as plain arrays for decodeLatents. */
export function interpolationPoints(kind: PathKind, a: readonly number[], b: readonly number[], frames: number): number[][] {
  return (kind === 'slerp' ? slerpPath(a, b, frames) : lerpPath(a, b, frames)).map((z) => Array.from(z));
}

/**
 * A first pair to show: image 0 and the first image with another label (a digit turning into
 * another says more than two of the same); without labels, images 0 and 1. Null for fewer than two.
 */
export function defaultPair(labels: readonly number[] | null, count: number): [number, number] | null {
  if (count < 2) return null;
  const other = labels ? labels.findIndex((l) => l !== labels[0]) : -1;
  return [0, other > 0 ? other : 1];
}
