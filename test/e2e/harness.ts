// End-to-end harness: the built app served by `out/main/serve.js` in a child process (exactly what
// `npm run serve` runs) on a free port and a temporary database, and a headless Chromium to drive
// it. The build is refreshed when any source is newer than it, under a lock, so test files running
// in parallel build once and never serve a half-written `out/`.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findBrowser } from './browser.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const BUILD_OUTPUTS = ['out/main/serve.js', 'out/main/worker.js', 'out/renderer/index.html'];
const BUILD_INPUTS = ['src', 'electron.vite.config.ts', 'package.json', 'svelte.config.js', 'tsconfig.web.json'];
const LOCK = join(ROOT, 'out', '.e2e-build-lock');
const STALE_LOCK_MS = 10 * 60_000;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

function buildIsFresh(): boolean {
  const outputs = BUILD_OUTPUTS.map((p) => join(ROOT, p));
  if (!outputs.every(existsSync)) return false;
  const oldestOutput = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return BUILD_INPUTS.every((p) => newestMtime(join(ROOT, p)) <= oldestOutput);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withBuildLock<T>(fn: () => T): Promise<T> {
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A build killed midway leaves its lock behind.
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await sleep(250);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Runs `electron-vite build` unless out/ is newer than every source. VAE_E2E_SKIP_BUILD=1 tests the
 * build as it is (e.g. one you patched or built yourself), as long as it exists.
 */
export async function ensureBuilt(): Promise<void> {
  if (process.env.VAE_E2E_SKIP_BUILD && BUILD_OUTPUTS.every((p) => existsSync(join(ROOT, p)))) return;
  if (buildIsFresh()) return;
  await withBuildLock(() => {
    if (buildIsFresh()) return;
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`electron-vite build failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  });
}

export interface Workbench {
  /** The printed address, with the token; opening it trades the token for a session cookie. */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The app itself, http://127.0.0.1:PORT/<per-launch prefix>, for `${base}/#/runs/3` once the session is set. */
  base: string;
  /** The contract's socket with the token in its address, for a test's own protocol client. */
  wsUrl: string;
  token: string;
  port: number;
  dbPath: string;
  child: ChildProcess;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (runs checkpoint and the database closes), then the temp folder goes. Resolves with the exit code. */
  close(): Promise<number | null>;
}

export interface WorkbenchOptions {
  /** Default: a fresh database in a temp folder. */
  dbPath?: string;
  extraArgs?: string[];
  timeoutMs?: number;
}

const URL_LINE = /VAE Workbench is running at (http:\/\/\S+)/;

export async function startWorkbench(options: WorkbenchOptions = {}): Promise<Workbench> {
  await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'vae-e2e-'));
  const dbPath = options.dbPath ?? join(dir, 'workbench.db');
  const child = spawn(
    process.execPath,
    [join(ROOT, 'out', 'main', 'serve.js'), '--port', '0', '--db', dbPath, '--no-open', ...(options.extraArgs ?? [])],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VAE_WORKBENCH_HOME: dir } },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`serve.js printed no address within ${options.timeoutMs ?? 30_000} ms:\n${output}`)),
      options.timeoutMs ?? 30_000,
    );
    const poll = setInterval(() => {
      const m = URL_LINE.exec(output);
      if (m) done(m[1]!);
    }, 20);
    const onExit = (code: number | null) =>
      fail(new Error(`serve.js exited (code ${code}) before printing its address:\n${output}`));
    child.once('exit', onExit);
    function done(value: string) {
      clearTimeout(timer);
      clearInterval(poll);
      child.off('exit', onExit);
      resolveUrl(value);
    }
    function fail(e: Error) {
      clearTimeout(timer);
      clearInterval(poll);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      reject(e);
    }
  });

  const parsed = new URL(url);
  const token = parsed.searchParams.get('token') ?? '';
  const basePath = parsed.pathname.replace(/\/$/, '');
  let closing: Promise<number | null> | null = null;
  return {
    url,
    origin: parsed.origin,
    base: `${parsed.origin}${basePath}`,
    wsUrl: `ws://${parsed.host}${basePath}/ws?token=${encodeURIComponent(token)}`,
    token,
    port: Number(parsed.port),
    dbPath,
    child,
    output: () => output,
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        const code = await exited;
        clearTimeout(killer);
        rmSync(dir, { recursive: true, force: true });
        return code;
      })();
      return closing;
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  const binary = await findBrowser();
  return chromium.launch({
    executablePath: binary.executablePath,
    headless: true,
    env: { ...process.env, ...binary.env },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

export interface PageOptions {
  /** Scripts run in the page before the app (a stub backend, a performance observer). */
  initScripts?: string[];
  acceptDownloads?: boolean;
  /** Console errors that are known and harmless. */
  ignore?: RegExp[];
}

/**
 * A new page in its own context, with every page error and console error collected into `problems`
 * (a test ends by asserting it is empty: a view that works but logs errors is still broken).
 */
/**
 * How long a page waits for anything before it calls the wait a hang: long, because the suite must
 * pass on a loaded 2-core machine (at a load of 13, launching a run from the form took over 30 s,
 * Playwright's default), and nothing here measures time.
 */
export const HANG_GUARD_MS = 90_000;

export async function openPage(
  browser: Browser,
  viewport: { width: number; height: number },
  options: PageOptions = {},
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, acceptDownloads: options.acceptDownloads ?? false });
  for (const content of options.initScripts ?? []) await context.addInitScript({ content });
  const page = await context.newPage();
  page.setDefaultTimeout(HANG_GUARD_MS);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !options.ignore?.some((re) => re.test(m.text()))) problems.push(`console: ${m.text()}`);
  });
  return { page, problems };
}

export const ARTIFACTS = join(ROOT, 'test-artifacts');

/**
 * Photographs the page in the light and the dark scheme into test-artifacts/NAME-SCHEME.png, for a
 * person to look at. `full`: the whole content pane at once; the page itself does not scroll (the
 * pane does), so the window grows to fit it, then returns to `viewport`.
 */
export async function shootSchemes(
  page: Page,
  name: string,
  viewport: { width: number; height: number },
  full = true,
): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (full) {
    const bottom = await page.locator('main').evaluate((el) => {
      const main = el as unknown as { scrollHeight: number; getBoundingClientRect(): { top: number } };
      return main.scrollHeight + main.getBoundingClientRect().top;
    });
    await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, Math.ceil(bottom)) });
  }
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    // Canvases (charts, the scatter) repaint their colours on the scheme change: give them a frame.
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${colorScheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(viewport);
}
