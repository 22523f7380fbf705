// The built app in a real browser: the served page mounts the app with no console errors, its
// cookie keeps working once the token is gone from the address, the page can reach the contract
// over its WebSocket under the server's CSP, and without the token nothing is served.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, startWorkbench, type Workbench } from './harness.ts';
import { steps } from './steps.ts';

// Chromium reports a meta-tag CSP's frame-ancestors as an error although it is only ignored; the
// server's CSP header enforces it. Remove this once src/renderer/index.html drops the directive.
const KNOWN_NOISE = [/'frame-ancestors' is ignored when delivered via a <meta> element/];

describe('browser mode: the app renders with the token and is refused without it', () => {
  const step = steps();
  let workbench: Workbench;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async () => {
    workbench = await startWorkbench();
    browser = await launchBrowser();
    ({ page, problems } = await openPage(browser, { width: 1280, height: 800 }, { ignore: KNOWN_NOISE }));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await workbench?.close();
  });

  step('the address with the token serves the app under a CSP', async () => {
    const response = await page.goto(workbench.url);
    assert.equal(response?.status(), 200);
    assert.equal(page.url(), `${workbench.base}/`, 'the token left the address bar');
    assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.waitForSelector('#app', { state: 'attached' });
  });

  step('a later load without the token is let in by the cookie, which scripts cannot read', async () => {
    const reload = await page.goto(`${workbench.base}/`);
    assert.equal(reload?.status(), 200);
    await page.waitForSelector('#app', { state: 'attached' });
    assert.equal(await page.evaluate('document.cookie'), '', 'the session cookie is not readable by scripts');
  });

  step("the page's own WebSocket is allowed by the CSP and the origin check, and reaches the contract", async () => {
    const reply = (await page.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket('ws://' + location.host + location.pathname + 'ws');
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'getAppInfo' }));
      ws.onmessage = (m) => { const f = JSON.parse(m.data); if (f.id === 1) { ws.close(); resolve(f.result); } };
      ws.onerror = () => resolve({ ok: false, error: 'socket error' });
    })`)) as { ok: boolean; value?: { shell: string } };
    assert.equal(reply.ok, true, JSON.stringify(reply));
    assert.equal(reply.value?.shell, 'browser');
  });

  step('no console errors and no failed requests', async () => {
    // Late errors (a failed asset, a socket refused) arrive after the load event.
    await page.waitForTimeout(300);
    assert.deepEqual(problems, []);
  });

  step('a fresh browser profile without the token gets a short refusal and no app', async () => {
    const stranger = await browser.newContext();
    try {
      const strangerPage = await stranger.newPage();
      const refused = await strangerPage.goto(`${workbench.base}/`);
      assert.equal(refused?.status(), 401);
      assert.match(await strangerPage.innerText('body'), /access token/);
      assert.equal(await strangerPage.$('#app'), null);
      const forged = await strangerPage.goto(`${workbench.base}/?token=not-the-token`);
      assert.equal(forged?.status(), 401, 'a wrong token is refused too');
    } finally {
      await stranger.close();
    }
  });
});
