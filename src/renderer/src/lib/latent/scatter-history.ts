// The scatter's memory across checkpoints: one encoding of the same held-out images per checkpoint
// step, their projections (computed once per step, mode and dimension pair), and axes that cover
// every loaded checkpoint, so scrubbing through epochs moves the points and not the frame.

import type { LatentEncoding } from '../../../../shared/contract.ts';
import { projectOnDims, projectOnPca, type Projection, type ProjectionMode } from './projection.ts';
import { extentOf, padExtent, unionExtent, type Extent } from './scatter-geometry.ts';

export interface ProjectionKey {
  mode: ProjectionMode;
  /** The pair plotted in 'dims' mode (ignored for 'pca'). */
  dims: readonly [number, number];
}

const keyOf = (step: number, key: ProjectionKey) =>
  key.mode === 'pca' ? `${step}|pca` : `${step}|${key.dims[0]},${key.dims[1]}`;

export class ScatterHistory {
  private readonly encodings = new Map<number, LatentEncoding>();
  private readonly projections = new Map<string, Projection>();

  has(step: number): boolean {
    return this.encodings.has(step);
  }

  get(step: number): LatentEncoding | undefined {
    return this.encodings.get(step);
  }

  /** Loaded steps, ascending. */
  steps(): number[] {
    return [...this.encodings.keys()].sort((a, b) => a - b);
  }

  add(encoding: LatentEncoding): void {
    this.forgetProjections(encoding.step);
    this.encodings.set(encoding.step, encoding);
  }

  /** Drops checkpoints that no longer exist (a live run replaces its mid-epoch checkpoint). */
  retain(steps: readonly number[]): void {
    const keep = new Set(steps);
    for (const step of [...this.encodings.keys()]) {
      if (keep.has(step)) continue;
      this.encodings.delete(step);
      this.forgetProjections(step);
    }
  }

  private forgetProjections(step: number): void {
    for (const k of [...this.projections.keys()]) if (k.startsWith(`${step}|`)) this.projections.delete(k);
  }

  projection(step: number, key: ProjectionKey): Projection | null {
    const cached = this.projections.get(keyOf(step, key));
    if (cached) return cached;
    const enc = this.encodings.get(step);
    if (!enc) return null;
    const projection: Projection =
      key.mode === 'pca' && enc.latentDim > 1
        ? projectOnPca(enc.means, enc.count, enc.latentDim, this.pcaReference(step, enc.count))
        : {
            mode: 'dims',
            n: enc.count,
            xy: projectOnDims(enc.means, enc.count, enc.latentDim, key.dims),
            pca: null,
            explained: null,
            dims: [key.dims[0], key.dims[1]],
          };
    this.projections.set(keyOf(step, key), projection);
    return projection;
  }

  /**
   * The PCA picture of the nearest checkpoint (by step) already projected, for sign alignment:
   * visiting checkpoints in order then chains each one to its neighbour.
   */
  private pcaReference(step: number, count: number): Float64Array | null {
    let best: Projection | null = null;
    let bestDistance = Infinity;
    for (const [k, p] of this.projections) {
      if (!k.endsWith('|pca') || p.n !== count) continue;
      const distance = Math.abs(Number(k.slice(0, k.indexOf('|'))) - step);
      if (distance < bestDistance) {
        best = p;
        bestDistance = distance;
      }
    }
    return best?.xy ?? null;
  }

  /** Padded bounds over every loaded checkpoint's projection: the axes stay still across epochs. */
  extent(key: ProjectionKey): Extent | null {
    let all: Extent | null = null;
    for (const step of this.steps()) {
      const p = this.projection(step, key);
      if (p) all = unionExtent(all, extentOf(p.xy, p.n));
    }
    return all && padExtent(all);
  }
}
