import * as tf from '@tensorflow/tfjs';
import type { OptimConfig } from '../../shared/config.ts';

/**
 * Optimizers with PyTorch's default hyperparameters (Adam eps 1e-8, RMSprop alpha 0.99 and eps
 * 1e-8) rather than tfjs' (eps 1e-7, decay 0.9), so presets taken from PyTorch code behave alike.
 */
export function makeOptimizer(cfg: OptimConfig): tf.Optimizer {
  switch (cfg.optimizer) {
    case 'adam':
      return tf.train.adam(cfg.learningRate, 0.9, 0.999, 1e-8);
    case 'sgd':
      return tf.train.sgd(cfg.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(cfg.learningRate, 0.99, 0, 1e-8);
  }
}
