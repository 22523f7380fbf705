// The one place that knows how a `runs` row maps to a RunRecord and back.

import type { ExperimentConfig } from '../../shared/config.ts';
import { LOSS_CONTROL_DEFAULTS, OPTIM_CONTROL_DEFAULTS } from '../../shared/presets.ts';
import type { LossParts, ProcessKind, RunRecord, RunStatus } from '../../shared/training.ts';

export interface RunRow {
  id: number;
  name: string;
  preset: string;
  config: string;
  status: RunStatus;
  status_message: string;
  backend: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  dataset_name: string;
  dataset_fingerprint: string;
  notes: string;
  tags: string;
  owner_pid: number | null;
  /** Filled by trigger from the processes table (migration 003). */
  owner_kind: ProcessKind | null;
  heartbeat_at: number | null;
  step: number;
  epoch: number;
  total_steps: number;
  train_recon: number | null;
  train_kl: number | null;
  train_total: number | null;
  held_out_recon: number | null;
  held_out_kl: number | null;
  held_out_total: number | null;
  images_per_sec: number | null;
  /** Migration 004. */
  sweep_id: number | null;
  sweep_index: number | null;
  /** Migration 009: the queue worker that trained it; NULL when it trained on this machine. */
  worker_name: string | null;
  worker_host: string | null;
}

/** SQLite turns NaN into NULL; a loss that diverged must come back as NaN, not as a missing value. */
export const nanFromNull = (v: number | null): number => (v === null ? Number.NaN : v);

/**
 * Loss parts stored in three nullable columns. The whole triple is absent only when every part is NULL;
 * a single NULL among numbers is a NaN that was logged.
 */
export function lossFromColumns(recon: number | null, kl: number | null, total: number | null): LossParts | null {
  if (recon === null && kl === null && total === null) return null;
  return { recon: nanFromNull(recon), kl: nanFromNull(kl), total: nanFromNull(total) };
}

export function lossToColumns(loss: LossParts | null): [number | null, number | null, number | null] {
  return loss === null ? [null, null, null] : [loss.recon, loss.kl, loss.total];
}

/**
 * A stored config. Runs stored before the training controls existed lack their settings; those are
 * read as the defaults they trained with, so such a run shows, compares and filters like a new one
 * with the controls off (and resumes as it trained).
 */
export function parseStoredConfig(json: string): ExperimentConfig {
  const config = JSON.parse(json) as ExperimentConfig;
  const section = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (section(config.loss)) config.loss = { ...LOSS_CONTROL_DEFAULTS, ...config.loss };
  if (section(config.optim)) config.optim = { ...OPTIM_CONTROL_DEFAULTS, ...config.optim };
  return config;
}

export function toRunRecord(row: RunRow): RunRecord {
  return toRunRecordWith(row, parseStoredConfig(row.config));
}

/** Every column of `runs` except config, for listing with configs parsed once (config-cache.ts). */
export const RUN_COLUMNS_BUT_CONFIG = [
  'id',
  'name',
  'preset',
  'status',
  'status_message',
  'backend',
  'created_at',
  'started_at',
  'finished_at',
  'dataset_name',
  'dataset_fingerprint',
  'notes',
  'tags',
  'owner_pid',
  'owner_kind',
  'heartbeat_at',
  'step',
  'epoch',
  'total_steps',
  'train_recon',
  'train_kl',
  'train_total',
  'held_out_recon',
  'held_out_kl',
  'held_out_total',
  'images_per_sec',
  'sweep_id',
  'sweep_index',
  'worker_name',
  'worker_host',
] as const satisfies readonly Exclude<keyof RunRow, 'config'>[];

export function toRunRecordWith(row: Omit<RunRow, 'config'>, config: ExperimentConfig): RunRecord {
  return {
    id: row.id,
    name: row.name,
    preset: row.preset,
    config,
    status: row.status,
    statusMessage: row.status_message,
    backend: row.backend,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    datasetName: row.dataset_name,
    datasetFingerprint: row.dataset_fingerprint,
    notes: row.notes,
    tags: JSON.parse(row.tags) as string[],
    step: row.step,
    epoch: row.epoch,
    totalSteps: row.total_steps,
    finalTrain: lossFromColumns(row.train_recon, row.train_kl, row.train_total),
    finalHeldOut: lossFromColumns(row.held_out_recon, row.held_out_kl, row.held_out_total),
    imagesPerSec: row.images_per_sec,
    owner: row.owner_pid === null ? null : { pid: row.owner_pid, kind: row.owner_kind ?? null },
    sweepId: row.sweep_id,
    sweepIndex: row.sweep_id === null ? null : row.sweep_index,
    evaluation: null,
    worker: row.worker_name === null ? null : { name: row.worker_name, host: row.worker_host ?? '' },
  };
}

/** Tags are a set of short labels: trimmed, non-empty, first spelling kept. */
export function normaliseTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const t of tags) {
    const tag = t.trim();
    if (tag !== '') seen.add(tag);
  }
  return [...seen];
}
