// Turns what the store holds about a run into the files of an export folder. Runs in the export
// worker: building and saving the models is tensor work, kept off the main thread.

import { imageShapeOfConfig, manifestModels } from './image-shape.ts';
import * as tf from '@tensorflow/tfjs';
import { gridChannels } from '../../shared/image-grid.ts';
import type { EvaluationRecord } from '../../shared/evaluation.ts';
import type { ImageGrid, ImageKind, RunRecord, EpochMetric, StepMetric } from '../../shared/training.ts';
import { classesOfDecoderWeights } from '../engine/condition.ts';
import { imageGrid } from '../engine/grid.ts';
import { decodeWeights } from '../engine/weights.ts';
import { readTensors } from '../engine/read-tensor.ts';
import { epochsToCsv, evaluationsToCsv, stepsToCsv } from './csv.ts';
import { writeFolderAtomically, sha256 } from './folder.ts';
import {
  FILES,
  FORMAT_NAME,
  FORMAT_VERSION,
  MANIFEST_FILE,
  lossToJson,
  type ExportManifest,
  type ManifestFile,
  type ManifestImage,
} from './manifest.ts';
import { loadExportModel, saveModel, MODEL_PARTS } from './models.ts';
import { encodePng, gridToImage } from './png.ts';

/** Everything an export needs, read from the store by the main thread and cloned to the worker. */
export interface ExportInput {
  target: string;
  appVersion: string;
  exportedAt: number;
  run: RunRecord;
  steps: StepMetric[];
  epochs: EpochMetric[];
  /** Every NLL_k evaluation of the run, oldest first (absent: none). */
  evaluations?: EvaluationRecord[];
  /** The latest logged grid of each kind. */
  images: { kind: ImageKind; epoch: number; step: number; grid: ImageGrid }[];
  checkpoint: { step: number; epoch: number; atEpochEnd: boolean; encoder: Uint8Array; decoder: Uint8Array };
}

export interface ExportResult {
  dir: string;
  /** Relative paths, manifest.json last. */
  files: string[];
}

export const LATENT_GRID_SIZE = 20;
export const LATENT_GRID_RANGE: [number, number] = [-3, 3];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Kingma and Welling's manifold figure: decoded means over an evenly spaced grid of the 2-D latent space. */
function latentGrid(decoder: tf.LayersModel, height: number, width: number): ImageGrid {
  // The decoder's output is [N, H, W, C]: a colour model's grid is in colour.
  const channels = decoder.outputs[0]?.shape[3] === 3 ? 3 : 1;
  const n = LATENT_GRID_SIZE;
  const [lo, hi] = LATENT_GRID_RANGE;
  const at = (i: number) => lo + ((hi - lo) * i) / (n - 1);
  const z = new Float32Array(n * n * 2);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      // Row 0 is the top of the picture, so z2 runs from hi down to lo, as on a plot's y axis.
      z[(r * n + c) * 2] = at(c);
      z[(r * n + c) * 2 + 1] = at(n - 1 - r);
    }
  }
  const [pixels] = readTensors(() => [decoder.apply(tf.tensor2d(z, [n * n, 2]), { training: false }) as tf.Tensor]);
  const size = height * width * channels;
  const images = Array.from({ length: n * n }, (_, i) => pixels.subarray(i * size, (i + 1) * size));
  return imageGrid(images, n, n, height, width, channels);
}

export async function buildExportFiles(input: ExportInput): Promise<Map<string, Uint8Array>> {
  const { run, checkpoint } = input;
  const config = run.config;
  const files = new Map<string, Uint8Array>();
  const images: ManifestImage[] = [];
  const classes = classesOfDecoderWeights(decodeWeights(checkpoint.decoder), config.model);

  for (const part of MODEL_PARTS) {
    const model = loadExportModel(config, part, checkpoint[part], classes);
    try {
      const saved = await saveModel(model);
      files.set(part === 'encoder' ? FILES.encoderModel : FILES.decoderModel, utf8(saved.modelJson));
      files.set(part === 'encoder' ? FILES.encoderWeights : FILES.decoderWeights, saved.weights);
      // A conditional decoder's manifold differs per class: the latent explorer shows it for any label.
      if (part === 'decoder' && config.model.latentDim === 2 && classes === 0) {
        const grid = latentGrid(model, config.data.imageHeight, config.data.imageWidth);
        files.set(FILES.latentGrid, await encodePng(gridToImage(grid)));
        const { rows, cols, height, width } = grid;
        const channels = gridChannels(grid);
        images.push({
          path: FILES.latentGrid,
          kind: 'latent-grid',
          step: checkpoint.step,
          epoch: checkpoint.epoch,
          rows,
          cols,
          height,
          width,
          channels,
          range: LATENT_GRID_RANGE,
        });
      }
    } finally {
      model.dispose();
    }
  }

  files.set(FILES.steps, utf8(stepsToCsv(input.steps)));
  files.set(FILES.epochs, utf8(epochsToCsv(input.epochs)));
  if (input.evaluations?.length) files.set(FILES.evaluations, utf8(evaluationsToCsv(input.evaluations)));
  for (const image of input.images) {
    const path = image.kind === 'reconstruction' ? FILES.reconstruction : FILES.samples;
    files.set(path, await encodePng(gridToImage(image.grid)));
    const { rows, cols, height, width } = image.grid;
    const channels = gridChannels(image.grid);
    images.push({ path, kind: image.kind, step: image.step, epoch: image.epoch, rows, cols, height, width, channels });
  }

  const listed: ManifestFile[] = [...files].map(([path, bytes]) => ({ path, bytes: bytes.length, sha256: sha256(bytes) }));
  const withLabels = classes > 0 ? ` and one-hot labels "label" [N,${classes}]` : '';
  const manifest: ExportManifest = {
    format: FORMAT_NAME,
    formatVersion: FORMAT_VERSION,
    appVersion: input.appVersion,
    exportedAt: new Date(input.exportedAt).toISOString(),
    run: {
      id: run.id,
      name: run.name,
      preset: run.preset,
      status: run.status,
      statusMessage: run.statusMessage,
      notes: run.notes,
      tags: run.tags,
      createdAt: iso(run.createdAt)!,
      startedAt: iso(run.startedAt),
      finishedAt: iso(run.finishedAt),
      step: run.step,
      epoch: run.epoch,
      totalSteps: run.totalSteps,
    },
    config,
    metrics: {
      train: lossToJson(run.finalTrain),
      heldOut: lossToJson(run.finalHeldOut),
      imagesPerSec: run.imagesPerSec,
      durationSeconds: run.startedAt !== null && run.finishedAt !== null ? (run.finishedAt - run.startedAt) / 1000 : null,
    },
    dataset: { name: run.datasetName, fingerprint: run.datasetFingerprint },
    backend: run.backend,
    checkpoint: { step: checkpoint.step, epoch: checkpoint.epoch, atEpochEnd: checkpoint.atEpochEnd },
    models: manifestModels(config, { encoder: FILES.encoderModel, decoder: FILES.decoderModel }, withLabels),
    image: imageShapeOfConfig(config),
    images,
    files: listed,
    evaluation: run.evaluation,
    conditional: classes > 0 ? { on: 'label', classes } : null,
  };
  files.set(MANIFEST_FILE, utf8(`${JSON.stringify(manifest, null, 2)}\n`));
  return files;
}

export async function writeExport(input: ExportInput): Promise<ExportResult> {
  const files = await buildExportFiles(input);
  const dir = await writeFolderAtomically(input.target, files);
  return { dir, files: [...files.keys()] };
}
