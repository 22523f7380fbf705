// Reading and checking an export folder for import. Every check runs before anything is written:
// the manifest's shape and config, each listed file's size and checksum, each model against what
// its config builds (topology, weight names and shapes, a real load by plain tfjs), the CSVs and
// the PNGs. The first problem is reported as 'bad-data' naming the file. Runs in the export worker.

import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import type { ExperimentConfig } from '../../shared/config.ts';
import { withChannels } from '../../shared/image-grid.ts';
import type { EpochMetric, ImageGrid, ImageKind, StepMetric } from '../../shared/training.ts';
import { LABEL_INPUT } from '../engine/condition.ts';
import { encodeWeights } from '../engine/weights.ts';
import { CsvError, epochsFromCsv, evaluationsFromCsv, stepsFromCsv } from './csv.ts';
import { sha256 } from './folder.ts';
import { imageShapeProblem } from './image-shape.ts';
import { FILES, MANIFEST_FILE, REQUIRED_FILES, badData, checkManifest, type ExportManifest } from './manifest.ts';
import {
  expectedModelJson,
  loadPlainModel,
  weightsFromFile,
  WEIGHTS_FILE,
  type ModelJsonFile,
  type ModelPart,
} from './models.ts';
import { decodePng, pngInfo } from './png.ts';

/** A checked export, ready to be stored in one transaction by the main thread. */
export interface ImportPayload {
  manifest: ExportManifest;
  config: ExperimentConfig;
  steps: StepMetric[];
  epochs: EpochMetric[];
  /** From evaluations.csv, when the export has one. */
  evaluations: ReturnType<typeof evaluationsFromCsv>;
  images: { kind: ImageKind; epoch: number; step: number; grid: ImageGrid }[];
  /** Checkpoint blobs in the engine's weights format. */
  encoder: Uint8Array;
  decoder: Uint8Array;
}

/** The first place two JSON values differ, as a path, or null when they are equal. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (a === b) return null;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    return `${path || 'the top level'} is ${JSON.stringify(a)?.slice(0, 80)}, expected ${JSON.stringify(b)?.slice(0, 80)}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path} has ${a.length} entries, expected ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const key of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const d = firstDifference(ao[key], bo[key], path ? `${path}.${key}` : key);
    if (d) return d;
  }
  return null;
}

/** The app writes a manifest of a few KB; this leaves room for long notes and hand edits. */
const MAX_MANIFEST_BYTES = 1 << 20;

/** The paths a manifest may name: inside the folder, no way out of it. */
function safeRelative(path: string): boolean {
  if (path === '' || isAbsolute(path) || path.includes('\\') || path.includes('\0')) return false;
  const n = normalize(path);
  return n === path.split('/').join(sep) && !n.split(sep).includes('..');
}

/**
 * Reads one file of the export, refusing what would read outside it or more than it should: a
 * symbolic link that leads out of the folder (to /dev/zero, a FIFO, someone's key file), anything
 * but a regular file, and a file larger than `problems.larger` allows (checked before reading).
 */
async function readInside(
  root: string,
  path: string,
  problems: { missing: string; larger: (size: number) => string | null },
): Promise<Buffer> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw badData(path, problems.missing);
  }
  const rel = relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    throw badData(
      path,
      `is a symbolic link (or inside one) that leads out of the export folder, to ${real}; copy the file in instead`,
    );
  const info = await stat(real);
  if (!info.isFile()) throw badData(path, 'is not a regular file');
  const tooLarge = problems.larger(info.size);
  if (tooLarge !== null) throw badData(path, tooLarge);
  return readFile(real);
}

export async function readExport(dir: string): Promise<ImportPayload> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw badData(dir, 'not a folder (an export folder holds manifest.json)');
  const root = await realpath(dir);
  const at = (file: string) => join(dir, file);

  const manifestText = (
    await readInside(root, at(MANIFEST_FILE), {
      missing: 'missing: this is not an export folder, or it was only partly copied',
      larger: (size) =>
        size > MAX_MANIFEST_BYTES ? `has ${size} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest may have` : null,
    })
  ).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(manifestText);
  } catch (e) {
    throw badData(at(MANIFEST_FILE), `not valid JSON (${(e as Error).message})`);
  }
  const manifest = checkManifest(parsed, at(MANIFEST_FILE));
  const config = manifest.config;

  // Files: each listed one must be present and unchanged; the required ones must be listed.
  const contents = new Map<string, Uint8Array>();
  for (const f of manifest.files) {
    if (!safeRelative(f.path)) throw badData(at(MANIFEST_FILE), `lists "${f.path}", which is not a path inside the folder`);
    // Sized before it is read: a file larger than listed is refused without reading it.
    const bytes = await readInside(root, at(f.path), {
      missing: 'missing (listed in manifest.json)',
      larger: (size) =>
        size > f.bytes ? `has ${size} bytes, manifest.json says ${f.bytes} (changed, or not the listed file)` : null,
    });
    if (bytes.length !== f.bytes)
      throw badData(at(f.path), `has ${bytes.length} bytes, manifest.json says ${f.bytes} (truncated or changed)`);
    if (sha256(bytes) !== f.sha256)
      throw badData(at(f.path), 'checksum does not match manifest.json (the file was changed or damaged)');
    contents.set(f.path, bytes);
  }
  for (const path of REQUIRED_FILES) {
    if (!contents.has(path)) throw badData(at(MANIFEST_FILE), `does not list ${path}, which every export has`);
  }
  const text = (path: string) => new TextDecoder().decode(contents.get(path));

  const shapeProblem = imageShapeProblem(
    config,
    manifest.image ?? null,
    parseModelJson(at(FILES.encoderModel), text(FILES.encoderModel)),
  );
  if (shapeProblem)
    throw badData(at(shapeProblem.file === 'manifest' ? MANIFEST_FILE : FILES.encoderModel), shapeProblem.message);
  const blobs = {} as Record<ModelPart, Uint8Array>;
  for (const part of ['encoder', 'decoder'] as const) {
    const jsonPath = part === 'encoder' ? FILES.encoderModel : FILES.decoderModel;
    const weightsPath = part === 'encoder' ? FILES.encoderWeights : FILES.decoderWeights;
    const classes = manifest.conditional?.classes ?? 0;
    blobs[part] = await checkModel(
      part,
      at(jsonPath),
      text(jsonPath),
      at(weightsPath),
      contents.get(weightsPath)!,
      config,
      classes,
    );
  }

  const csv = <T>(path: string, parse: (t: string) => T): T => {
    try {
      return parse(text(path));
    } catch (e) {
      if (e instanceof CsvError) throw badData(at(path), e.message);
      throw e;
    }
  };
  const steps = csv(FILES.steps, stepsFromCsv);
  const epochs = csv(FILES.epochs, epochsFromCsv);
  const evaluations = contents.has(FILES.evaluations) ? csv(FILES.evaluations, evaluationsFromCsv) : [];

  const images: ImportPayload['images'] = [];
  for (const image of manifest.images) {
    const bytes = contents.get(image.path);
    if (!bytes) throw badData(at(MANIFEST_FILE), `images lists ${image.path}, but files does not`);
    const { rows, cols, height, width } = image;
    const channels = image.channels ?? 1;
    let png;
    try {
      // The size from IHDR first: a PNG that is not the listed grid is refused before it is inflated.
      const size = await pngInfo(bytes);
      if (size.width !== cols * width || size.height !== rows * height)
        throw new Error(
          `is ${size.width}x${size.height} pixels, manifest.json describes ${rows}x${cols} images of ${height}x${width}`,
        );
      if (size.channels !== channels)
        throw new Error(`has ${size.channels} channel${size.channels === 1 ? '' : 's'}, manifest.json describes ${channels}`);
      png = await decodePng(bytes);
    } catch (e) {
      throw badData(at(image.path), (e as Error).message);
    }
    // The latent grid is derived from the decoder and can be made again; the store keeps logged grids only.
    if (image.kind === 'latent-grid') continue;
    images.push({
      kind: image.kind,
      epoch: image.epoch,
      step: image.step,
      grid: withChannels({ rows, cols, height, width, pixels: png.pixels }, channels),
    });
  }

  return { manifest, config, steps, epochs, evaluations, images, encoder: blobs.encoder, decoder: blobs.decoder };
}

/** The width of a Layers topology's "label" input (a conditional VAE's class count), 0 without one. */
function labelInputWidth(topology: Record<string, unknown>): number {
  const layers = (topology.config as { layers?: unknown } | undefined)?.layers;
  if (!Array.isArray(layers)) return 0;
  for (const layer of layers as { class_name?: unknown; config?: { name?: unknown; batch_input_shape?: unknown } }[]) {
    if (layer?.class_name !== 'InputLayer' || layer.config?.name !== LABEL_INPUT) continue;
    const shape = layer.config.batch_input_shape;
    return Array.isArray(shape) && typeof shape[1] === 'number' ? shape[1] : -1;
  }
  return 0;
}

/** A model.json's text as a Layers model file, or a bad-data failure naming the file. */
function parseModelJson(jsonPath: string, jsonText: string): ModelJsonFile {
  let file: ModelJsonFile;
  try {
    file = JSON.parse(jsonText) as ModelJsonFile;
  } catch (e) {
    throw badData(jsonPath, `not valid JSON (${(e as Error).message})`);
  }
  if (
    !file ||
    typeof file !== 'object' ||
    file.format !== 'layers-model' ||
    !file.modelTopology ||
    !Array.isArray(file.weightsManifest)
  )
    throw badData(jsonPath, 'not a TensorFlow.js Layers model (needs format "layers-model", modelTopology and weightsManifest)');
  return file;
}

/** Checks one model file pair against its config; returns its weights as a checkpoint blob. */
async function checkModel(
  part: ModelPart,
  jsonPath: string,
  jsonText: string,
  weightsPath: string,
  weights: Uint8Array,
  config: ExperimentConfig,
  classes: number,
): Promise<Uint8Array> {
  const file = parseModelJson(jsonPath, jsonText);
  const labelWidth = labelInputWidth(file.modelTopology);
  if (labelWidth !== classes)
    throw badData(
      jsonPath,
      `the ${part} ${labelWidth > 0 ? `takes a one-hot label of ${labelWidth} classes` : 'takes no label'}, but manifest.json says ${classes > 0 ? `${classes} classes` : 'it is not conditional'}`,
    );
  const expected = await expectedModelJson(config, part, classes);
  const topology = firstDifference(file.modelTopology.config, expected.modelTopology.config, 'modelTopology.config');
  if (topology) throw badData(jsonPath, `the ${part} does not match what the manifest's config builds: ${topology}`);
  const paths = file.weightsManifest.flatMap((g) => g.paths);
  if (paths.length !== 1 || paths[0] !== WEIGHTS_FILE)
    throw badData(jsonPath, `weightsManifest must name one file, ${WEIGHTS_FILE}`);
  const specs = file.weightsManifest.flatMap((g) => g.weights);
  const expectedSpecs = expected.weightsManifest.flatMap((g) => g.weights);
  const specDiff = firstDifference(
    specs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })),
    expectedSpecs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })),
    'weightsManifest weights',
  );
  if (specDiff) throw badData(jsonPath, `the ${part}'s weights do not match what the config builds: ${specDiff}`);
  const needed = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.length !== needed)
    throw badData(weightsPath, `has ${weights.length} bytes, the weights in model.json need ${needed}`);
  const named = weightsFromFile(file, weights);
  for (const w of named) {
    const i = w.values.findIndex((v) => !Number.isFinite(v));
    if (i >= 0)
      throw badData(
        weightsPath,
        `weight ${w.name} [${i}] is ${w.values[i]}: a model with NaN or infinite weights cannot be imported (the run diverged, or the file is damaged)`,
      );
  }
  try {
    // What a user of the export would do: if plain tfjs cannot load it, it is not a good export.
    (await loadPlainModel(file, weights)).dispose();
  } catch (e) {
    throw badData(jsonPath, `TensorFlow.js cannot load it: ${(e as Error).message}`);
  }
  return encodeWeights(named);
}
