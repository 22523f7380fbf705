// Pure helpers for the image panels of Compare: which runs can share images or latent points, the
// points themselves, and reshaping image grids into rows. (Active dimensions: latent/active-dims.ts.)

import type { ExperimentConfig } from '../../../../shared/config.ts';
import { channelsOf } from '../../../../shared/data-split.ts';
import { manifoldPoints, priorDraw, type GridSpacing } from '../../../../shared/latent-math.ts';
import { makeRng } from '../../../../shared/random.ts';
import { gridChannels, withChannels } from '../../../../shared/image-grid.ts';
import type { ImageGrid } from '../../../../shared/training.ts';

export interface CompareMember {
  id: number;
  config: ExperimentConfig;
}

export interface Partition {
  /** Runs that can take part, in the order given. */
  included: number[];
  /** Runs left out, each with the reason to show. */
  skipped: { id: number; reason: string }[];
}

const describeImages = (data: ExperimentConfig['data']): string =>
  `${data.imageHeight}×${data.imageWidth}${channelsOf(data) === 3 ? ' RGB' : ''}`;

/** Runs whose images have the first run's size and channels: only they can encode the first run's images. */
export function sameImageSize(members: readonly CompareMember[]): Partition {
  const first = members[0];
  if (!first) return { included: [], skipped: [] };
  const { imageHeight: h, imageWidth: w } = first.config.data;
  const c = channelsOf(first.config.data);
  const out: Partition = { included: [], skipped: [] };
  for (const m of members) {
    const { imageHeight: mh, imageWidth: mw } = m.config.data;
    if (mh === h && mw === w && channelsOf(m.config.data) === c) out.included.push(m.id);
    else
      out.skipped.push({ id: m.id, reason: `${describeImages(m.config.data)} images, not ${describeImages(first.config.data)}` });
  }
  return out;
}

export interface LatentGroup {
  latentDim: number;
  runIds: number[];
}

/**
 * Runs grouped by latent size: one latent point means something to a decoder only if it has that
 * many dimensions. Largest group first; ties keep the order of the groups' first runs.
 */
export function groupByLatentDim(members: readonly CompareMember[]): LatentGroup[] {
  const groups: LatentGroup[] = [];
  for (const m of members) {
    const dim = m.config.model.latentDim;
    const group = groups.find((g) => g.latentDim === dim);
    if (group) group.runIds.push(m.id);
    else groups.push({ latentDim: dim, runIds: [m.id] });
  }
  return groups
    .map((g, order) => ({ g, order }))
    .sort((a, b) => b.g.runIds.length - a.g.runIds.length || a.order - b.order)
    .map((x) => x.g);
}

/** Flat row-major means (count × latentDim) as one array per image, the shape decodeLatents takes. */
export function meanRows(means: readonly number[], count: number, latentDim: number): number[][] {
  if (means.length !== count * latentDim) throw new RangeError(`expected ${count}×${latentDim} means, got ${means.length}`);
  return Array.from({ length: count }, (_, i) => means.slice(i * latentDim, (i + 1) * latentDim));
}

/** The same cells laid out as `rows` × `cols` (row-major, cell order kept); cells beyond the last are blank. */
export function regrid(grid: ImageGrid, rows: number, cols: number): ImageGrid {
  const { height: h, width: w } = grid;
  const channels = gridChannels(grid);
  const line = w * channels;
  const cells = grid.rows * grid.cols;
  const pixels = new Uint8Array(rows * cols * h * line);
  const srcStride = grid.cols * line;
  const dstStride = cols * line;
  for (let cell = 0; cell < Math.min(cells, rows * cols); cell++) {
    const sr = Math.floor(cell / grid.cols);
    const sc = cell % grid.cols;
    const dr = Math.floor(cell / cols);
    const dc = cell % cols;
    for (let y = 0; y < h; y++) {
      const src = (sr * h + y) * srcStride + sc * line;
      pixels.set(grid.pixels.subarray(src, src + line), (dr * h + y) * dstStride + dc * line);
    }
  }
  return withChannels({ rows, cols, height: h, width: w, pixels }, channels);
}

export type PointsSpec =
  | { kind: 'grid'; dims: [number, number]; size: number; range: number; spacing: GridSpacing }
  | { kind: 'prior'; seed: number; count: number };

/** The latent points every run of a group decodes: the same numbers for each, so the pictures compare. */
export function latentPoints(latentDim: number, spec: PointsSpec): number[][] {
  if (spec.kind === 'prior') return priorDraw(latentDim, spec.count, makeRng(spec.seed));
  return manifoldPoints(latentDim, spec.dims, spec.size, spec.range, spec.spacing);
}
