// Smooth images made in memory, for timing training without an image folder on disk (the step
// timer, the benchmarks): their content does not matter to a step's cost, only their size.

import type { DataConfig } from '../../shared/config.ts';
import type { Dataset } from './dataset.ts';

/** `count` images of the config's height, width and channels, each a different phase of one pattern. */
export function syntheticDataset(data: Pick<DataConfig, 'imageHeight' | 'imageWidth' | 'channels'>, count: number): Dataset {
  const { imageHeight: h, imageWidth: w } = data;
  const c = data.channels === 3 ? 3 : 1;
  const images = new Float32Array(count * h * w * c);
  let i = 0;
  for (let n = 0; n < count; n++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) images[i++] = 0.5 + 0.5 * Math.sin((x + 2 * y) / (3 + k) + n);
  return {
    name: `synthetic ${w}x${h}${c === 3 ? ' RGB' : ''}`,
    fingerprint: '',
    count,
    height: h,
    width: w,
    channels: c,
    images,
    labels: null,
  };
}
