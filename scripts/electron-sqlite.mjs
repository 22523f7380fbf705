// Prepares better-sqlite3 for Electron's ABI in a folder of its own. The copy in node_modules stays
// built for Node, because the tests and the CLI load it; the Electron app loads this one through
// better-sqlite3's `nativeBinding` option (see src/main/electron/native-sqlite.ts).
// Tries a prebuilt binary first (seconds), then compiles against Electron's headers (a minute).

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Must match ELECTRON_SQLITE_DIR in src/main/electron/native-sqlite.ts. */
export const ELECTRON_SQLITE_DIR = join('.cache', 'electron-sqlite');
export const BINDING_FILE = 'better_sqlite3.node';

export function electronSqliteBindingPath(root, electronVersion) {
  return join(root, ELECTRON_SQLITE_DIR, electronVersion, BINDING_FILE);
}

function betterSqliteDir(root) {
  return join(root, 'node_modules', 'better-sqlite3');
}

/** What a build was made for; a mismatch (say, after upgrading better-sqlite3) means rebuild. */
function buildStamp(root, electronVersion) {
  const pkg = JSON.parse(readFileSync(join(betterSqliteDir(root), 'package.json'), 'utf8'));
  return { electron: electronVersion, betterSqlite3: pkg.version, platform: process.platform, arch: process.arch };
}

export function isPrepared(root, electronVersion) {
  const binding = electronSqliteBindingPath(root, electronVersion);
  const stampFile = join(dirname(binding), 'build.json');
  if (!existsSync(binding) || !existsSync(stampFile)) return false;
  try {
    return JSON.stringify(JSON.parse(readFileSync(stampFile, 'utf8'))) === JSON.stringify(buildStamp(root, electronVersion));
  } catch {
    return false;
  }
}

/** One line from a tool's noisy output: the network failure if that is what it was. */
export function summarizeFailure(text) {
  const out = String(text ?? '');
  const dns = out.match(/getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)/);
  if (dns) return `${dns[1]} could not be found`;
  const fetched = out.match(/http GET (https?:\/\/[^\s/]+)/);
  if (fetched && /network connectivity|ECONNREFUSED|ETIMEDOUT|ECONNRESET/.test(out))
    return `${new URL(fetched[1]).host} could not be reached`;
  const lines = out
    .split('\n')
    .map((l) => l.replace(/^(gyp|prebuild-install) (ERR!|warn|info) ?/i, '').trim())
    .filter((l) => l && !/^(stack|cwd|node -v|node-gyp -v|not ok|command|System)\b/.test(l));
  return lines.at(-1) ?? '';
}

function run(command, args, { cwd, env, timeoutMs }) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error)
    return { ok: false, reason: r.error.code === 'ETIMEDOUT' ? `timed out after ${timeoutMs / 1000} s` : r.error.message };
  if (r.status !== 0) return { ok: false, reason: summarizeFailure(`${r.stdout}\n${r.stderr}`) || `exit code ${r.status}` };
  return { ok: true };
}

/**
 * npm passes its configuration to scripts as npm_config_* variables. Some (nodedir, target,
 * runtime, disturl) would silently make node-gyp or prebuild-install build for Node instead.
 */
function toolEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(nodedir|target|runtime|disturl|dist_url|arch|build_from_source)$/i.test(key)) delete env[key];
  }
  return env;
}

function findNodeGyp(root) {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath && join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally: the copy bundled with npm is the usual one
  }
  return candidates.find((p) => p && existsSync(p)) ?? null;
}

function tryPrebuilt(root, staging, electronVersion, log) {
  let bin;
  try {
    bin = createRequire(join(betterSqliteDir(root), 'package.json')).resolve('prebuild-install/bin.js');
  } catch {
    return { ok: false, reason: 'prebuild-install is not installed' };
  }
  log('Looking for a prebuilt better-sqlite3 for Electron...');
  // prebuild-install reads package.json from its working directory and unpacks into --path, so
  // pointed at the staging copy it cannot touch node_modules/better-sqlite3/build.
  return run(
    process.execPath,
    [
      bin,
      '--runtime',
      'electron',
      '--target',
      electronVersion,
      '--arch',
      process.arch,
      '--platform',
      process.platform,
      '--path',
      staging,
    ],
    { cwd: staging, env: toolEnv(), timeoutMs: 90_000 },
  );
}

function tryCompile(root, staging, electronVersion, log) {
  const nodeGyp = findNodeGyp(root);
  if (!nodeGyp) return { ok: false, reason: 'node-gyp was not found' };
  for (const item of ['binding.gyp', 'src', 'deps'])
    cpSync(join(betterSqliteDir(root), item), join(staging, item), { recursive: true });
  log('Compiling better-sqlite3 for Electron (about a minute)...');
  return run(
    process.execPath,
    [
      nodeGyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers',
    ],
    { cwd: staging, env: toolEnv(), timeoutMs: 15 * 60_000 },
  );
}

/**
 * Returns { ok: true, path, how } with how = 'cached' | 'prebuilt' | 'compiled', or
 * { ok: false, reason } with a one-line reason.
 */
export function prepareElectronSqlite({ root, electronVersion, log = () => {} }) {
  const binding = electronSqliteBindingPath(root, electronVersion);
  if (isPrepared(root, electronVersion)) return { ok: true, path: binding, how: 'cached' };
  if (!existsSync(join(betterSqliteDir(root), 'package.json')))
    return { ok: false, reason: 'better-sqlite3 is not installed (run npm install)' };

  const dir = dirname(binding);
  const staging = join(dir, 'staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  cpSync(join(betterSqliteDir(root), 'package.json'), join(staging, 'package.json'));
  const built = join(staging, 'build', 'Release', BINDING_FILE);
  try {
    const prebuilt = tryPrebuilt(root, staging, electronVersion, log);
    let how = 'prebuilt';
    if (!prebuilt.ok || !existsSync(built)) {
      const compiled = tryCompile(root, staging, electronVersion, log);
      if (!compiled.ok || !existsSync(built)) {
        return {
          ok: false,
          reason: `no prebuilt binary: ${prebuilt.reason ?? 'none unpacked'}; compiling failed: ${compiled.reason ?? 'no binary produced'}`,
        };
      }
      how = 'compiled';
    }
    renameSync(built, binding);
    writeFileSync(join(dir, 'build.json'), JSON.stringify(buildStamp(root, electronVersion)));
    return { ok: true, path: binding, how };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
