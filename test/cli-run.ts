// The arguments for `node` that start one CLI command (src/main/cli/NAME.ts, or the browser-mode server) in a child process, as
// `npm run NAME` does. Under scripts/test.mjs that is the bundle it built from these same sources
// (VAE_TEST_BUNDLE; scripts/cli-bundle.mjs), which starts without tsx's loader: about a second of CPU
// less per command, over a hundred commands a suite. Run alone (`node --import tsx --test FILE`), a
// test starts the source under tsx as before.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export type CliScript = 'train' | 'runs' | 'sweep' | 'queue' | 'worker' | 'serve';

/** Where each command's source is: the CLI's, and the browser-mode server's. */
const SOURCE: Record<CliScript, string[]> = {
  train: ['cli', 'train.ts'],
  runs: ['cli', 'runs.ts'],
  sweep: ['cli', 'sweep.ts'],
  queue: ['cli', 'queue.ts'],
  worker: ['cli', 'worker.ts'],
  serve: ['web', 'serve.ts'],
};

export function cliArgs(script: CliScript, args: readonly string[]): string[] {
  const bundle = process.env.VAE_TEST_BUNDLE;
  if (bundle) return [join(bundle, `${script}.mjs`), ...args];
  return ['--import', 'tsx', join(ROOT, 'src', 'main', ...SOURCE[script]), ...args];
}
