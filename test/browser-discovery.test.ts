// Which Chromium the end-to-end tests drive, on a machine made up in a temp folder: the explicit
// variable wins over everything, Playwright's downloads come next (the newest revision), then an
// installed browser, then the npm-packaged one, and with none of them the error says where it looked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverBrowser, playwrightRoot, type BrowserBinary } from './e2e/browser.ts';
import { tempDir } from './helpers.ts';

function touch(path: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  return path;
}

const npmBinary: BrowserBinary = { executablePath: '/npm/chromium', env: { FONTCONFIG_FILE: '/npm/fonts.conf' }, source: 'npm' };
const noNpm = () => Promise.resolve('not installed (run `npm install`)');

test('VAE_CHROMIUM wins over Playwright, system and npm browsers', async (t) => {
  const dir = tempDir(t);
  const mine = touch(join(dir, 'my-chrome'));
  const pw = join(dir, 'pw');
  touch(join(pw, 'chromium-1200', 'chrome-linux', 'chrome'));
  const system = touch(join(dir, 'usr-bin-chromium'));
  const found = await discoverBrowser({
    env: { VAE_CHROMIUM: mine, PLAYWRIGHT_BROWSERS_PATH: pw },
    systemPaths: [system],
    npm: () => Promise.resolve(npmBinary),
  });
  assert.deepEqual(found, { executablePath: mine, env: {}, source: 'env' });
});

test('a VAE_CHROMIUM that does not exist is an error, not a silent fallback', async (t) => {
  const missing = join(tempDir(t), 'nope');
  const system = touch(join(tempDir(t), 'chromium'));
  await assert.rejects(
    discoverBrowser({ env: { VAE_CHROMIUM: missing }, systemPaths: [system], npm: noNpm }),
    new RegExp(`VAE_CHROMIUM names ${missing.replace(/[/\\.]/g, '\\$&')}, which does not exist`),
  );
});

test("Playwright's browsers under PLAYWRIGHT_BROWSERS_PATH come before installed ones, the newest revision first", async (t) => {
  const dir = tempDir(t);
  const pw = join(dir, 'ms-playwright');
  touch(join(pw, 'chromium-999', 'chrome-linux', 'chrome'));
  const newest = touch(join(pw, 'chromium-1200', 'chrome-linux64', 'chrome'));
  touch(join(pw, 'chromium_headless_shell-1200', 'chrome-headless-shell-linux64', 'chrome-headless-shell'));
  touch(join(pw, 'firefox-1500', 'firefox', 'firefox'));
  mkdirSync(join(pw, 'chromium-1300')); // an interrupted download: no binary inside
  const system = touch(join(dir, 'usr-bin-chromium'));
  const found = await discoverBrowser({ env: { PLAYWRIGHT_BROWSERS_PATH: pw }, systemPaths: [system], npm: noNpm });
  assert.deepEqual(found, { executablePath: newest, env: {}, source: 'playwright' });
});

test("without PLAYWRIGHT_BROWSERS_PATH, Playwright's default folder for the platform is searched", async (t) => {
  const home = tempDir(t);
  const chrome = touch(join(home, '.cache', 'ms-playwright', 'chromium-1100', 'chrome-linux', 'chrome'));
  const found = await discoverBrowser({ env: {}, home, platform: 'linux', systemPaths: [], npm: noNpm });
  assert.equal(found.executablePath, chrome);
  assert.equal(playwrightRoot({}, '/h', 'darwin'), join('/h', 'Library', 'Caches', 'ms-playwright'));
  assert.equal(playwrightRoot({ LOCALAPPDATA: 'C:/L' }, '/h', 'win32'), join('C:/L', 'ms-playwright'));
});

test('an installed browser comes before the npm package, which is the last resort', async (t) => {
  const dir = tempDir(t);
  const system = touch(join(dir, 'google-chrome'));
  const env = { PLAYWRIGHT_BROWSERS_PATH: join(dir, 'empty') };
  const npm = () => Promise.resolve(npmBinary);
  assert.deepEqual(await discoverBrowser({ env, systemPaths: [join(dir, 'absent'), system], npm }), {
    executablePath: system,
    env: {},
    source: 'system',
  });
  assert.deepEqual(await discoverBrowser({ env, systemPaths: [join(dir, 'absent')], npm }), npmBinary);
});

test('with no browser anywhere, the error lists every place looked at and what to do', async (t) => {
  const dir = tempDir(t);
  const pw = join(dir, 'ms-playwright');
  const absent = join(dir, 'usr', 'bin', 'chromium');
  const error = await discoverBrowser({ env: { PLAYWRIGHT_BROWSERS_PATH: pw }, systemPaths: [absent], npm: noNpm }).then(
    () => assert.fail('a browser was found'),
    (e: Error) => e,
  );
  assert.match(error.message, /^No Chromium found for the end-to-end tests/);
  assert.match(error.message, /VAE_CHROMIUM: not set/);
  assert.ok(error.message.includes(`Playwright's browsers in ${pw}: none`), error.message);
  assert.ok(error.message.includes(`none of ${absent}`), error.message);
  assert.match(error.message, /@sparticuz\/chromium npm package: not installed \(run `npm install`\)/);
  assert.match(error.message, /Set VAE_CHROMIUM .*npx playwright install chromium/);
});
