#!/usr/bin/env node
// `npm run dev`: the app, rebuilt as its code changes. When Electron can run here (the same checks
// as `npm start`: a runtime, a display, better-sqlite3 built for it), electron-vite's dev mode: the
// renderer comes from Vite's dev server with hot module replacement, and main and preload are
// rebuilt and the app restarted when they change. Otherwise browser mode from watch builds: the
// renderer rebuilds into out/ (reload the page), and the server restarts when main's code changes
// (it prints a new address: the access token is per launch).
//
//   npm run dev -- --browser   always use the browser
//   VAE_DEV_DRY_RUN=1          decide, print the plan, then exit (builds and starts nothing)

import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareElectronSqlite } from './electron-sqlite.mjs';
import { decideShell, electronVersion, fallbackMessage, hasDisplay, isEntryModule, obtainElectron } from './start.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ELECTRON_VITE = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');

const say = (line) => process.stdout.write(`${line}\n`);

/** What `npm run dev` runs for a shell decision (decideShell's), in one line for people. */
export function devPlan(decision) {
  if (decision.shell === 'electron')
    return {
      mode: 'electron',
      summary: 'electron-vite dev: hot module replacement for the renderer, main and preload rebuilt on change',
    };
  return {
    mode: 'browser',
    summary:
      'browser mode from watch builds: the renderer rebuilds in place (reload the page), the server restarts when main changes',
  };
}

function electronDev(sqlitePath) {
  const env = { ...process.env, VAE_SQLITE_BINDING: sqlitePath };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(process.execPath, [ELECTRON_VITE, 'dev', '--watch'], { cwd: ROOT, stdio: 'inherit', env });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 1));
}

/** The browser-mode server, restartable: each restart waits for the old one to checkpoint and exit. */
function serverKeeper(display) {
  let child = null;
  let launches = 0;
  let chain = Promise.resolve();
  const stop = () =>
    new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const start = () => {
    // Open a browser only on the first launch; later ones print their address.
    const args = [join(ROOT, 'out', 'main', 'serve.js'), ...(display && launches === 0 ? [] : ['--no-open'])];
    launches += 1;
    child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  };
  return {
    restart: () => (chain = chain.then(stop).then(start)),
    stop: () => (chain = chain.then(stop)),
  };
}

async function browserDev(display) {
  const { resolveConfig } = await import('electron-vite');
  const { build } = await import('vite');
  const { config } = await resolveConfig({}, 'build', 'development');
  if (!config?.main || !config.renderer) throw new Error('electron.vite.config.ts has no main or renderer build');
  const server = serverKeeper(display);
  process.on('SIGINT', () => server.stop().then(() => process.exit(130)));
  process.on('SIGTERM', () => server.stop().then(() => process.exit(143)));

  const watchBuild = async (name, viteConfig, onBuilt, overrides = {}) => {
    const watcher = await build({ ...viteConfig, build: { ...viteConfig.build, ...overrides, watch: {} } });
    watcher.on('event', (event) => {
      if (event.code === 'END') onBuilt();
      if (event.code === 'ERROR') say(`The ${name} build failed: ${event.error?.message ?? event.error}`);
      if (event.code === 'BUNDLE_END' || event.code === 'ERROR') void event.result?.close();
    });
  };
  // The server refuses to start without the renderer's index.html: the first start waits for it.
  let rendererBuilt;
  const rendererReady = new Promise((resolve) => (rendererBuilt = resolve));
  let rebuilds = 0;
  await watchBuild(
    'renderer',
    config.renderer,
    () => {
      if (rebuilds++ > 0) say('Renderer rebuilt: reload the page.');
      rendererBuilt();
    },
    // Files are overwritten in place, so the running server never finds index.html missing.
    { emptyOutDir: false },
  );
  await watchBuild('main', config.main, () => void rendererReady.then(() => server.restart()));
}

async function main(argv = process.argv.slice(2), env = process.env) {
  const unknown = argv.filter((a) => a !== '--browser');
  if (unknown.length) {
    process.stderr.write(`Unknown option ${unknown.join(' ')}. Options: --browser.\n`);
    process.exit(2);
  }
  const dryRun = env.VAE_DEV_DRY_RUN === '1';
  const display = hasDisplay(env);
  const forceBrowser = argv.includes('--browser');
  const electron = forceBrowser ? { ok: false, reason: 'not attempted' } : await obtainElectron(ROOT, env);
  let decision = decideShell({ forceBrowser, electron, display });
  let sqlite = null;
  if (decision.shell === 'electron' && !dryRun) {
    sqlite = prepareElectronSqlite({ root: ROOT, electronVersion: electronVersion(), log: say });
    decision = decideShell({ forceBrowser, electron, display, sqlite });
  }
  if (decision.shell === 'browser' && decision.kind) say(fallbackMessage(decision.kind, decision.reason, display));
  const plan = devPlan(decision);
  say(`Development: ${plan.summary}.`);
  if (dryRun) return;
  if (plan.mode === 'electron') return electronDev(sqlite.path);
  await browserDev(display);
}

if (isEntryModule(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`npm run dev failed: ${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
