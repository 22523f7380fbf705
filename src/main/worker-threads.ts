// Starts a worker thread from a module beside the caller. From source (tests, the CLI under tsx)
// the entry is NAME.ts and the worker must register tsx itself: Node 20 does not pass the parent's
// tsx loader on to worker threads. From a build (electron-vite) every entry is bundled to NAME.js
// in the same folder as the code that spawns it.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

let live = 0;

/**
 * Worker threads spawned here that have not exited yet. A leaked worker holds its data (about 100 MB for
 * a training run) until the process ends, so tests count them around every path that can fail.
 */
export function liveWorkerCount(): number {
  return live;
}

function counted(worker: Worker): Worker {
  live++;
  worker.once('exit', () => live--);
  return worker;
}

export function spawnWorker(callerUrl: string, name: string, workerData: unknown): Worker {
  const caller = fileURLToPath(callerUrl);
  const dir = dirname(caller);
  if (caller.endsWith('.ts')) {
    const entry = pathToFileURL(join(dir, `${name}.ts`)).href;
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    return counted(new Worker(boot, { eval: true, workerData }));
  }
  const built = join(dir, `${name}.js`);
  if (!existsSync(built)) throw new Error(`worker ${name} not found at ${built}; was the app built?`);
  return counted(new Worker(built, { workerData }));
}
