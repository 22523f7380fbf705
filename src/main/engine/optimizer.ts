import * as tf from '@tensorflow/tfjs';
import type { OptimConfig } from '../../shared/config.ts';
import type { NamedWeight } from './weights.ts';

/**
 * Optimizers with PyTorch's default hyperparameters (Adam eps 1e-8, RMSprop alpha 0.99 and eps
 * 1e-8) rather than tfjs' (eps 1e-7, decay 0.9), so presets taken from PyTorch code behave alike.
 */
export function makeOptimizer(cfg: Pick<OptimConfig, 'optimizer' | 'learningRate'>): tf.Optimizer {
  switch (cfg.optimizer) {
    case 'adam':
      return tf.train.adam(cfg.learningRate, 0.9, 0.999, 1e-8);
    case 'sgd':
      return tf.train.sgd(cfg.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(cfg.learningRate, 0.99, 0, 1e-8);
  }
}

// Adam's running powers beta^t, which tfjs keeps outside getWeights(). Its setWeights() recomputes
// them as pow(beta, t + 1), which can differ in the last bit from the product accumulated step by
// step, and that bit then changes every later update: a resumed run would drift from the
// uninterrupted one. So they travel in the checkpoint under names no tfjs slot can have.
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;
const POWER_PREFIX = 'vae-workbench:adam/';

type AdamPowers = Record<(typeof ADAM_POWERS)[number], tf.Variable>;

function adamPowers(optimizer: tf.Optimizer): AdamPowers | null {
  // The fields are private in tfjs' typings; their names are stable across tfjs 1 to 4.
  return optimizer instanceof tf.AdamOptimizer ? (optimizer as unknown as AdamPowers) : null;
}

// The iteration count is int32: stored as float32, exact below 2^24 steps.
const float32 = (values: tf.TypedArray): Float32Array => (values instanceof Float32Array ? values : Float32Array.from(values));

/** The optimizer's whole state: its iteration count and slots, and Adam's beta powers. */
export async function readOptimizerState(optimizer: tf.Optimizer): Promise<NamedWeight[]> {
  const out: NamedWeight[] = [];
  for (const w of await optimizer.getWeights()) {
    out.push({ name: w.name, shape: w.tensor.shape.slice(), values: float32(await w.tensor.data()) });
    // Slots are the optimizer's own variables; anything else (the iteration count) is a fresh copy.
    if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  }
  const powers = adamPowers(optimizer);
  if (powers) {
    for (const key of ADAM_POWERS) {
      out.push({ name: POWER_PREFIX + key, shape: [], values: float32(await powers[key].data()) });
    }
  }
  return out;
}

/**
 * Loads what readOptimizerState saved. A checkpoint written before the beta powers were saved still
 * loads, with tfjs' recomputed powers (so its continuation may differ from the original in the last
 * bits).
 */
export async function writeOptimizerState(optimizer: tf.Optimizer, state: NamedWeight[]): Promise<void> {
  const own = state.filter((w) => !w.name.startsWith(POWER_PREFIX));
  if (own.length > 0) {
    const named = own.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) }));
    await optimizer.setWeights(named);
    tf.dispose(named.map((n) => n.tensor));
  }
  const powers = adamPowers(optimizer);
  if (!powers) return;
  for (const key of ADAM_POWERS) {
    const saved = state.find((w) => w.name === POWER_PREFIX + key);
    if (saved === undefined) continue;
    if (saved.values.length !== 1)
      throw new Error(`optimizer state ${saved.name} holds ${saved.values.length} values, expected 1`);
    const value = tf.scalar(saved.values[0]!);
    powers[key].assign(value);
    value.dispose();
  }
}
