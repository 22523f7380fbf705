// A model in one line ("mlp 512-256 → deconv 32-16"), for the Runs table's model column, which the
// table sorts by in the renderer and the server sorts by for the table's first screenful.

import type { ExperimentConfig } from './config.ts';

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
