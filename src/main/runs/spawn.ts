// Starts the training worker thread. From source (tests, the CLI under tsx) the entry is worker.ts
// and the worker must register tsx itself: Node 20 does not pass the parent's tsx loader on to
// worker threads. From a build (electron-vite) the entry is the bundled worker.js beside this code.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerInput } from './protocol.ts';

function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return join(dir, 'worker.ts');
  const built = join(dir, 'worker.js');
  if (!existsSync(built)) throw new Error(`training worker not found at ${built}; was the app built?`);
  return built;
}

export function spawnTrainingWorker(input: WorkerInput): Worker {
  const entry = workerEntry();
  if (entry.endsWith('.js')) return new Worker(entry, { workerData: input });
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(boot, { eval: true, workerData: input });
}
