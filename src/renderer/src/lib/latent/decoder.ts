// The explorer's panels decode through this: latest-wins over decodeLatents for one run, with a
// failed call turned into a message for the panel instead of a rejected promise or a stale image.

import type { DecodedImages } from '../../../../shared/contract.ts';
import type { Result } from '../../../../shared/result.ts';
import { getClient } from '../client/index.ts';
import { LatestWins } from './latest-wins.ts';

export interface DecodeRequest {
  points: number[][];
  /** Cells per row of the returned grid. */
  cols: number;
  step: number;
  /** A conditional VAE's label for every point; absent for other runs. */
  label?: number;
}

/**
 * `runId` is read per call (a component's prop). `shown` gets each decoded grid with its request and when that was made; `problem` gets the
 * failure's message, or null once a decode succeeds again.
 */
export function latestDecoder<R extends DecodeRequest>(
  runId: () => number,
  shown: (value: DecodedImages, request: R, requestedAt: number) => void,
  problem: (message: string | null) => void,
): LatestWins<R, Result<DecodedImages>> {
  return new LatestWins<R, Result<DecodedImages>>({
    run: (r) =>
      getClient().decodeLatents({
        runId: runId(),
        step: r.step,
        points: r.points,
        cols: r.cols,
        ...(r.label !== undefined ? { label: r.label } : {}),
      }),
    done: (result, r, at) => {
      if (!result.ok) return problem(result.error.message);
      problem(null);
      shown(result.value, r, at);
    },
    failed: (e) => problem(e instanceof Error ? e.message : String(e)),
  });
}
