// Metrics as CSV: one header row, one row per step or epoch. Numbers are written in JavaScript's
// shortest round-trip form so an import reads back exactly what was logged; a diverged loss is
// written as NaN, and an epoch without held-out data leaves those three cells empty.

import type { EvaluationRecord, EvaluationResult } from '../../shared/evaluation.ts';
import type { EpochMetric, LossParts, StepMetric } from '../../shared/training.ts';

/** Before the training controls, steps had no objective, beta and learning_rate: such exports still import. */
const LEGACY_STEP_COLUMNS = ['step', 'epoch', 'recon', 'kl', 'total', 'images_per_sec', 'wall_ms'] as const;
/** A step without controls (logged before they existed) leaves the last three cells empty. */
export const STEP_COLUMNS = [...LEGACY_STEP_COLUMNS, 'objective', 'beta', 'learning_rate'] as const;
export const EPOCH_COLUMNS = [
  'epoch',
  'step',
  'train_recon',
  'train_kl',
  'train_total',
  'held_out_recon',
  'held_out_kl',
  'held_out_total',
  'images_per_sec',
  'wall_ms',
] as const;

const num = (v: number): string => (Number.isNaN(v) ? 'NaN' : String(v));
const loss = (l: LossParts | null): string[] => (l === null ? ['', '', ''] : [num(l.recon), num(l.kl), num(l.total)]);

function table(header: readonly string[], rows: string[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}

export function stepsToCsv(steps: readonly StepMetric[]): string {
  return table(
    STEP_COLUMNS,
    steps.map((m) => [
      String(m.step),
      String(m.epoch),
      ...loss(m.loss),
      num(m.imagesPerSec),
      num(m.wallMs),
      ...(m.controls ? [num(m.controls.objective), num(m.controls.beta), num(m.controls.learningRate)] : ['', '', '']),
    ]),
  );
}

export function epochsToCsv(epochs: readonly EpochMetric[]): string {
  return table(
    EPOCH_COLUMNS,
    epochs.map((m) => [
      String(m.epoch),
      String(m.step),
      ...loss(m.train),
      ...loss(m.heldOut),
      num(m.imagesPerSec),
      num(m.wallMs),
    ]),
  );
}

export const EVALUATION_COLUMNS = [
  'checkpoint_step',
  'k',
  'images',
  'split',
  'binarization',
  'nll',
  'nll_std_err',
  'bits_per_dim',
  'neg_elbo',
  'active_units',
  'latent_dim',
  'mutual_info',
  'seed',
  'backend',
  'duration_ms',
  'created_at',
] as const;

/** Every NLL_k evaluation of the run, oldest first; created_at in ISO 8601. */
export function evaluationsToCsv(evaluations: readonly EvaluationRecord[]): string {
  return table(
    EVALUATION_COLUMNS,
    evaluations.map((e) => [
      String(e.checkpointStep),
      String(e.k),
      String(e.images),
      e.split,
      e.binarization,
      num(e.nll),
      num(e.nllStdErr),
      num(e.bitsPerDim),
      num(e.negElbo),
      String(e.activeUnits),
      String(e.latentDim),
      num(e.mutualInfo),
      String(e.seed),
      e.backend,
      num(e.durationMs),
      new Date(e.createdAt).toISOString(),
    ]),
  );
}

/** A CSV problem with the (1-based) line it was found on; the caller adds the file name. */
export class CsvError extends Error {}

function rowsOf(text: string, header: readonly string[]): string[][] {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0 || lines[0] !== header.join(','))
    throw new CsvError(`line 1: expected the header "${header.join(',')}"`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length)
      throw new CsvError(`line ${i + 2}: expected ${header.length} values, found ${cells.length}`);
    return cells;
  });
}

function parser(cells: string[], line: number, header: readonly string[]) {
  const value = (i: number): number => {
    const cell = cells[i] ?? '';
    const v = cell === 'NaN' ? Number.NaN : cell.trim() === '' ? Number.NaN : Number(cell);
    if (cell !== 'NaN' && !Number.isFinite(v)) throw new CsvError(`line ${line}: ${header[i]} is not a number ("${cell}")`);
    return v;
  };
  const count = (i: number): number => {
    const v = value(i);
    if (!Number.isInteger(v) || v < 0)
      throw new CsvError(`line ${line}: ${header[i]} must be a whole number, found "${cells[i]}"`);
    return v;
  };
  const parts = (i: number): LossParts => ({ recon: value(i), kl: value(i + 1), total: value(i + 2) });
  return { value, count, parts };
}

export function stepsFromCsv(text: string): StepMetric[] {
  const legacy = text.startsWith(`${LEGACY_STEP_COLUMNS.join(',')}\n`) || text.startsWith(`${LEGACY_STEP_COLUMNS.join(',')}\r\n`);
  const header = legacy ? LEGACY_STEP_COLUMNS : STEP_COLUMNS;
  return rowsOf(text, header).map((cells, i) => {
    const p = parser(cells, i + 2, header);
    const step: StepMetric = {
      step: p.count(0),
      epoch: p.count(1),
      loss: p.parts(2),
      imagesPerSec: p.value(5),
      wallMs: p.value(6),
    };
    // The rate is always finite when a step logged its controls, so an empty rate means none were.
    if (!legacy && cells[9] !== '') step.controls = { objective: p.value(7), beta: p.value(8), learningRate: p.value(9) };
    return step;
  });
}

export function epochsFromCsv(text: string): EpochMetric[] {
  return rowsOf(text, EPOCH_COLUMNS).map((cells, i) => {
    const p = parser(cells, i + 2, EPOCH_COLUMNS);
    const heldOutAbsent = cells.slice(5, 8).every((c) => c === '');
    return {
      epoch: p.count(0),
      step: p.count(1),
      train: p.parts(2),
      heldOut: heldOutAbsent ? null : p.parts(5),
      imagesPerSec: p.value(8),
      wallMs: p.value(9),
    };
  });
}

const SPLITS = ['held-out', 'train', 'test'] as const;
const BINARIZATIONS = ['none', 'dynamic', 'static'] as const;

/** evaluations.csv back to records (without ids: the importing store numbers them). */
export function evaluationsFromCsv(text: string): (EvaluationResult & { createdAt: number })[] {
  return rowsOf(text, EVALUATION_COLUMNS).map((cells, i) => {
    const line = i + 2;
    const p = parser(cells, line, EVALUATION_COLUMNS);
    const split = SPLITS.find((v) => v === cells[3]);
    const binarization = BINARIZATIONS.find((v) => v === cells[4]);
    if (!split) throw new CsvError(`line ${line}: split must be one of ${SPLITS.join(', ')}, found "${cells[3]}"`);
    if (!binarization)
      throw new CsvError(`line ${line}: binarization must be one of ${BINARIZATIONS.join(', ')}, found "${cells[4]}"`);
    const k = p.count(1);
    const images = p.count(2);
    if (k < 1 || images < 1) throw new CsvError(`line ${line}: k and images must be at least 1`);
    const createdAt = Date.parse(cells[15] ?? '');
    if (!Number.isFinite(createdAt)) throw new CsvError(`line ${line}: created_at is not a date ("${cells[15]}")`);
    return {
      checkpointStep: p.count(0),
      k,
      images,
      split,
      binarization,
      nll: p.value(5),
      nllStdErr: p.value(6),
      bitsPerDim: p.value(7),
      negElbo: p.value(8),
      activeUnits: p.count(9),
      latentDim: p.count(10),
      mutualInfo: p.value(11),
      seed: p.count(12),
      backend: cells[13] ?? '',
      durationMs: p.value(14),
      createdAt,
    };
  });
}
