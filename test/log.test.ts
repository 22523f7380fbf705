// The leveled, size-capped, rotating log file, and the process-level handlers that send uncaught
// exceptions and unhandled rejections to it (in a child process, which must keep running).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createAppCore } from '../src/main/app-core.ts';
import { createFileLogger } from '../src/main/log/logger.ts';
import { tempDir } from './helpers.ts';
import { waitUntil } from './run-helpers.ts';

test('the log keeps levels at or above its own and rotates by size, keeping N old files', (t) => {
  const file = join(tempDir(t), 'logs', 'workbench.log');
  const log = createFileLogger({ file, level: 'info', maxBytes: 400, keep: 2, now: () => new Date(0) });
  log.debug('not kept');
  for (let i = 0; i < 40; i++) log.info(`entry ${i}`);
  log.error('went wrong', new Error('boom'));
  const current = readFileSync(file, 'utf8');
  assert.match(current, /ERROR \[pid \d+\] went wrong\n {2}Error: boom\n {2}\s*at /);
  assert.doesNotMatch(current, /not kept/);
  // An entry longer than the cap (a stack trace) starts a file of its own rather than being cut.
  for (const f of [`${file}.1`, `${file}.2`]) assert.ok(statSync(f).size <= 400, `${f} stays under the cap`);
  assert.match(readFileSync(file, 'utf8'), /^\S+ ERROR/);
  assert.equal(existsSync(`${file}.3`), false, 'only two old files are kept');
  assert.match(readFileSync(`${file}.2`, 'utf8'), /^1970-01-01T00:00:00\.000Z INFO {2}\[pid \d+\] entry \d+\n/);
});

test('the app info names the log file', async (t) => {
  const dir = tempDir(t);
  const log = createFileLogger({ file: join(dir, 'logs', 'workbench.log') });
  const core = createAppCore({ databasePath: join(dir, 'w.db'), shell: 'browser', log });
  t.after(() => core.close());
  const info = await core.call('getAppInfo', undefined);
  assert.ok(info.ok);
  assert.equal((info.value as { logFile: string }).logFile, join(dir, 'logs', 'workbench.log'));
});

test('an uncaught exception and an unhandled rejection are logged with their stacks, and the process lives on', (t) => {
  const file = join(tempDir(t), 'workbench.log');
  const script = `
    const { createFileLogger } = await import('./src/main/log/logger.ts');
    const { installProcessHandlers } = await import('./src/main/log/process-handlers.ts');
    installProcessHandlers(createFileLogger({ file: ${JSON.stringify(file)} }), 'server');
    setTimeout(() => { throw new Error('thrown in a timer'); });
    Promise.reject(new Error('rejected and never awaited'));
    setTimeout(() => process.stdout.write('still alive'), 200);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'still alive');
  assert.match(r.stderr, /^server: unexpected error: thrown in a timer \(details in .*workbench\.log\)$/m);
  const logged = readFileSync(file, 'utf8');
  assert.match(
    logged,
    /ERROR \[pid \d+\] server: uncaught exception \(uncaughtException\); carrying on\n {2}Error: thrown in a timer\n {2}\s*at /,
  );
  assert.match(
    logged,
    /ERROR \[pid \d+\] server: unhandled promise rejection; carrying on\n {2}Error: rejected and never awaited\n/,
  );
});

test('npm run serve writes its log file in the app data folder', async (t) => {
  const home = tempDir(t);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main/web/serve.ts', '--port', '0', '--no-open', '--db', join(home, 'w.db')],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VAE_WORKBENCH_HOME: home } },
  );
  t.after(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  let gone = false;
  const exited = new Promise((r) => child.once('exit', r)).then(() => (gone = true));
  // Serving (the app is built) or refusing to (it is not): either way the log says which.
  await waitUntil(() => gone || stdout.includes('is running at'), 'the server to start or give up');
  child.kill('SIGTERM');
  await exited;
  const logged = readFileSync(join(home, 'logs', 'workbench.log'), 'utf8');
  assert.match(logged, /INFO {2}\[pid \d+\] Serving .*w\.db on port \d+|ERROR \[pid \d+\] The server could not start/);
});
