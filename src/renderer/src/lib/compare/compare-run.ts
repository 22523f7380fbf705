// What every Compare panel is handed about each run: its record (always current, from the runs
// store), its palette slot, and its logged history once loaded.

import type { RunHistory } from '../../../../shared/contract.ts';
import type { RunRecord } from '../../../../shared/training.ts';
import type { Loadable } from './keyed-loader.ts';

export interface CompareRun {
  id: number;
  run: RunRecord;
  slot: number;
  /** The run's history (getRunHistories, history-batch.ts); refetched when its status or epoch changes. */
  detail: Loadable<RunHistory>;
}

/** The newest checkpoint's step, or null before the first: what a run's latent panels depend on. */
export function latestCheckpoint(detail: RunHistory | null): number | null {
  const last = detail?.checkpoints[detail.checkpoints.length - 1];
  return last ? last.step : null;
}

/** A conditional VAE's class count (its newest checkpoint's), 0 for other runs or before a checkpoint. */
export function conditionClasses(r: CompareRun): number {
  if (r.detail.state !== 'ready') return 0;
  return r.detail.value.checkpoints.at(-1)?.classes ?? 0;
}

/** Whether a run has weights for the image panels yet, and if not, what to say instead. */
export type ModelReadiness = { ready: true; step: number } | { ready: false; message: string; error: boolean };

export function modelReadiness(r: CompareRun): ModelReadiness {
  if (r.detail.state === 'loading') return { ready: false, message: 'Loading…', error: false };
  if (r.detail.state === 'error') return { ready: false, message: `Could not load the run: ${r.detail.message}`, error: true };
  const step = latestCheckpoint(r.detail.value);
  if (step !== null) return { ready: true, step };
  const message =
    r.run.status === 'queued'
      ? 'Queued: it has no weights until it trains.'
      : r.run.status === 'running' || r.run.status === 'paused'
        ? 'No checkpoint yet: the first is saved at the end of epoch 1.'
        : 'No checkpoint: the run stopped before saving weights.';
  return { ready: false, message, error: false };
}

/** Runs grouped by shared settings, as Compare's panels take them: one colour per group. */
export interface CompareGroup {
  id: string;
  /** "Latent size 8, β 4": the grouping settings and their values. */
  label: string;
  slot: number;
  runs: CompareRun[];
}
