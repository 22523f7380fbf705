// The PyTorch side of `npm run bench`: starts bench/torch_vae.py under Debian's python3 (when torch
// imports there), checks every reply it sends, and holds the issue's targets. Parsing is by hand
// (no schema library in the project): four small reply shapes, each field checked with its name.

import { fileURLToPath } from 'node:url';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { channelsOf } from '../src/shared/data-split.ts';
import { LineChild } from './line-child.ts';

export const DEFAULT_PYTHON = '/usr/bin/python3';
export const TORCH_SCRIPT = fileURLToPath(new URL('./torch_vae.py', import.meta.url));

export interface TorchHello {
  torch: string;
  /** The BLAS libraries mapped into the process, and torch's build-time BLAS_INFO. */
  blas: { loaded: string[]; built: string };
  cores: number;
}
export interface TorchMeasure {
  threads: number;
  steps: number;
  seconds: number;
  imagesPerSec: number;
  /** Process CPU time over wall time. */
  coresBusy: number;
}

/** The reply object of one line, or an error naming the op and what is wrong. */
function replyOf(line: string, op: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error(`torch_vae.py ${op}: reply is not JSON: ${line.slice(0, 120)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`torch_vae.py ${op}: reply is not an object: ${line.slice(0, 120)}`);
  const reply = value as Record<string, unknown>;
  if (reply.ok !== true) throw new Error(`torch_vae.py ${op}: ${typeof reply.error === 'string' ? reply.error : 'failed'}`);
  return reply;
}

function positive(reply: Record<string, unknown>, field: string, op: string): number {
  const v = reply[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new Error(`torch_vae.py ${op}: field "${field}" must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

export function parseHello(line: string): TorchHello {
  const r = replyOf(line, 'hello');
  if (typeof r.torch !== 'string') throw new Error('torch_vae.py hello: field "torch" must be a version string');
  const blas = r.blas as { loaded?: unknown; built?: unknown } | undefined;
  if (!blas || !Array.isArray(blas.loaded) || !blas.loaded.every((x) => typeof x === 'string') || typeof blas.built !== 'string')
    throw new Error('torch_vae.py hello: field "blas" must be { loaded: string[], built: string }');
  return { torch: r.torch, blas: { loaded: blas.loaded as string[], built: blas.built }, cores: positive(r, 'cores', 'hello') };
}

export function parseBuild(line: string): number {
  const params = positive(replyOf(line, 'build'), 'params', 'build');
  if (!Number.isInteger(params)) throw new Error(`torch_vae.py build: field "params" must be an integer, got ${params}`);
  return params;
}

export function parseMeasure(line: string): TorchMeasure {
  const r = replyOf(line, 'measure');
  return {
    threads: positive(r, 'threads', 'measure'),
    steps: positive(r, 'steps', 'measure'),
    seconds: positive(r, 'seconds', 'measure'),
    imagesPerSec: positive(r, 'imagesPerSec', 'measure'),
    coresBusy: positive(r, 'coresBusy', 'measure'),
  };
}

export function parseMatmul(line: string): { gflops: number; coresBusy: number } {
  const r = replyOf(line, 'matmul');
  return { gflops: positive(r, 'gflops', 'matmul'), coresBusy: positive(r, 'coresBusy', 'matmul') };
}

/** A one-line account of the BLAS torch runs on, flagging the slow reference one. */
export function blasNote(h: TorchHello): string {
  const names = h.blas.loaded.map((p) => p.split('/').pop() ?? p);
  const optimized = names.some((n) => /openblas|mkl|blis/i.test(n));
  const what = names.length > 0 ? names.join(', ') : 'no BLAS library mapped';
  return `${what}${optimized ? '' : ' (NOT an optimized BLAS: apt-get install libopenblas0-pthread)'}${h.blas.built ? `; built with ${h.blas.built}` : ''}`;
}

/** What torch_vae.py needs to build the same model as src/main/engine/model.ts. */
export function torchSpec(c: ExperimentConfig): Record<string, unknown> {
  const m = c.model;
  return {
    encoder: m.encoder,
    decoder: m.decoder,
    height: c.data.imageHeight,
    width: c.data.imageWidth,
    channels: channelsOf(c.data),
    latentDim: m.latentDim,
    encoderHidden: m.encoderHidden,
    decoderHidden: m.decoderHidden,
    convChannels: m.convChannels,
    deconvChannels: m.deconvChannels,
    sigma: m.sigma,
    likelihood: c.loss.likelihood,
    samples: c.loss.samples,
    learningRate: c.optim.learningRate,
    batchSize: c.optim.batchSize,
  };
}

export type TorchStart = { available: true; child: LineChild; hello: TorchHello } | { available: false; note: string };

/**
 * Starts torch_vae.py under `python` with OPENBLAS_NUM_THREADS=1 (torch's own threads do the
 * parallel work; a second pool inside the BLAS would oversubscribe). Never throws: when python or
 * torch is missing the answer says so, and the bench skips the comparison with that note.
 */
export async function startTorch(python = DEFAULT_PYTHON, script = TORCH_SCRIPT): Promise<TorchStart> {
  const child = new LineChild(python, [script], { ...process.env, OPENBLAS_NUM_THREADS: '1' });
  try {
    const hello = parseHello(await child.request({ op: 'hello' }));
    return { available: true, child, hello };
  } catch (e) {
    child.close();
    return {
      available: false,
      note: `PyTorch comparison skipped: ${python}: ${(e as Error).message} (install: apt-get install python3-torch libopenblas0-pthread)`,
    };
  }
}

/** The issue's targets: ours / torch images/s at least this, ours at its best thread count against torch at all cores. */
export const TORCH_TARGETS: Record<string, number> = { 'seed-conv b64': 1.0, 'mlp b128': 1.0, 'seed-conv b1': 1.5 };

export function verdict(caseName: string, ratio: number): string {
  const target = TORCH_TARGETS[caseName];
  if (target === undefined) return 'reported (no target)';
  return `>= ${target.toFixed(1)}x: ${ratio >= target ? 'met' : 'NOT met'}`;
}
