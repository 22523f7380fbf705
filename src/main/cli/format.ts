// Text output of the CLI: the progress line, durations, loss summaries and the runs table.

import type { LossParts, RunRecord } from '../../shared/training.ts';

/**
 * C0 controls and DEL, C1 controls (8-bit CSI, OSC... that some terminals obey), and the bidirectional
 * marks, overrides and isolates that reorder what a line appears to say.
 */
function unsafe(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const NAMED = new Map([
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
]);

/**
 * Stored text (run names, notes, tags, messages that echo input) made safe to print: every control
 * character is written as an escape, so a run named "\x1b]0;pwned\x07" shows those characters
 * instead of retitling the terminal.
 */
export function terminalText(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (!unsafe(code)) out += c;
    else out += NAMED.get(code) ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`);
  }
  return out;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export function lossText(loss: LossParts | null): string {
  if (!loss) return '-';
  return `${loss.total.toFixed(2)} (recon ${loss.recon.toFixed(2)}, KL ${loss.kl.toFixed(2)})`;
}

export interface Progress {
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: LossParts;
  imagesPerSec: number;
  etaSeconds: number;
}

export function progressLine(p: Progress, width = 24): string {
  const fraction = p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
  const filled = Math.round(fraction * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return (
    `epoch ${p.epoch}/${p.epochs} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
    `step ${p.step}/${p.totalSteps}  loss ${p.loss.total.toFixed(2)} (recon ${p.loss.recon.toFixed(2)}, KL ${p.loss.kl.toFixed(2)})  ` +
    `${Math.round(p.imagesPerSec)} img/s  ETA ${duration(p.etaSeconds)}`
  );
}

function runDuration(run: RunRecord): string {
  if (run.startedAt === null) return '-';
  return duration(((run.finishedAt ?? Date.now()) - run.startedAt) / 1000);
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function runsTable(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'No runs yet. Start one with: npm run train -- --preset quick';
  const header = ['ID', 'STATUS', 'NAME', 'PRESET', 'HELD-OUT -ELBO', 'IMG/S', 'DURATION', 'BACKEND', 'CREATED'];
  const rows = runs.map((r) => [
    String(r.id),
    r.status,
    clip(terminalText(r.name), 32),
    terminalText(r.preset),
    r.finalHeldOut ? r.finalHeldOut.total.toFixed(2) : '-',
    r.imagesPerSec ? String(Math.round(r.imagesPerSec)) : '-',
    runDuration(r),
    terminalText(r.backend) || '-',
    new Date(r.createdAt).toISOString().slice(0, 16).replace('T', ' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function runDetails(run: RunRecord): string {
  const c = run.config;
  const t = terminalText;
  const lines = [
    `Run ${run.id}: ${t(run.name)}`,
    `  status      ${run.status}${run.statusMessage ? ` (${t(run.statusMessage)})` : ''}`,
    `  preset      ${t(run.preset)}`,
    `  data        ${t(run.datasetName) || '-'}${run.datasetFingerprint ? ` [${t(run.datasetFingerprint.slice(0, 12))}]` : ''}` +
      `${c.data.labels.length ? `, labels ${c.data.labels.join(',')}` : ''}`,
    `  model       encoder ${c.model.encoder}, decoder ${c.model.decoder}, latent ${c.model.latentDim}, sigma ${c.model.sigma}`,
    `  loss        ${c.loss.likelihood}, K ${c.loss.samples}, beta ${c.loss.beta}`,
    `  optimiser   ${c.optim.optimizer} lr ${c.optim.learningRate}, batch ${c.optim.batchSize}, ${c.optim.epochs} epochs, seed ${c.run.seed}`,
    `  backend     ${t(run.backend) || '-'}`,
    `  progress    step ${run.step}/${run.totalSteps}, epoch ${run.epoch}`,
    `  train       ${lossText(run.finalTrain)}`,
    `  held-out    ${lossText(run.finalHeldOut)}`,
    `  throughput  ${run.imagesPerSec ? `${Math.round(run.imagesPerSec)} images/s` : '-'}`,
    `  duration    ${runDuration(run)}`,
    `  created     ${new Date(run.createdAt).toISOString()}`,
  ];
  if (run.sweepId !== null)
    lines.push(
      `  sweep       ${run.sweepId}, run ${(run.sweepIndex ?? 0) + 1} of it (npm run runs -- list --sweep ${run.sweepId})`,
    );
  if (run.tags.length) lines.push(`  tags        ${run.tags.map(t).join(', ')}`);
  if (run.notes) lines.push(`  notes       ${t(run.notes)}`);
  return lines.join('\n');
}
