// The conditional VAE's label: how many classes a run conditions on, the one-hot label input of its
// encoder and decoder, and the labels of a batch. A conditioned model is an ordinary two-input
// Layers model (encoder [image, label], decoder [z, label]); an unconditioned one keeps its single
// input, so every run trained before conditioning existed builds exactly as it did.
//
// The class count lives in the weights: it is the label input's width, so the first dense kernel
// after it has `features + classes` rows. A checkpoint therefore records it in its shapes (and its
// JSON state, for listing without reading blobs), and anything rebuilding a model from a checkpoint
// reads it back from there rather than from the data, which may be gone.

import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import type { Dataset } from '../data/index.ts';
import type { NamedWeight } from './weights.ts';

/** One-hot label widths past this are refused: a label column that is really an id, not a class. */
export const MAX_CLASSES = 256;

export const LABEL_INPUT = 'label';

/** Whether a run's models are conditioned on the label (configs from before the setting: no). */
export function isConditional(model: ModelConfig): boolean {
  const stored: Partial<ModelConfig> = model;
  return stored.conditional === 'label';
}

const refuse = (message: string) => new AppFailure({ code: 'bad-data', message, field: 'model.conditional' });

/**
 * The number of classes a conditional run's one-hot label has: the largest label among the images it
 * trains and evaluates on, plus one (so label k is always column k, whatever the label filter keeps).
 * Refuses data without labels, naming the setting.
 */
export function classCount(sets: readonly Dataset[]): number {
  let max = -1;
  for (const ds of sets) {
    if (ds.count === 0) continue;
    if (!ds.labels)
      throw refuse(
        `${ds.name} has no labels, so a conditional VAE (model.conditional "label") cannot be trained on it; set model.conditional to none, or give the data its labels`,
      );
    for (const l of ds.labels) if (l > max) max = l;
  }
  if (max < 0) throw refuse('there are no labelled images to condition on (model.conditional "label")');
  if (max + 1 > MAX_CLASSES)
    throw refuse(
      `the labels go up to ${max}: a conditional VAE takes at most ${MAX_CLASSES} classes (labels 0 to ${MAX_CLASSES - 1})`,
    );
  return max + 1;
}

/** The labels present among `ds`'s images, ascending. */
export function presentLabels(ds: Dataset): number[] {
  return ds.labels ? [...new Set(ds.labels)].sort((a, b) => a - b) : [];
}

/** The label input of a model conditioned on `classes` classes. */
export function labelInput(classes: number): tf.SymbolicTensor {
  return tf.input({ shape: [classes], name: LABEL_INPUT });
}

/** `features ⊕ label` along the feature axis. */
export function joinLabel(features: tf.SymbolicTensor, label: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return tf.layers.concatenate({ axis: -1, name }).apply([features, label]) as tf.SymbolicTensor;
}

/** The class count a built model is conditioned on (its label input's width), 0 for none. */
export function classesOfModel(model: tf.LayersModel): number {
  const label = model.inputs.find((i) => i.name.startsWith(LABEL_INPUT));
  return label ? (label.shape[1] as number) : 0;
}

/**
 * The class count a decoder checkpoint was trained with: its first kernel takes z ⊕ label, so its
 * rows past the latent size are the classes. 0 for an unconditioned model.
 */
export function classesOfDecoderWeights(weights: readonly NamedWeight[], model: ModelConfig): number {
  if (!isConditional(model)) return 0;
  const rows = weights[0]?.shape[0];
  const classes = rows === undefined ? 0 : rows - model.latentDim;
  if (classes < 1 || classes > MAX_CLASSES)
    throw new Error(
      `the decoder's first weight has shape [${weights[0]?.shape.join(', ') ?? ''}], which is not a ${model.latentDim}-dimensional z with a label`,
    );
  return classes;
}

/** One-hot rows [N, classes] for `labels`; a label outside 0..classes-1 is refused, naming it. */
export function oneHot(labels: ArrayLike<number>, classes: number, where: string): tf.Tensor2D {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= classes)
      throw new AppFailure({
        code: 'invalid-argument',
        message: `${where}: label ${l} is not one of the model's classes (0 to ${classes - 1})`,
      });
    out[i * classes + l] = 1;
  }
  return tf.tensor2d(out, [labels.length, classes]);
}

/** Labels of images `order[start..end)` of `ds` (rows start..end when `order` is null). */
export function batchLabels(ds: Dataset, order: ArrayLike<number> | null, start: number, end: number): Int32Array {
  if (!ds.labels) throw refuse(`${ds.name} has no labels to condition on`);
  const out = new Int32Array(end - start);
  for (let k = 0; k < out.length; k++) out[k] = ds.labels[order === null ? start + k : order[start + k]!]!;
  return out;
}

/** A model's inputs: the tensor alone, or with its one-hot label when the model is conditioned. */
export function withLabel<T extends tf.Tensor>(x: T, label: tf.Tensor2D | null): T | [T, tf.Tensor2D] {
  return label ? [x, label] : x;
}
