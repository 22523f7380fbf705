// Chooses the tfjs backend for this thread. Every worker thread has its own tfjs instance, so each
// calls initBackend once before building a model.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerProjectKernels } from './kernels/index.ts';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendResult {
  name: BackendName;
  /** Human-readable account of what was chosen and why; shown with the run. */
  note: string;
}

// Not named `require`: the bundler declares its own top-level `require` in the built workers.
const resolveHere = createRequire(import.meta.url);

function shortReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  // Node's message names the importing file and, for require, a whole stack: only the name matters.
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const missing = /(?:package|module) '([^']+)'/.exec(String((error as Error).message));
    return `${missing ? missing[1] : 'a module'} is not installed`;
  }
  const text = error instanceof Error ? error.message : String(error);
  // Native loaders report over many lines; the first says enough for a note.
  const firstLine = (text.split('\n')[0] ?? '').trim();
  return firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine;
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

async function initTensorflow(): Promise<string> {
  // tfjs-node is an optional dependency whose native library may be missing; importing it
  // registers the 'tensorflow' backend as a side effect.
  await import('@tensorflow/tfjs-node' as string);
  if (tf.findBackendFactory('tensorflow') === undefined && tf.findBackend('tensorflow') === undefined) {
    throw new Error('@tensorflow/tfjs-node loaded but registered no tensorflow backend');
  }
  await activate('tensorflow');
  return 'native TensorFlow';
}

function wasmDistDir(): string {
  return join(dirname(resolveHere.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

async function initWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (tf.findBackend('wasm') === undefined) {
    // Explicit file paths: the emscripten default (the bundle's own directory) breaks once the
    // main process is bundled. Only possible before the first initialisation in this thread.
    const dir = wasmDistDir();
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': join(dir, 'tfjs-backend-wasm.wasm'),
      'tfjs-backend-wasm-simd.wasm': join(dir, 'tfjs-backend-wasm-simd.wasm'),
      'tfjs-backend-wasm-threaded-simd.wasm': join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'),
    });
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  await activate('wasm');
  const kernels = registerProjectKernels();
  const threads = wasm.getThreadsCount();
  return (
    `wasm (${simd ? 'SIMD' : 'no SIMD: expect several times slower'}, ${threads} thread${threads === 1 ? '' : 's'}` +
    `${kernels.length > 0 ? `, project kernels: ${kernels.join(', ')}` : ''})`
  );
}

async function initCpu(): Promise<string> {
  await activate('cpu');
  // The cpu backend prints a banner recommending tfjs-node on its first tensor; the note
  // returned here already tells the user which backend runs, so the banner is noise.
  const cpu = tf.findBackend('cpu') as (tf.KernelBackend & { firstUse?: boolean }) | undefined;
  if (cpu !== undefined && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
  return 'pure-JS cpu (slow)';
}

const INITIALISERS: Record<BackendName, () => Promise<string>> = {
  tensorflow: initTensorflow,
  wasm: initWasm,
  cpu: initCpu,
};

/**
 * Makes `choice` the active tfjs backend of this thread. 'auto' tries tensorflow, wasm, cpu in
 * that order and explains each fallback in the note; a specific choice that fails throws.
 */
export async function initBackend(choice: BackendChoice): Promise<BackendResult> {
  if (choice !== 'auto') {
    try {
      return { name: choice, note: await INITIALISERS[choice]() };
    } catch (error) {
      throw new Error(`backend ${choice} could not be initialised: ${shortReason(error)}`, { cause: error });
    }
  }
  const skipped: string[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      const how = await INITIALISERS[name]();
      const note = skipped.length === 0 ? `using ${how}` : `${skipped.join('; ')}; using ${how}`;
      return { name, note };
    } catch (error) {
      skipped.push(`${name} unavailable (${shortReason(error)})`);
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
}
