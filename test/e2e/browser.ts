// Finds a Chromium to drive, in the order a developer would expect: an explicit path, Playwright's own
// downloaded browsers, a Chrome/Chromium installed on the system, and last the binary shipped inside
// the `@sparticuz/chromium` npm package (Linux x64 only), so that `npm install && npm test` passes on
// a fresh machine where nothing but Node is installed.

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface BrowserBinary {
  executablePath: string;
  /** Environment the binary needs beside the caller's (the npm-packaged one: where its fonts are). */
  env: Record<string, string>;
  source: 'env' | 'playwright' | 'system' | 'npm';
}

/** Everything discovery looks at, so that a test can stand in for the machine. */
export interface DiscoveryOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
  platform?: NodeJS.Platform;
  systemPaths?: readonly string[];
  /** The last resort: a packaged browser, or why there is none. */
  npm?: () => Promise<BrowserBinary | string>;
}

export const SYSTEM_BROWSERS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** Where `npx playwright install` puts browsers unless PLAYWRIGHT_BROWSERS_PATH says otherwise. */
export function playwrightRoot(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform): string {
  if (env.PLAYWRIGHT_BROWSERS_PATH && env.PLAYWRIGHT_BROWSERS_PATH !== '0') return env.PLAYWRIGHT_BROWSERS_PATH;
  if (platform === 'darwin') return join(home, 'Library', 'Caches', 'ms-playwright');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'ms-playwright');
  return join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'ms-playwright');
}

// Inside one chromium-NNNN folder, by platform and Playwright version.
const PLAYWRIGHT_EXECUTABLES = [
  'chrome-linux/chrome',
  'chrome-linux64/chrome',
  'chrome-headless-shell-linux64/chrome-headless-shell',
  'chrome-linux/headless_shell',
  'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
  'chrome-mac-arm64/Chromium.app/Contents/MacOS/Chromium',
  'chrome-headless-shell-mac-arm64/chrome-headless-shell',
  'chrome-headless-shell-mac-x64/chrome-headless-shell',
  'chrome-win/chrome.exe',
  'chrome-win64/chrome.exe',
];

/** The newest revision wins (compared as numbers: chromium-1200 is newer than chromium-999). */
function playwrightBrowser(root: string): string | null {
  if (!existsSync(root)) return null;
  const dirs = readdirSync(root)
    .map((name) => ({ name, m: /^chromium(_headless_shell)?-(\d+)$/.exec(name) }))
    .filter((d): d is { name: string; m: RegExpExecArray } => d.m !== null)
    // Newest first; at one revision the full browser before the headless shell.
    .sort((a, b) => Number(b.m[2]) - Number(a.m[2]) || Number(a.m[1] !== undefined) - Number(b.m[1] !== undefined));
  for (const { name } of dirs) {
    for (const rel of PLAYWRIGHT_EXECUTABLES) {
      const p = join(root, name, rel);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

export async function discoverBrowser(options: DiscoveryOptions = {}): Promise<BrowserBinary> {
  const env = options.env ?? process.env;
  const fromEnv = env.VAE_CHROMIUM || env.CHROMIUM_PATH;
  if (fromEnv) {
    const name = env.VAE_CHROMIUM ? 'VAE_CHROMIUM' : 'CHROMIUM_PATH';
    if (!existsSync(fromEnv)) throw new Error(`${name} names ${fromEnv}, which does not exist`);
    return { executablePath: fromEnv, env: {}, source: 'env' };
  }
  const root = playwrightRoot(env, options.home ?? homedir(), options.platform ?? process.platform);
  const pw = playwrightBrowser(root);
  if (pw) return { executablePath: pw, env: {}, source: 'playwright' };
  const systemPaths = options.systemPaths ?? SYSTEM_BROWSERS;
  const system = systemPaths.find((p) => existsSync(p));
  if (system) return { executablePath: system, env: {}, source: 'system' };
  const npm = await (options.npm ?? npmBrowser)();
  if (typeof npm !== 'string') return npm;
  throw new Error(
    'No Chromium found for the end-to-end tests. Looked at, in order:\n' +
      '  - VAE_CHROMIUM: not set\n' +
      `  - Playwright's browsers in ${root}: none\n` +
      `  - installed browsers: none of ${systemPaths.join(', ')}\n` +
      `  - the @sparticuz/chromium npm package: ${npm}\n` +
      'Set VAE_CHROMIUM to a Chrome/Chromium binary, run `npx playwright install chromium`, or install Chrome/Chromium.',
  );
}

/** Where unpacked packaged browsers are kept, one folder per package version, shared by checkouts. */
function cacheRoot(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vae-workbench');
}

/**
 * The Chromium inside `@sparticuz/chromium`, unpacked once per package version. The package unpacks
 * into the OS temp folder, where another checkout or an older version may have left a different
 * binary, so it runs in a child whose temp folder is a fresh one; the folder is renamed into place
 * when complete, so that two processes starting at once never use a half-written binary.
 */
export async function npmBrowser(cache = cacheRoot()): Promise<BrowserBinary | string> {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return `it ships Linux x64 only (this is ${process.platform} ${process.arch})`;
  let pkgDir: string;
  try {
    pkgDir = packageDir(createRequire(import.meta.url).resolve('@sparticuz/chromium'));
  } catch {
    return 'not installed (run `npm install`)';
  }
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const dir = join(cache, `chromium-npm-${version}`);
  const binary: BrowserBinary = {
    executablePath: join(dir, 'chromium'),
    env: { FONTCONFIG_FILE: join(dir, 'fonts.conf') },
    source: 'npm',
  };
  if (existsSync(binary.executablePath)) return binary;

  mkdirSync(cache, { recursive: true });
  const partial = mkdtempSync(`${dir}.partial-`);
  try {
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "console.log(await (await import('@sparticuz/chromium')).default.executablePath())"],
      { cwd: pkgDir, env: { ...process.env, TMPDIR: partial }, encoding: 'utf8' },
    );
    if (r.status !== 0 || !existsSync(join(partial, 'chromium')))
      return `unpacking it into ${partial} failed (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`;
    writeFileSync(join(partial, 'fonts.conf'), fontConfig(dir));
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, dir);
    } catch (e) {
      // Another process finished first; its copy is as good as ours.
      if (!existsSync(binary.executablePath)) throw e;
    }
    return binary;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * A machine with nothing but Node has no fonts at all, and Chromium then draws no text. The package
 * ships Open Sans; the system's own fonts (symbols, monospace) come first where there are any.
 */
function fontConfig(dir: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <cachedir>${join(dir, 'fontconfig-cache')}</cachedir>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${join(dir, 'fonts')}</dir>
</fontconfig>
`;
}

function packageDir(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@sparticuz/chromium')
      return dir;
  }
  throw new Error(`no package.json above ${entry}`);
}

let found: Promise<BrowserBinary> | null = null;

/** The browser for this process, found once. */
export function findBrowser(): Promise<BrowserBinary> {
  found ??= discoverBrowser();
  return found;
}
