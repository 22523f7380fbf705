// `node --import ./scripts/require-cjs.mjs`: see scripts/require-cjs-hooks.mjs. Worker threads
// inherit the flag but start their modules with require (src/main/worker-threads.ts): they are left
// without hooks, which would cost each of them a hooks thread of its own.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register('./require-cjs-hooks.mjs', import.meta.url);
