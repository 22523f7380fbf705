// The exported encoder and decoder in the TensorFlow.js Layers format (model.json + weights.bin),
// built from stock layers only so plain `tf.loadLayersModel` reads them with nothing registered.
// The decoder gets a final sigmoid: the training decoder outputs logits (the loss wants them), but
// someone loading the file wants pixels. Sampling stays out of both graphs: the encoder returns the
// mean and the sigma head, and the caller draws z however it likes.

import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../shared/config.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from '../engine/model.ts';
import { decodeWeights, writeModelWeights, type NamedWeight } from '../engine/weights.ts';

export type ModelPart = 'encoder' | 'decoder';
export const MODEL_PARTS: readonly ModelPart[] = ['encoder', 'decoder'];
export const WEIGHTS_FILE = 'weights.bin';

export interface SavedModel {
  /** The model.json text. */
  modelJson: string;
  weights: Uint8Array;
}

/** What model.json holds, as far as this module reads it. */
export interface ModelJsonFile {
  format: string;
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

/**
 * The model as it is exported, with fresh (unloaded) weights. The run seed only seeds the
 * initialisers, which the checkpoint's weights then replace; it is passed so the initialiser
 * configs written into model.json are the ones training used. `classes`: a conditional VAE's class
 * count, its label input's width (0: not conditioned).
 */
export function buildExportModel(config: ExperimentConfig, part: ModelPart, classes: number): tf.LayersModel {
  const image = imageShapeOf(config.data);
  if (part === 'encoder') return buildEncoder(config.model, image, config.run.seed, { classes });
  const logits = buildDecoder(config.model, image, config.run.seed, { exportable: true, classes });
  const [output] = logits.outputs;
  if (!output) throw new Error('buildExportModel: the decoder has no output');
  const pixels = tf.layers.activation({ activation: 'sigmoid', name: 'pixels' }).apply(output) as tf.SymbolicTensor;
  return tf.model({ inputs: logits.inputs, outputs: pixels, name: 'decoder' });
}

/** The export model of `part` with a checkpoint blob's weights loaded (the sigmoid adds none). */
export function loadExportModel(config: ExperimentConfig, part: ModelPart, blob: Uint8Array, classes: number): tf.LayersModel {
  const model = buildExportModel(config, part, classes);
  writeModelWeights(model, decodeWeights(blob), part);
  return model;
}

/** Captures what `model.save` produces, without writing anywhere. */
async function artifactsOf(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      captured = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  return captured!;
}

export async function saveModel(model: tf.LayersModel): Promise<SavedModel> {
  const artifacts = await artifactsOf(model);
  const weightData =
    artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  // The same fields, in the same order, as tfjs's own file savers write.
  const json = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
  };
  return { modelJson: JSON.stringify(json), weights: new Uint8Array(weightData) };
}

/** The topology and weight list a config builds, to check an imported model.json against. */
export async function expectedModelJson(config: ExperimentConfig, part: ModelPart, classes: number): Promise<ModelJsonFile> {
  const model = buildExportModel(config, part, classes);
  try {
    return JSON.parse((await saveModel(model)).modelJson) as ModelJsonFile;
  } finally {
    model.dispose();
  }
}

/** Splits weights.bin into named tensors by model.json's manifest (float32 only, as exported). */
export function weightsFromFile(file: ModelJsonFile, weights: Uint8Array): NamedWeight[] {
  const aligned = weights.slice();
  const floats = new Float32Array(aligned.buffer, 0, Math.floor(aligned.byteLength / 4));
  let offset = 0;
  return file.weightsManifest
    .flatMap((group) => group.weights)
    .map((spec) => {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const values = floats.slice(offset, offset + size);
      offset += size;
      return { name: spec.name, shape: spec.shape.slice(), values };
    });
}

/** Loads an exported model exactly as a user would: plain tfjs, from memory, no custom classes. */
export function loadPlainModel(file: ModelJsonFile, weights: Uint8Array): Promise<tf.LayersModel> {
  const specs = file.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[];
  const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: file.modelTopology, weightSpecs: specs, weightData: data, format: file.format }),
  );
}
