// `npm start` (scripts/start.mjs): which shell it picks and what it says when Electron cannot run.
// The end-to-end case points the Electron download at a closed local port, so it fails the same
// quick way on every machine and never downloads anything.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { tempDir } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');

interface StartScript {
  hasDisplay(env: Record<string, string | undefined>, platform: string): boolean;
  decideShell(input: {
    forceBrowser?: boolean;
    electron: { ok: boolean; reason?: string };
    display: boolean;
    sqlite?: { ok: boolean; reason?: string } | null;
  }): { shell: string; kind?: string | null; reason?: string | null };
  fallbackMessage(kind: string, reason: string, display: boolean): string;
  probeDownloadHost(mirror: string, timeoutMs?: number): Promise<string | null>;
  installedElectronBinary(root?: string): string | null;
}

const load = async () => (await import(pathToFileURL(join(ROOT, 'scripts', 'start.mjs')).href)) as StartScript;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('the first thing Electron lacks decides, and the message says why in one line', async () => {
  const start = await load();
  const ok = { ok: true };
  assert.deepEqual(start.decideShell({ electron: ok, display: true, sqlite: ok }), { shell: 'electron' });
  assert.deepEqual(start.decideShell({ electron: { ok: false, reason: 'offline' }, display: false }), {
    shell: 'browser',
    kind: 'runtime',
    reason: 'offline',
  });
  assert.equal(start.decideShell({ electron: ok, display: false }).kind, 'display');
  assert.equal(start.decideShell({ electron: ok, display: true, sqlite: { ok: false, reason: 'no compiler' } }).kind, 'sqlite');
  assert.deepEqual(start.decideShell({ forceBrowser: true, electron: ok, display: true }), {
    shell: 'browser',
    kind: null,
    reason: null,
  });

  assert.equal(
    start.fallbackMessage('runtime', 'github.com could not be found', true),
    'The Electron runtime could not be downloaded (github.com could not be found). Opening VAE Workbench in your browser instead.',
  );
  assert.match(start.fallbackMessage('runtime', 'x', false), /open the address below\.$/);
  for (const kind of ['runtime', 'sqlite', 'display', 'startup'])
    assert.doesNotMatch(start.fallbackMessage(kind, 'r', true), /\n/);

  assert.equal(start.hasDisplay({}, 'linux'), false);
  assert.equal(start.hasDisplay({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), true);
  assert.equal(start.hasDisplay({}, 'darwin'), true);
});

test('an unreachable download host fails within seconds, with the reason', async () => {
  const start = await load();
  const began = Date.now();
  const reason = await start.probeDownloadHost(`http://127.0.0.1:${await closedPort()}/`, 3000);
  assert.match(reason ?? '', /127\.0\.0\.1:\d+ refused the connection/);
  assert.ok(Date.now() - began < 3500);
});

test('npm start without an Electron runtime prints one clear line, then a browser-mode URL', async (t) => {
  const start = await load();
  const serve = join(ROOT, 'out', 'main', 'serve.js');
  const home = tempDir(t);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VAE_START_DRY_RUN: '1',
    VAE_WORKBENCH_HOME: home,
    ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`,
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  // Reuse out/ when it is there: rebuilding it here could pull files from under another test.
  const args = [join(ROOT, 'scripts', 'start.mjs'), ...(existsSync(serve) ? ['--no-build'] : [])];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

  const explanation = start.installedElectronBinary(ROOT)
    ? /^There is no display for the VAE Workbench window \(DISPLAY and WAYLAND_DISPLAY are not set\)\. Serving VAE Workbench to a browser instead; open the address below\.$/m
    : /^The Electron runtime could not be downloaded \(127\.0\.0\.1:\d+ refused the connection\)\. Serving VAE Workbench to a browser instead; open the address below\.$/m;
  assert.match(stdout, explanation, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stdout, /http:\/\/127\.0\.0\.1:\d+\/[\w-]{16,}\/\?token=[\w-]{16,}/, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.equal(code, 0, stderr);
  assert.ok(existsSync(join(home, 'workbench.db')), 'browser mode used the database it was pointed at');
});
