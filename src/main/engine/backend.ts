// Chooses the tfjs backend for this thread. Every worker thread has its own tfjs instance, so each
// calls initBackend once before building a model.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerProjectKernels } from './kernels/index.ts';
import { MAX_WASM_THREADS, withWasmThreadsLoadable } from './wasm-threads.ts';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendResult {
  name: BackendName;
  /** Human-readable account of what was chosen and why; shown with the run. */
  note: string;
  /** Threads the backend computes on (native TensorFlow: 1 here, it sizes its own pool). */
  threads: number;
}

/** How the threads a run asked for are used (see data-parallel/plan.ts); the note says so. */
export interface ThreadUse {
  /** Data-parallel shares of each batch, each on a thread of its own (1: none). */
  shares: number;
  /** Why data-parallel threads were asked for and not used; '' when they were not asked for. */
  fallback: string;
}

interface Initialised {
  how: string;
  threads: number;
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

async function initTensorflow(): Promise<Initialised> {
  // tfjs-node is an optional dependency whose native library may be missing; importing it
  // registers the 'tensorflow' backend as a side effect.
  await import('@tensorflow/tfjs-node' as string);
  if (tf.findBackendFactory('tensorflow') === undefined && tf.findBackend('tensorflow') === undefined) {
    throw new Error('@tensorflow/tfjs-node loaded but registered no tensorflow backend');
  }
  await activate('tensorflow');
  return { how: 'native TensorFlow (its own thread pool)', threads: 1 };
}

function wasmDistDir(): string {
  return join(dirname(resolveHere.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

async function initWasm(threads: number, use: ThreadUse): Promise<Initialised> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Not tf.findBackend: for a registered backend that has not started, it starts it (with the
  // default files and a single thread) and answers null.
  const first = !Object.hasOwn(tf.engine().registry, 'wasm');
  // One thread keeps the single-threaded SIMD build exactly as before; more load the threaded one.
  const threaded = first && threads > 1;
  if (first) {
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
  if (threaded) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(Math.min(threads, MAX_WASM_THREADS));
    await withWasmThreadsLoadable(threads, () => activate('wasm'));
  } else await activate('wasm');
  const kernels = registerProjectKernels();
  const running = use.shares > 1 ? use.shares : wasm.getThreadsCount();
  const how =
    `wasm (${simd ? 'SIMD' : 'no SIMD: expect several times slower'}, ${running} thread${running === 1 ? '' : 's'}` +
    `${threadMode(running, use)}${kernels.length > 0 ? `, project kernels: ${kernels.join(', ')}` : ''})`;
  return { how, threads: running };
}

/** ", data-parallel" or ", threaded kernels", and why data-parallel was not used when it was asked for. */
function threadMode(running: number, use: ThreadUse): string {
  if (use.shares > 1) return ', data-parallel';
  const kernels = running > 1 ? ', threaded kernels' : '';
  return use.fallback ? `${kernels}, not data-parallel: ${use.fallback}` : kernels;
}

async function initCpu(_threads: number, use: ThreadUse): Promise<Initialised> {
  await activate('cpu');
  // The cpu backend prints a banner recommending tfjs-node on its first tensor; the note
  // returned here already tells the user which backend runs, so the banner is noise.
  const cpu = tf.findBackend('cpu') as (tf.KernelBackend & { firstUse?: boolean }) | undefined;
  if (cpu !== undefined && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
  const running = Math.max(1, use.shares);
  return { how: `pure-JS cpu (slow, ${running} thread${running === 1 ? '' : 's'}${threadMode(running, use)})`, threads: running };
}

const INITIALISERS: Record<BackendName, (threads: number, use: ThreadUse) => Promise<Initialised>> = {
  tensorflow: initTensorflow,
  wasm: initWasm,
  cpu: initCpu,
};

/**
 * Makes `choice` the active tfjs backend of this thread. 'auto' tries tensorflow, wasm, cpu in
 * that order and explains each fallback in the note; a specific choice that fails throws.
 * `threads`: how many threads the wasm backend computes on (fixed by its first initialisation in
 * this thread; the note says how many it got). Native TensorFlow sizes its own pool; cpu has one.
 * `use`: data-parallel shares the caller will train with (gradient workers it starts itself), for the
 * note and the thread count reported.
 */
export async function initBackend(
  choice: BackendChoice,
  threads = 1,
  use: ThreadUse = { shares: 1, fallback: '' },
): Promise<BackendResult> {
  if (choice !== 'auto') {
    try {
      const { how, threads: running } = await INITIALISERS[choice](threads, use);
      return { name: choice, note: how, threads: running };
    } catch (error) {
      throw new Error(`backend ${choice} could not be initialised: ${shortReason(error)}`, { cause: error });
    }
  }
  const skipped: string[] = [];
  for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
    try {
      const { how, threads: running } = await INITIALISERS[name](threads, use);
      const note = skipped.length === 0 ? `using ${how}` : `${skipped.join('; ')}; using ${how}`;
      return { name, note, threads: running };
    } catch (error) {
      skipped.push(`${name} unavailable (${shortReason(error)})`);
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.join('; ')}`);
}
