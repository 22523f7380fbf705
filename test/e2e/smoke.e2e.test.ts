// The built app in a real browser: the served page mounts the app with no console errors, its
// cookie keeps working once the token is gone from the address, the page can reach the contract
// over its WebSocket under the server's CSP, and without the token nothing is served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startWorkbench } from './harness.ts';

// Chromium reports a meta-tag CSP's frame-ancestors as an error although it is only ignored; the
// server's CSP header enforces it. Remove this once src/renderer/index.html drops the directive.
const KNOWN_NOISE = [/'frame-ancestors' is ignored when delivered via a <meta> element/];

test('browser mode: the app renders with the token and is refused without it', async (t) => {
  const workbench = await startWorkbench();
  t.after(() => workbench.close());
  const browser = await launchBrowser();
  t.after(() => browser.close());

  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !KNOWN_NOISE.some((re) => re.test(m.text()))) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });

  const response = await page.goto(workbench.url);
  assert.equal(response?.status(), 200);
  assert.equal(page.url(), `${workbench.base}/`, 'the token left the address bar');
  assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
  await page.waitForSelector('#app', { state: 'attached' });

  // Later loads carry no token: the HttpOnly session cookie set by the first one lets them in.
  const reload = await page.goto(`${workbench.base}/`);
  assert.equal(reload?.status(), 200);
  await page.waitForSelector('#app', { state: 'attached' });
  assert.equal(await page.evaluate('document.cookie'), '', 'the session cookie is not readable by scripts');

  // A WebSocket from the page itself: allowed by the CSP, authenticated by the cookie alone, and
  // accepted by the origin check with the browser's real Origin header.
  const reply = (await page.evaluate(`new Promise((resolve) => {
    const ws = new WebSocket('ws://' + location.host + location.pathname + 'ws');
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'getAppInfo' }));
    ws.onmessage = (m) => { const f = JSON.parse(m.data); if (f.id === 1) { ws.close(); resolve(f.result); } };
    ws.onerror = () => resolve({ ok: false, error: 'socket error' });
  })`)) as { ok: boolean; value?: { shell: string } };
  assert.equal(reply.ok, true, JSON.stringify(reply));
  assert.equal(reply.value?.shell, 'browser');

  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);

  // A fresh browser profile without the token gets a short refusal and no app.
  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  const refused = await strangerPage.goto(`${workbench.base}/`);
  assert.equal(refused?.status(), 401);
  assert.match(await strangerPage.innerText('body'), /access token/);
  assert.equal(await strangerPage.$('#app'), null);
  const forged = await strangerPage.goto(`${workbench.base}/?token=not-the-token`);
  assert.equal(forged?.status(), 401);
  await stranger.close();
});
