#!/usr/bin/env node
// `npm start`: build, then open VAE Workbench in its Electron window, or, when that cannot work on
// this computer (no Electron runtime, no native SQLite build for it, no display), serve the same app
// to a browser instead, saying why in one line.
//
//   npm start -- --browser     always use the browser
//   npm start -- --no-build    reuse out/ as it is
//   VAE_START_DRY_RUN=1        decide, print the outcome (and the browser URL), then exit
//
// The Electron package downloads its runtime lazily, at first launch. Offline that download must
// fail in seconds, so it is preceded by a short reachability probe.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareElectronSqlite } from './electron-sqlite.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PRODUCT = 'VAE Workbench';
const DEFAULT_MIRROR = 'https://github.com/electron/electron/releases/download/';
const PROBE_TIMEOUT_MS = 6_000;
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
/** An Electron that dies this soon after launch never showed a window (no GPU, sandbox, libs). */
const STARTUP_GRACE_MS = 5_000;

const say = (line) => process.stdout.write(`${line}\n`);

export function hasDisplay(env = process.env, platform = process.platform) {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

function electronPackageDir(root) {
  return join(root, 'node_modules', 'electron');
}

export function electronVersion(root = ROOT) {
  return JSON.parse(readFileSync(join(electronPackageDir(root), 'package.json'), 'utf8')).version;
}

/** The runtime binary if the electron package has downloaded it, else null. */
export function installedElectronBinary(root = ROOT, env = process.env) {
  const dir = electronPackageDir(root);
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, relative) : join(dir, 'dist', relative);
  return existsSync(binary) ? binary : null;
}

const usesProxy = (env) =>
  Boolean(
    env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || env.npm_config_https_proxy || env.npm_config_proxy,
  );

/** Null when the download host answers at all, else why not, in words. */
export async function probeDownloadHost(mirror, timeoutMs = PROBE_TIMEOUT_MS) {
  let host = mirror;
  try {
    host = new URL(mirror).host;
    await fetch(mirror, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    return null;
  } catch (e) {
    const code = e?.cause?.code ?? e?.code;
    if (e?.name === 'TimeoutError') return `${host} did not answer within ${timeoutMs / 1000} s`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${host} could not be found: this computer seems to be offline`;
    if (code === 'ECONNREFUSED') return `${host} refused the connection`;
    return `${host} could not be reached (${code ?? e?.cause?.message ?? e?.message ?? e})`;
  }
}

/** { ok: true, binary } or { ok: false, reason }. */
export async function obtainElectron(root = ROOT, env = process.env) {
  const installed = installedElectronBinary(root, env);
  if (installed) return { ok: true, binary: installed };
  const installer = join(electronPackageDir(root), 'install.js');
  if (!existsSync(installer)) return { ok: false, reason: 'the electron package is not installed (run npm install)' };
  // fetch ignores proxy settings, so behind a proxy only the installer itself can tell.
  if (!usesProxy(env)) {
    const unreachable = await probeDownloadHost(env.ELECTRON_MIRROR || env.npm_config_electron_mirror || DEFAULT_MIRROR);
    if (unreachable) return { ok: false, reason: unreachable };
  }
  say(`Downloading the Electron ${electronVersion(root)} runtime (first start only)...`);
  const timeoutMs = Number(env.VAE_ELECTRON_DOWNLOAD_TIMEOUT_MS) || DOWNLOAD_TIMEOUT_MS;
  const r = spawnSync(process.execPath, [installer], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error)
    return {
      ok: false,
      reason: r.error.code === 'ETIMEDOUT' ? `the download took longer than ${timeoutMs / 1000} s` : r.error.message,
    };
  if (r.status !== 0) {
    const line =
      `${r.stderr}`
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l && !l.startsWith('at ')) ?? `exit code ${r.status}`;
    return { ok: false, reason: line };
  }
  const binary = installedElectronBinary(root, env);
  return binary ? { ok: true, binary } : { ok: false, reason: 'the download finished but the runtime is missing' };
}

/** The one line that says why the browser is used, and what happens next. */
export function fallbackMessage(kind, reason, display = hasDisplay()) {
  const why = {
    runtime: `The Electron runtime could not be downloaded (${reason}).`,
    sqlite: `better-sqlite3 could not be prepared for Electron (${reason}).`,
    display: `There is no display for the ${PRODUCT} window (${reason}).`,
    startup: `Electron stopped while starting (${reason}).`,
  }[kind];
  const next = display
    ? `Opening ${PRODUCT} in your browser instead.`
    : `Serving ${PRODUCT} to a browser instead; open the address below.`;
  return `${why} ${next}`;
}

/**
 * Electron needs three things; the first missing one decides. Returns { shell: 'electron' } or
 * { shell: 'browser', kind, reason } (kind = null when the browser was asked for).
 */
export function decideShell({ forceBrowser = false, electron, display, sqlite }) {
  if (forceBrowser) return { shell: 'browser', kind: null, reason: null };
  if (!electron.ok) return { shell: 'browser', kind: 'runtime', reason: electron.reason };
  if (!display) return { shell: 'browser', kind: 'display', reason: 'DISPLAY and WAYLAND_DISPLAY are not set' };
  if (sqlite && !sqlite.ok) return { shell: 'browser', kind: 'sqlite', reason: sqlite.reason };
  return { shell: 'electron' };
}

function build() {
  const bin = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  say('Building...');
  const r = spawnSync(process.execPath, [bin, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write('The build failed (see above); nothing was started.\n');
    process.exit(r.status ?? 1);
  }
}

/** Runs the browser-mode server in the foreground; its own output prints the URL with the token. */
function runBrowserMode({ dryRun, display }) {
  const serve = join(ROOT, 'out', 'main', 'serve.js');
  const args = [serve];
  if (!display || dryRun) args.push('--no-open');
  if (dryRun) args.push('--port', '0');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['inherit', dryRun ? 'pipe' : 'inherit', 'inherit'] });
  // The terminal's Ctrl-C reaches the server directly; it checkpoints runs, then exits.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  let sawUrl = false;
  if (dryRun) {
    const deadline = setTimeout(() => {
      process.stderr.write('Browser mode printed no address within 30 s.\n');
      child.kill('SIGTERM');
    }, 30_000);
    let buffered = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      buffered += chunk;
      if (!sawUrl && /https?:\/\/\S+/.test(buffered)) {
        sawUrl = true;
        clearTimeout(deadline);
        child.kill('SIGTERM');
      }
    });
    child.on('exit', () => clearTimeout(deadline));
  }
  child.on('exit', (code, signal) => {
    if (dryRun) process.exit(sawUrl ? 0 : 1);
    if (code === null) process.exit(signal === 'SIGINT' ? 130 : 1);
    process.exit(code);
  });
}

function launchElectron(binary, sqlitePath, onEarlyFailure) {
  const env = { ...process.env, VAE_SQLITE_BINDING: sqlitePath };
  // Set by some shells and tools; it would make the binary behave as plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const started = Date.now();
  const child = spawn(binary, ['.'], { cwd: ROOT, stdio: 'inherit', env });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  // A failed spawn may report both 'error' and 'exit'; fall back once.
  let settled = false;
  const fail = (reason) => {
    if (settled) return;
    settled = true;
    onEarlyFailure(reason);
  };
  child.on('error', (e) => fail(e.message));
  child.on('exit', (code, signal) => {
    if (code !== 0 && Date.now() - started < STARTUP_GRACE_MS)
      return fail(code === null ? `signal ${signal}` : `exit code ${code}`);
    if (!settled) process.exit(code ?? 1);
  });
}

async function main(argv = process.argv.slice(2), env = process.env) {
  const known = new Set(['--browser', '--no-build']);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length) {
    process.stderr.write(`Unknown option ${unknown.join(' ')}. Options: --browser, --no-build.\n`);
    process.exit(2);
  }
  const dryRun = env.VAE_START_DRY_RUN === '1';
  const display = hasDisplay(env);
  if (!argv.includes('--no-build')) build();

  const forceBrowser = argv.includes('--browser');
  const electron = forceBrowser ? { ok: false, reason: 'not attempted' } : await obtainElectron(ROOT, env);
  let decision = decideShell({ forceBrowser, electron, display });
  let sqlite = null;
  if (decision.shell === 'electron' && !dryRun) {
    sqlite = prepareElectronSqlite({ root: ROOT, electronVersion: electronVersion(), log: say });
    decision = decideShell({ forceBrowser, electron, display, sqlite });
  }

  if (decision.shell === 'browser') {
    if (decision.kind) say(fallbackMessage(decision.kind, decision.reason, display));
    return runBrowserMode({ dryRun, display });
  }
  if (dryRun) {
    say(`Electron ${electronVersion()} is available at ${electron.binary}; the window would open now.`);
    return;
  }
  launchElectron(electron.binary, sqlite.path, (reason) => {
    say(fallbackMessage('startup', reason, display));
    runBrowserMode({ dryRun, display });
  });
}

/** True when the module at `moduleUrl` is the script node was asked to run (not imported by a test or dev.mjs). */
export function isEntryModule(moduleUrl) {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

if (isEntryModule(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`npm start failed: ${e?.stack ?? e}\n`);
    process.exit(1);
  });
}
