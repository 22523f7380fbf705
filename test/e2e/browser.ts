// Finds a Chromium to drive, in the order a developer would expect: an explicit path, Playwright's own
// downloaded browsers, a Chrome/Chromium installed on the system, and last the binary shipped inside
// the `@sparticuz/chromium` npm package (Linux x64 only), so that `npm install && npm test` passes on
// a fresh machine where nothing but Node is installed.

import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface BrowserBinary {
  executablePath: string;
  /** Extra launch arguments the binary needs (the npm-packaged one runs without a GPU or sandbox). */
  args: string[];
  source: 'env' | 'playwright' | 'system' | 'npm';
}

const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** Playwright installs under PLAYWRIGHT_BROWSERS_PATH or ~/.cache/ms-playwright/chromium-NNNN/. */
function playwrightBrowser(): string | null {
  const root = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return null;
  const dirs = readdirSync(root)
    .filter((d) => /^chromium(_headless_shell)?-\d+$/.test(d))
    .sort()
    .reverse();
  for (const dir of dirs) {
    for (const rel of [
      'chrome-linux/chrome',
      'chrome-linux64/chrome',
      'chrome-headless-shell-linux64/chrome-headless-shell',
      'chrome-linux/headless_shell',
    ]) {
      const p = join(root, dir, rel);
      if (existsSync(p)) return p;
    }
  }
  return null;
}

async function npmBrowser(): Promise<BrowserBinary | null> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  try {
    const mod = (await import('@sparticuz/chromium')) as unknown as {
      default: { executablePath(): Promise<string>; args: string[] };
    };
    const executablePath = await mod.default.executablePath();
    return { executablePath, args: mod.default.args, source: 'npm' };
  } catch {
    return null;
  }
}

let found: Promise<BrowserBinary> | null = null;

export function findBrowser(): Promise<BrowserBinary> {
  found ??= (async () => {
    const fromEnv = process.env.VAE_CHROMIUM || process.env.CHROMIUM_PATH;
    if (fromEnv) {
      if (!existsSync(fromEnv)) throw new Error(`VAE_CHROMIUM names ${fromEnv}, which does not exist`);
      return { executablePath: fromEnv, args: [], source: 'env' };
    }
    const pw = playwrightBrowser();
    if (pw) return { executablePath: pw, args: [], source: 'playwright' };
    const system = SYSTEM_BROWSERS.find((p) => existsSync(p));
    if (system) return { executablePath: system, args: [], source: 'system' };
    const npm = await npmBrowser();
    if (npm) return npm;
    throw new Error(
      'No Chromium found for the end-to-end tests: set VAE_CHROMIUM to a Chrome/Chromium binary, ' +
        'run `npx playwright install chromium`, or install Chrome/Chromium.',
    );
  })();
  return found;
}
