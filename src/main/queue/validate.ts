// Everything a worker sends back is untrusted input, like a renderer's payloads
// (src/shared/contract-validate.ts): a worker on another machine may run another version of the
// project, a buggy build, or be someone else's process with the queue's password. Each row read
// from the results tables is checked for shape, types and ranges here before the coordinator writes
// anything of it to the store; a bad one fails its trial with a message naming the field.

import type { EvaluationResult } from '../../shared/evaluation.ts';
import { AppFailure } from '../../shared/result.ts';
import type { BackendName, EpochMetric, ImageGrid, ImageKind, LossParts, StepMetric } from '../../shared/training.ts';
import type { FinalMetrics } from '../runs/protocol.ts';
import { TRIAL_STATUSES, type TrialStatus } from './protocol.ts';

type Obj = Record<string, unknown>;

export class PayloadError extends AppFailure {
  constructor(where: string, message: string) {
    super({ code: 'bad-data', message: `a worker sent a bad ${where}: ${message}` });
  }
}

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new PayloadError(where, 'expected an object');
  return v;
}

function count(o: Obj, key: string, where: string, max = 2 ** 31 - 1): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max)
    throw new PayloadError(where, `${key} must be a whole number from 0 to ${max}`);
  return v;
}

function finite(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PayloadError(where, `${key} must be a finite number`);
  return v;
}

/** A loss value: JSON carries a diverged (NaN) loss as null. */
function lossValue(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (v === null) return Number.NaN;
  if (typeof v !== 'number') throw new PayloadError(where, `${key} must be a number or null`);
  return v;
}

function text(o: Obj, key: string, where: string, maxLength: number): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length > maxLength)
    throw new PayloadError(where, `${key} must be text of at most ${maxLength} characters`);
  return v;
}

function loss(v: unknown, where: string): LossParts {
  const o = obj(v, where);
  return { recon: lossValue(o, 'recon', where), kl: lossValue(o, 'kl', where), total: lossValue(o, 'total', where) };
}

export function stepPayload(v: unknown, step: number, where = 'step'): StepMetric {
  const o = obj(v, where);
  if (o.step !== step) throw new PayloadError(where, `step ${String(o.step)} is stored under step ${step}`);
  const metric: StepMetric = {
    step,
    epoch: count(o, 'epoch', where),
    loss: loss(o.loss, `${where}.loss`),
    imagesPerSec: finite(o, 'imagesPerSec', where),
    wallMs: finite(o, 'wallMs', where),
  };
  if (o.controls !== undefined) {
    const c = obj(o.controls, `${where}.controls`);
    metric.controls = {
      objective: lossValue(c, 'objective', `${where}.controls`),
      beta: lossValue(c, 'beta', `${where}.controls`),
      learningRate: finite(c, 'learningRate', `${where}.controls`),
    };
  }
  return metric;
}

export function epochPayload(v: unknown, epoch: number, where = 'epoch'): EpochMetric {
  const o = obj(v, where);
  if (o.epoch !== epoch) throw new PayloadError(where, `epoch ${String(o.epoch)} is stored under epoch ${epoch}`);
  return {
    epoch,
    step: count(o, 'step', where),
    train: loss(o.train, `${where}.train`),
    heldOut: o.heldOut === null ? null : loss(o.heldOut, `${where}.heldOut`),
    imagesPerSec: finite(o, 'imagesPerSec', where),
    wallMs: finite(o, 'wallMs', where),
  };
}

const KINDS: readonly ImageKind[] = ['reconstruction', 'samples'];

export function imagePayload(
  kind: unknown,
  gridJson: unknown,
  pixels: unknown,
  where = 'image',
): { kind: ImageKind; grid: ImageGrid } {
  if (!KINDS.includes(kind as ImageKind)) throw new PayloadError(where, `kind must be ${KINDS.join(' or ')}`);
  const g = obj(gridJson, where);
  const rows = count(g, 'rows', where, 64);
  const cols = count(g, 'cols', where, 64);
  const height = count(g, 'height', where, 1024);
  const width = count(g, 'width', where, 1024);
  const channels = g.channels === undefined ? 1 : g.channels;
  if (channels !== 1 && channels !== 3) throw new PayloadError(where, 'channels must be 1 or 3');
  if (!(pixels instanceof Uint8Array) || pixels.length !== rows * cols * height * width * channels)
    throw new PayloadError(where, `pixels must be ${rows * cols * height * width * channels} bytes`);
  const grid: ImageGrid = { rows, cols, height, width, pixels: new Uint8Array(pixels) };
  if (channels === 3) grid.channels = 3;
  return { kind: kind as ImageKind, grid };
}

export function checkpointPayload(
  row: { step: number; epoch: number; encoder: unknown; decoder: unknown; optimizer: unknown; state: unknown },
  where = 'checkpoint',
): { encoder: Uint8Array; decoder: Uint8Array; optimizer: Uint8Array; state: Obj } {
  const state = obj(row.state, `${where}.state`);
  if (count(state, 'step', where) !== row.step || count(state, 'epoch', where) !== row.epoch)
    throw new PayloadError(where, `its state's step and epoch differ from the row's (${row.step}, ${row.epoch})`);
  count(state, 'stepInEpoch', where);
  const blob = (v: unknown, key: string) => {
    if (!(v instanceof Uint8Array) || (key !== 'optimizer' && v.length === 0))
      throw new PayloadError(where, `${key} must be non-empty bytes`);
    return new Uint8Array(v);
  };
  return {
    encoder: blob(row.encoder, 'encoder'),
    decoder: blob(row.decoder, 'decoder'),
    optimizer: blob(row.optimizer, 'optimizer'),
    state,
  };
}

export function finalPayload(v: unknown, where = 'final metrics'): FinalMetrics {
  const o = obj(v, where);
  return {
    train: o.train === null ? null : loss(o.train, `${where}.train`),
    heldOut: o.heldOut === null ? null : loss(o.heldOut, `${where}.heldOut`),
    imagesPerSec: finite(o, 'imagesPerSec', where),
  };
}

const EVAL_NUMBERS = ['nll', 'nllStdErr', 'bitsPerDim', 'negElbo', 'mutualInfo', 'durationMs'] as const;
const EVAL_COUNTS = ['checkpointStep', 'k', 'images', 'activeUnits', 'latentDim', 'seed'] as const;

export function evaluationPayload(v: unknown, where = 'evaluation'): EvaluationResult {
  const o = obj(v, where);
  for (const key of EVAL_NUMBERS) finite(o, key, where);
  for (const key of EVAL_COUNTS) count(o, key, where);
  text(o, 'backend', where, 100);
  text(o, 'split', where, 20);
  text(o, 'binarization', where, 20);
  return o as unknown as EvaluationResult;
}

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface TrialRow {
  status: TrialStatus;
  message: string;
  attempt: number;
  resumedFrom: number;
  workerName: string | null;
  workerHost: string | null;
  backend: BackendName | null;
  backendNote: string;
  totalSteps: number | null;
  datasetName: string;
  datasetFingerprint: string;
  final: FinalMetrics | null;
  evaluation: EvaluationResult | null;
}

export function trialRow(r: Obj, where = 'trial'): TrialRow {
  if (!TRIAL_STATUSES.includes(r.status as TrialStatus))
    throw new PayloadError(where, `status must be one of ${TRIAL_STATUSES.join(', ')}`);
  if (r.backend !== null && !BACKENDS.includes(r.backend as BackendName))
    throw new PayloadError(where, `backend must be one of ${BACKENDS.join(', ')}`);
  const optionalText = (key: string, max: number) => (r[key] === null ? null : text(r, key, where, max));
  return {
    status: r.status as TrialStatus,
    message: text(r, 'message', where, 10_000),
    attempt: count(r, 'attempt', where),
    resumedFrom: count(r, 'resumed_from', where),
    workerName: optionalText('worker_name', 200),
    workerHost: optionalText('worker_host', 255),
    backend: r.backend as BackendName | null,
    backendNote: optionalText('backend_note', 2000) ?? '',
    totalSteps: r.total_steps === null ? null : count(r, 'total_steps', where),
    datasetName: optionalText('dataset_name', 1000) ?? '',
    datasetFingerprint: optionalText('dataset_fingerprint', 200) ?? '',
    final: r.final === null ? null : finalPayload(r.final),
    evaluation: r.evaluation === null ? null : evaluationPayload(r.evaluation),
  };
}
