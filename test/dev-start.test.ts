// `npm run dev` (scripts/dev.mjs): electron-vite's dev mode when Electron can run, else browser mode
// from watch builds, decided by the same checks as `npm start`. The end-to-end case points the
// Electron download at a closed local port and dry-runs, so it never downloads or builds anything.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { tempDir } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..');

interface DevScript {
  devPlan(decision: { shell: string; kind?: string | null; reason?: string | null }): { mode: string; summary: string };
}
interface StartScript {
  installedElectronBinary(root?: string): string | null;
}

const load = async <T>(name: string) => (await import(pathToFileURL(join(ROOT, 'scripts', name)).href)) as T;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

test('dev plan: electron-vite dev when Electron can run, watch builds in the browser otherwise', async () => {
  const dev = await load<DevScript>('dev.mjs');
  assert.equal(dev.devPlan({ shell: 'electron' }).mode, 'electron');
  assert.match(dev.devPlan({ shell: 'electron' }).summary, /electron-vite dev/);
  for (const kind of ['runtime', 'display', 'sqlite', null]) {
    const plan = dev.devPlan({ shell: 'browser', kind, reason: 'r' });
    assert.equal(plan.mode, 'browser');
    assert.match(plan.summary, /watch builds/);
  }
});

test('npm run dev without an Electron runtime says why in one line and picks browser mode', async (t) => {
  const start = await load<StartScript>('start.mjs');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VAE_DEV_DRY_RUN: '1',
    VAE_WORKBENCH_HOME: tempDir(t),
    ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`,
  };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'dev.mjs')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

  const explanation = start.installedElectronBinary(ROOT)
    ? /^There is no display for the VAE Workbench window \(DISPLAY and WAYLAND_DISPLAY are not set\)\. Serving VAE Workbench to a browser instead; open the address below\.$/m
    : /^The Electron runtime could not be downloaded \(127\.0\.0\.1:\d+ refused the connection\)\. Serving VAE Workbench to a browser instead; open the address below\.$/m;
  assert.match(stdout, explanation, `stdout:\n${stdout}\nstderr:\n${stderr}`);
  assert.match(stdout, /^Development: browser mode from watch builds/m, stdout);
  assert.equal(code, 0, stderr);
});
