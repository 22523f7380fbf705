import * as tf from '@tensorflow/tfjs';
import { registerFastBatchMatMul } from './batch-mat-mul.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { registerFastConv2DBackpropInput } from './conv2d-backprop-input.ts';

// Kernels tfjs lacks on a backend the project uses. Each is registered only where the backend has
// none, so a future tfjs that ships its own keeps it.
const MISSING_KERNELS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig];

/**
 * Registers the project's kernels with this thread's tfjs instance (each worker thread has its own);
 * safe to call repeatedly. Returns the names of the kernels that are the project's.
 */
export function registerProjectKernels(): string[] {
  const names: string[] = [];
  for (const config of MISSING_KERNELS) {
    const existing = tf.getKernel(config.kernelName, config.backendName);
    if (existing === undefined) tf.registerKernel(config);
    else if (existing.kernelFunc !== config.kernelFunc) continue;
    names.push(config.kernelName);
  }
  // A replacement rather than an addition: wasm's BatchMatMul exists but is slow when transposed.
  if (tf.getKernel('BatchMatMul', 'wasm') !== undefined) {
    registerFastBatchMatMul();
    names.push('BatchMatMul', '_FusedMatMul');
  }
  // Likewise: wasm's Conv2DBackpropInput exists but is a scalar loop.
  if (tf.getKernel('Conv2DBackpropInput', 'wasm') !== undefined) {
    registerFastConv2DBackpropInput();
    names.push('Conv2DBackpropInput');
  }
  return names;
}
