// Sorting, filtering and summarising run records for the runs table.

import type { ExperimentConfig } from '../../../shared/config.ts';
import { LIVE_STATUSES, type RunRecord } from '../../../shared/training.ts';

export type RunSortKey =
  | 'id'
  | 'status'
  | 'name'
  | 'preset'
  | 'latent'
  | 'architecture'
  | 'likelihood'
  | 'learningRate'
  | 'batchSize'
  | 'epochs'
  | 'heldOut'
  | 'duration'
  | 'backend'
  | 'createdAt';
export type SortDirection = 'asc' | 'desc';

export function isLive(run: RunRecord): boolean {
  return LIVE_STATUSES.includes(run.status);
}

/** Time spent training so far; a live run's clock is still running. */
export function runDuration(run: RunRecord, now: number): number | null {
  if (run.startedAt === null) return null;
  const end = run.finishedAt ?? (isLive(run) ? now : null);
  return end === null ? null : Math.max(0, end - run.startedAt);
}

function layers(kind: string, hidden: number[]): string {
  return kind === 'mlp' ? `mlp ${hidden.join('-')}` : kind;
}

export function encoderSummary(config: ExperimentConfig): string {
  return layers(config.model.encoder, config.model.encoderHidden);
}

export function decoderSummary(config: ExperimentConfig): string {
  const m = config.model;
  return m.decoder === 'deconv' ? `deconv ${m.deconvChannels.join('-')}` : layers(m.decoder, m.decoderHidden);
}

/** "mlp 512-256 → deconv 32-16": what a reader needs to tell two models apart. */
export function architecture(config: ExperimentConfig): string {
  return `${encoderSummary(config)} → ${decoderSummary(config)}`;
}

export function finalHeldOut(run: RunRecord): number | null {
  return run.finalHeldOut?.total ?? null;
}

type SortValue = number | string | null;

function sortValue(run: RunRecord, key: RunSortKey, now: number): SortValue {
  switch (key) {
    case 'id':
      return run.id;
    case 'status':
      return run.status;
    case 'name':
      return run.name.toLowerCase();
    case 'preset':
      return run.preset;
    case 'latent':
      return run.config.model.latentDim;
    case 'architecture':
      return architecture(run.config);
    case 'likelihood':
      return run.config.loss.likelihood;
    case 'learningRate':
      return run.config.optim.learningRate;
    case 'batchSize':
      return run.config.optim.batchSize;
    case 'epochs':
      return run.config.optim.epochs;
    case 'heldOut': {
      const v = finalHeldOut(run);
      return v === null || Number.isNaN(v) ? null : v;
    }
    case 'duration':
      return runDuration(run, now);
    case 'backend':
      return run.backend || null;
    case 'createdAt':
      return run.createdAt;
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** Missing values (no loss yet, never started) go last whichever way the column is sorted. */
export function sortRuns(runs: readonly RunRecord[], key: RunSortKey, direction: SortDirection, now = Date.now()): RunRecord[] {
  const sign = direction === 'asc' ? 1 : -1;
  return runs
    .map((run) => ({ run, value: sortValue(run, key, now) }))
    .sort((a, b) => {
      if (a.value === null || b.value === null) {
        if (a.value === b.value) return b.run.id - a.run.id;
        return a.value === null ? 1 : -1;
      }
      return sign * compareValues(a.value, b.value) || b.run.id - a.run.id;
    })
    .map((x) => x.run);
}

/** Tags typed as "a, b c" become ["a", "b c"]: commas separate, blanks and repeats are dropped. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}
