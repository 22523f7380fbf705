// manifest.json: what an export folder holds and where it came from. It is written last, with a
// checksum of every other file, so an import can refuse a folder that was damaged, edited or only
// partly copied before it writes anything.

import { parseManifestImage, type ExportImageShape } from './image-shape.ts';
import type { EvaluationRecord } from '../../shared/evaluation.ts';
import type { ExperimentConfig } from '../../shared/config.ts';
import { RUN_TEXT_LIMITS } from '../../shared/contract-validate.ts';
import { AppFailure } from '../../shared/result.ts';
import type { ImageKind, LossParts, RunStatus } from '../../shared/training.ts';
import { RUN_STATUSES } from '../../shared/training.ts';
import { validateConfig } from '../../shared/validate.ts';
import { isConditional, MAX_CLASSES } from '../engine/condition.ts';

export const MANIFEST_FILE = 'manifest.json';
export const FORMAT_NAME = 'vae-workbench-run';
export const FORMAT_VERSION = 1;

export const FILES = {
  encoderModel: 'encoder/model.json',
  encoderWeights: 'encoder/weights.bin',
  decoderModel: 'decoder/model.json',
  decoderWeights: 'decoder/weights.bin',
  steps: 'metrics-steps.csv',
  epochs: 'metrics-epochs.csv',
  reconstruction: 'reconstructions.png',
  samples: 'samples.png',
  latentGrid: 'latent-grid.png',
  evaluations: 'evaluations.csv',
} as const;

/** Files every export has; images are optional (a run may have logged none). */
export const REQUIRED_FILES: readonly string[] = [
  FILES.encoderModel,
  FILES.encoderWeights,
  FILES.decoderModel,
  FILES.decoderWeights,
  FILES.steps,
  FILES.epochs,
];

/** JSON has no NaN: a diverged loss part is written as null. */
export interface JsonLoss {
  recon: number | null;
  kl: number | null;
  total: number | null;
}

export interface ManifestImage {
  path: string;
  kind: ImageKind | 'latent-grid';
  /** Step and completed epochs when a logged grid was made; for the latent grid, the checkpoint's. */
  step: number;
  epoch: number;
  rows: number;
  cols: number;
  height: number;
  width: number;
  /** 1: an 8-bit grayscale PNG; 3: 8-bit RGB. Absent in exports made before colour: 1. */
  channels?: 1 | 3;
  /** The latent grid's range on both axes: z1 grows left to right, z2 bottom to top. */
  range?: [number, number];
}

export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface ExportManifest {
  format: typeof FORMAT_NAME;
  formatVersion: number;
  appVersion: string;
  exportedAt: string;
  run: {
    id: number;
    name: string;
    preset: string;
    status: RunStatus;
    statusMessage: string;
    notes: string;
    tags: string[];
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    step: number;
    epoch: number;
    totalSteps: number;
  };
  config: ExperimentConfig;
  metrics: {
    train: JsonLoss | null;
    heldOut: JsonLoss | null;
    imagesPerSec: number | null;
    durationSeconds: number | null;
  };
  dataset: { name: string; fingerprint: string };
  backend: string;
  checkpoint: { step: number; epoch: number; atEpochEnd: boolean };
  models: Record<'encoder' | 'decoder', { path: string; input: string; output: string }>;
  /** The images both models take and produce, [N, height, width, channels]; absent in exports made before colour. */
  image?: ExportImageShape;
  images: ManifestImage[];
  files: ManifestFile[];
  /**
   * The run's headline NLL_k evaluation (see evaluations.csv for all of them), written from app
   * versions that evaluate; absent before, and not read back by an import.
   */
  evaluation?: EvaluationRecord | null;
  /**
   * A conditional VAE's conditioning: on the one-hot label of `classes` classes, which both models
   * take as their second input "label". Null (or absent, before conditioning existed): none.
   */
  conditional: { on: 'label'; classes: number } | null;
}

export const lossToJson = (l: LossParts | null): JsonLoss | null =>
  l === null ? null : { recon: finiteOrNull(l.recon), kl: finiteOrNull(l.kl), total: finiteOrNull(l.total) };
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
export const lossFromJson = (l: JsonLoss | null): LossParts | null =>
  l === null ? null : { recon: l.recon ?? Number.NaN, kl: l.kl ?? Number.NaN, total: l.total ?? Number.NaN };

/**
 * Bounds on what a manifest may list and say. An export lists 9 files and 3 images; the texts are
 * capped as an edit in the app caps them (RUN_TEXT_LIMITS), or at what the app itself writes.
 */
export const MANIFEST_LIMITS = {
  files: 64,
  images: 16,
  /** Bytes per listed file: far above the largest model the config limits allow (~400 MB of weights). */
  fileBytes: 1024 ** 3,
  /** Other texts: status message, preset, data set name, backend, versions. */
  text: 4096,
} as const;

export function badData(file: string, problem: string): AppFailure {
  return new AppFailure({ code: 'bad-data', message: `${file}: ${problem}` });
}

/**
 * Checks a parsed manifest's shape and returns it typed, with its config completed and validated.
 * `where` names the file in messages.
 */
export function checkManifest(value: unknown, where: string): ExportManifest {
  const fail = (problem: string): never => {
    throw badData(where, problem);
  };
  const obj = (v: unknown, at: string): Record<string, unknown> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${at} must be an object`);
  const str = (o: Record<string, unknown>, key: string, at: string, max: number = MANIFEST_LIMITS.text): string => {
    const v = o[key];
    if (typeof v !== 'string') return fail(`${at}${key} must be text`);
    if (v.length > max) return fail(`${at}${key} has ${v.length} characters, more than the ${max} allowed`);
    return v;
  };
  /** Each entry's `key` must differ from every other's: a second entry for one file could smuggle in other content. */
  const unique = <T>(list: T[], key: keyof T & string, at: string): void => {
    const seen = new Map<unknown, number>();
    list.forEach((entry, i) => {
      const first = seen.get(entry[key]);
      if (first !== undefined) fail(`${at}[${i}] repeats ${at}[${first}]: ${key} ${JSON.stringify(entry[key])} is listed twice`);
      seen.set(entry[key], i);
    });
  };
  const list = (v: unknown, at: string, max: number): unknown[] => {
    if (!Array.isArray(v)) return fail(`${at} must be a list`);
    if (v.length > max) return fail(`${at} lists ${v.length} entries, more than the ${max} an export has room for`);
    return v;
  };
  const int = (o: Record<string, unknown>, key: string, at: string): number => {
    const v = o[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fail(`${at}${key} must be a whole number`);
  };
  const numOrNull = (o: Record<string, unknown>, key: string, at: string): number | null => {
    const v = o[key];
    return v === null || (typeof v === 'number' && Number.isFinite(v)) ? v : fail(`${at}${key} must be a number or null`);
  };
  const date = (o: Record<string, unknown>, key: string, nullable: boolean): string | null => {
    const v = o[key];
    if (v === null && nullable) return null;
    return typeof v === 'string' && !Number.isNaN(Date.parse(v))
      ? v
      : fail(`run.${key} must be an ISO date${nullable ? ' or null' : ''}`);
  };
  const loss = (v: unknown, at: string): JsonLoss | null => {
    if (v === null) return null;
    const o = obj(v, at);
    return { recon: numOrNull(o, 'recon', `${at}.`), kl: numOrNull(o, 'kl', `${at}.`), total: numOrNull(o, 'total', `${at}.`) };
  };

  const m = obj(value, 'the manifest');
  if (m.format !== FORMAT_NAME)
    fail(`format is ${JSON.stringify(m.format)}, expected "${FORMAT_NAME}" (not a VAE Workbench run export)`);
  if (m.formatVersion !== FORMAT_VERSION)
    fail(`formatVersion ${JSON.stringify(m.formatVersion)} is not supported (this app reads version ${FORMAT_VERSION})`);

  const run = obj(m.run, 'run');
  const status = str(run, 'status', 'run.');
  if (!RUN_STATUSES.includes(status as RunStatus)) fail(`run.status "${status}" is not a run status`);
  const L = RUN_TEXT_LIMITS;
  const tags = run.tags;
  if (!Array.isArray(tags) || tags.length > L.tags || tags.some((t) => typeof t !== 'string' || t.length > L.tagLength))
    fail(`run.tags must be a list of at most ${L.tags} texts of at most ${L.tagLength} characters`);
  const name = str(run, 'name', 'run.', L.name);
  if (name.trim() === '') fail(`run.name must be 1 to ${L.name} characters`);

  const checked = validateConfig(m.config);
  if (!checked.ok) fail(`config: ${checked.error.message}`);
  const config = (checked as { ok: true; value: ExperimentConfig }).value;

  const parsedImage = parseManifestImage(m.image);
  const image = typeof parsedImage === 'string' ? fail(parsedImage) : parsedImage;

  const metrics = obj(m.metrics, 'metrics');
  const dataset = obj(m.dataset, 'dataset');
  const checkpoint = obj(m.checkpoint, 'checkpoint');
  if (typeof checkpoint.atEpochEnd !== 'boolean') fail('checkpoint.atEpochEnd must be true or false');

  const images = list(m.images, 'images', MANIFEST_LIMITS.images).map((v, i): ManifestImage => {
    const o = obj(v, `images[${i}]`);
    const at = `images[${i}].`;
    const kind = o.kind;
    if (kind !== 'reconstruction' && kind !== 'samples' && kind !== 'latent-grid')
      fail(`${at}kind must be reconstruction, samples or latent-grid`);
    const dims = { rows: int(o, 'rows', at), cols: int(o, 'cols', at), height: int(o, 'height', at), width: int(o, 'width', at) };
    if (Object.values(dims).some((d) => d < 1)) fail(`${at}rows, cols, height and width must be at least 1`);
    if (o.channels !== undefined && o.channels !== 1 && o.channels !== 3) fail(`${at}channels must be 1 or 3`);
    return {
      path: str(o, 'path', at),
      kind: kind as ManifestImage['kind'],
      step: int(o, 'step', at),
      epoch: int(o, 'epoch', at),
      ...dims,
      ...(o.channels === undefined ? {} : { channels: o.channels as 1 | 3 }),
    };
  });

  unique(images, 'path', 'images');
  unique(images, 'kind', 'images');

  const files = list(m.files, 'files', MANIFEST_LIMITS.files).map((v, i): ManifestFile => {
    const o = obj(v, `files[${i}]`);
    const at = `files[${i}].`;
    const sha256 = str(o, 'sha256', at);
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${at}sha256 must be 64 lowercase hex digits`);
    const bytes = int(o, 'bytes', at);
    if (bytes > MANIFEST_LIMITS.fileBytes)
      fail(`${at}bytes is ${bytes}, more than the ${MANIFEST_LIMITS.fileBytes} a file of an export may have`);
    return { path: str(o, 'path', at), bytes, sha256 };
  });
  unique(files, 'path', 'files');
  const conditional = checkConditional(m.conditional, config, fail);

  return {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    appVersion: str(m, 'appVersion', ''),
    exportedAt: str(m, 'exportedAt', ''),
    run: {
      id: int(run, 'id', 'run.'),
      name,
      preset: str(run, 'preset', 'run.'),
      status: status as RunStatus,
      statusMessage: str(run, 'statusMessage', 'run.'),
      notes: str(run, 'notes', 'run.', L.notes),
      tags: tags as string[],
      createdAt: date(run, 'createdAt', false)!,
      startedAt: date(run, 'startedAt', true),
      finishedAt: date(run, 'finishedAt', true),
      step: int(run, 'step', 'run.'),
      epoch: int(run, 'epoch', 'run.'),
      totalSteps: int(run, 'totalSteps', 'run.'),
    },
    config,
    metrics: {
      train: loss(metrics.train, 'metrics.train'),
      heldOut: loss(metrics.heldOut, 'metrics.heldOut'),
      imagesPerSec: numOrNull(metrics, 'imagesPerSec', 'metrics.'),
      durationSeconds: numOrNull(metrics, 'durationSeconds', 'metrics.'),
    },
    dataset: { name: str(dataset, 'name', 'dataset.'), fingerprint: str(dataset, 'fingerprint', 'dataset.') },
    backend: str(m, 'backend', ''),
    checkpoint: {
      step: int(checkpoint, 'step', 'checkpoint.'),
      epoch: int(checkpoint, 'epoch', 'checkpoint.'),
      atEpochEnd: checkpoint.atEpochEnd as boolean,
    },
    models: m.models as ExportManifest['models'],
    ...(image ? { image } : {}),
    images,
    files,
    conditional,
  };
}

/** The manifest's `conditional`, which must agree with its config's model.conditional. */
function checkConditional(
  value: unknown,
  config: ExperimentConfig,
  fail: (problem: string) => never,
): ExportManifest['conditional'] {
  const wanted = isConditional(config.model);
  if (value === undefined || value === null) {
    if (wanted)
      fail('config.model.conditional is "label", but conditional is missing: the class count of the label input is unknown');
    return null;
  }
  const o = value as Record<string, unknown>;
  const classes = o.classes;
  if (
    typeof value !== 'object' ||
    o.on !== 'label' ||
    typeof classes !== 'number' ||
    !Number.isInteger(classes) ||
    classes < 1 ||
    classes > MAX_CLASSES
  )
    fail(`conditional must be null or { "on": "label", "classes": 1 to ${MAX_CLASSES} }`);
  if (!wanted)
    fail(`conditional says the models take a label of ${String(classes)} classes, but config.model.conditional is "none"`);
  return { on: 'label', classes };
}
