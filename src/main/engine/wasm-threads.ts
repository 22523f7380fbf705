// Turns on tfjs 4.22's multithreaded SIMD wasm build in Node, where tfjs disables it (its flag
// WASM_HAS_MULTITHREAD_SUPPORT answers false whenever IS_NODE: tensorflow/tfjs#3830). The build is
// emscripten with pthreads; XNNPACK's pthreadpool then runs matrix products and convolutions on
// several threads. Three things stop it from working in Node as shipped, each fixed here for the
// duration of the backend's initialisation only:
//
// - The pthread worker script is handed to `new Worker` as a blob: URL, which Node's worker_threads
//   cannot load, and the main script it then imports is a Blob the worker reads with
//   fs.readFileSync. The same two scripts ship as files in the package's wasm-out/ folder, so a
//   Worker subclass starts the worker from the first (as eval'd code) and points its `load` message
//   at the second.
// - The C++ side caps the pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads a
//   core), which is os.cpus().length / 2 in Node: a single thread on a 2-core machine. os.cpus is
//   answered with a longer list while the module starts, so the cap is the 8 pthread workers that
//   the build preallocates, and the count asked for is what runs.
// - The build preallocates 8 pthread workers whatever the count; those no thread will use are
//   placeholders here (IdleWorker). The real ones are the training thread's children: they end
//   with it (Node terminates a thread's workers with it) or by endWasmThreads.

import { EventEmitter } from 'node:events';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { dirname, join } from 'node:path';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Os from 'node:os';

// The same module objects emscripten's glue reaches with its own `require`, so a property set here
// is what it reads.
const requireHere = createRequire(import.meta.url);
const workerThreads = requireHere('node:worker_threads') as typeof WorkerThreads;
const os = requireHere('node:os') as typeof Os;

/** Workers the build preallocates (PTHREAD_POOL_SIZE in tfjs's BUILD); its C++ caps the pool at this. */
const PTHREAD_POOL_SIZE = 8;
/** The most threads the build can compute on: the calling thread plus the pool's. */
export const MAX_WASM_THREADS = PTHREAD_POOL_SIZE;

const spawned = new Set<WorkerThreads.Worker>();

function wasmOutDir(): string {
  return join(dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

/**
 * Stands in for a preallocated pthread worker that no thread will ever run on: emscripten waits
 * for each of its 8 to answer `load` before the module starts, and a real one costs a V8 isolate
 * and a module instance (about 100 ms of CPU and 10 MB each, measured), for threads the pool
 * never creates. Anything but `load` reaching one is a bug, so it fails loudly.
 */
class IdleWorker extends EventEmitter {
  postMessage(message: unknown): void {
    const cmd = (message as { cmd?: unknown } | null)?.cmd;
    if (cmd === 'load') setImmediate(() => this.emit('message', { cmd: 'loaded' }));
    else throw new Error(`a placeholder pthread worker was sent '${String(cmd)}': the wasm thread pool outgrew its size`);
  }
  terminate(): Promise<number> {
    return Promise.resolve(0);
  }
  ref(): void {}
  unref(): void {}
}

/**
 * What emscripten's `new Worker(url)` builds: of its preallocated workers, the last `threads - 1`
 * are the ones its pool takes (it pops them), so only those are real; any it adds later is real.
 */
function pthreadWorkerFactory(threads: number): unknown {
  const dir = wasmOutDir();
  const { wasmWorkerContents } = requireHere(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // The contents hold "\n" escapes inside string literals that the template literal they ship in
  // turned into real newlines; tfjs re-escapes them the same way before making its blob.
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const mainScript = join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const Base = workerThreads.Worker;
  let made = 0;
  return function PthreadWorker(): object {
    if (made++ < PTHREAD_POOL_SIZE - (threads - 1)) return new IdleWorker();
    const worker = new Base(source, { eval: true });
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: unknown, transfer?: readonly WorkerThreads.TransferListItem[]) => {
      const m = message as { cmd?: unknown } | null;
      post(m !== null && typeof m === 'object' && m.cmd === 'load' ? { ...m, urlOrBlob: mainScript } : message, transfer);
    };
    spawned.add(worker);
    worker.once('exit', () => spawned.delete(worker));
    return worker;
  };
}

/**
 * Runs `init` (the wasm backend's first initialisation in this thread) with the multithreaded build
 * loadable for `threads` threads; `init` must set WASM_HAS_MULTITHREAD_SUPPORT and call
 * setThreadsCount itself (it owns the tfjs instance).
 */
export async function withWasmThreadsLoadable<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const originalWorker = workerThreads.Worker;
  const originalCpus = os.cpus;
  const cpuInfo = originalCpus()[0];
  // Emscripten copies this onto globalThis.Worker when the module starts and creates its workers
  // from there, so restoring it afterwards leaves the factory in place for the module alone.
  (workerThreads as { Worker: unknown }).Worker = pthreadWorkerFactory(Math.min(threads, MAX_WASM_THREADS));
  if (cpuInfo !== undefined) {
    os.cpus = () => Array.from({ length: 2 * MAX_WASM_THREADS }, () => cpuInfo);
  }
  // A bundled glue may reach the modules through their ESM namespaces: those follow only when synced.
  syncBuiltinESMExports();
  try {
    return await init();
  } finally {
    (workerThreads as { Worker: unknown }).Worker = originalWorker;
    os.cpus = originalCpus;
    syncBuiltinESMExports();
  }
}

/** pthread workers of this thread's wasm backend that have not exited. */
export function wasmThreadWorkers(): number {
  return spawned.size;
}

/** Ends this thread's pthread workers, so the thread itself can exit (running ones keep it alive). */
export async function endWasmThreads(): Promise<void> {
  await Promise.all([...spawned].map((w) => w.terminate()));
}
