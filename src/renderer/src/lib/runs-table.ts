// Summaries of run records for the runs table and the form (sorting and columns: run-columns.ts).

import type { ExperimentConfig } from '../../../shared/config.ts';
import { LIVE_STATUSES, type RunRecord } from '../../../shared/training.ts';

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
  const m = config.model;
  return m.encoder === 'conv' ? `conv ${m.convChannels.join('-')}` : layers(m.encoder, m.encoderHidden);
}

export function decoderSummary(config: ExperimentConfig): string {
  const m = config.model;
  return m.decoder === 'deconv' ? `deconv ${m.deconvChannels.join('-')}` : layers(m.decoder, m.decoderHidden);
}

/** "mlp 512-256 → deconv 32-16": what a reader needs to tell two models apart. */
export function architecture(config: ExperimentConfig): string {
  return `${encoderSummary(config)} → ${decoderSummary(config)}`;
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
