// Browser mode's credentials stay with browser mode, in a real browser: cookies are shared by every
// port of a host, so a browser that opened the workbench and then visits another server on
// 127.0.0.1 must send that server nothing that opens the workbench (no session or token in a
// Cookie, no token or path prefix in a Referer). Meanwhile the app itself keeps working on its
// session: the export download, a socket that drops and reconnects, and the server refusing the
// session on any path outside its prefix, or a request without it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Cookie, Page, WebSocketRoute } from 'playwright-core';
import type { RunRecord } from '../../src/shared/training.ts';
import { presetConfig } from '../helpers.ts';
import { launchBrowser, startWorkbench, type Workbench } from './harness.ts';
import { openRpc, upgradeStatus, type RpcSocket } from './ws-rpc.ts';

/** Another local web server, as a person might run beside the workbench; it records what reaches it. */
interface OtherServer {
  origin: string;
  seen: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function startOtherServer(): Promise<OtherServer> {
  const seen: OtherServer['seen'] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    // A page that also fetches from its own server, as any real page would.
    res.end('<!doctype html><title>other</title><img src="/pixel.png"><p>another local server</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser mode: the session cookie never reaches another local server', { timeout: 180_000 }, () => {
  let workbench: Workbench;
  let other: OtherServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let rpc: RpcSocket;
  let runId = 0;
  let session: Cookie;
  const problems: string[] = [];
  const basePath = () => new URL(workbench.base).pathname;

  before(async () => {
    [workbench, other, browser] = await Promise.all([startWorkbench(), startOtherServer(), launchBrowser()]);
    rpc = await openRpc(workbench.wsUrl);
    // A finished run to download later; it trains while the first steps run.
    const started = await rpc.call('startRun', {
      config: presetConfig('quick', { 'data.limit': 300, 'optim.epochs': 1, 'run.name': 'isolated' }),
    });
    assert.ok(started.ok, JSON.stringify(started));
    runId = (started.value as RunRecord).id;
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });

  after(async () => {
    await rpc?.close();
    await browser?.close();
    await other?.close();
    await workbench?.close();
  });

  test('opening the launch URL trades the token for a session and takes it out of the address bar', async () => {
    const response = await page.goto(workbench.url);
    assert.equal(response?.status(), 200);
    assert.equal(page.url(), `${workbench.base}/`);
    await page.getByTestId('app-info').getByText('Browser mode').waitFor();
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1, JSON.stringify(cookies));
    session = cookies[0]!;
    assert.equal(session.path, basePath(), 'scoped to the per-launch prefix');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.ok(!session.value.includes(workbench.token), 'the cookie holds a session id, never the token');
  });

  test('another server on 127.0.0.1 visited by the same browser receives no credential', async () => {
    for (const path of ['/', '/ws', '/export/1.zip', `/${basePath().slice(1, 6)}`]) {
      const response = await page.goto(`${other.origin}${path}`);
      assert.equal(response?.status(), 200, path);
    }
    // Followed from the workbench's own page, where a Referer would name the page it came from.
    await page.goto(`${workbench.base}/#/runs`);
    await page.getByTestId('nav-runs').waitFor();
    await page.evaluate((href) => {
      const doc = (globalThis as unknown as { document: { createElement(t: string): { href: string; click(): void } } }).document;
      const link = doc.createElement('a');
      link.href = href;
      link.click();
    }, `${other.origin}/from-the-workbench`);
    await page.waitForURL(`${other.origin}/from-the-workbench`);

    const paths = other.seen.map((r) => r.path);
    assert.ok(paths.includes('/from-the-workbench') && paths.includes('/pixel.png'), paths.join(' '));
    for (const { path, headers } of other.seen) {
      assert.equal(headers.cookie, undefined, `${path} arrived with a Cookie: ${headers.cookie}`);
      for (const secret of [workbench.token, session.value, basePath()]) {
        assert.ok(
          !(headers.referer ?? '').includes(secret),
          `${path} arrived with a Referer naming the workbench: ${headers.referer}`,
        );
      }
    }
  });

  test('a page on another port cannot open the workbench socket, even knowing its address', async () => {
    await page.goto(`${other.origin}/attacker`);
    const opened = await page.evaluate(
      (url) =>
        new Promise<boolean>((resolve) => {
          const ws = new (
            globalThis as unknown as { WebSocket: new (u: string) => { onopen: () => void; onerror: () => void; close(): void } }
          ).WebSocket(url);
          ws.onopen = () => {
            ws.close();
            resolve(true);
          };
          ws.onerror = () => resolve(false);
        }),
      `${workbench.base.replace('http:', 'ws:')}/ws`,
    );
    assert.equal(opened, false);
  });

  test('the export download still works on the session', async () => {
    await rpc.waitForEvent(
      (e) => e.type === 'training' && e.events.some((x) => x.type === 'status' && x.runId === runId && x.status === 'completed'),
      120_000,
    );
    await page.goto(`${workbench.base}/#/runs/${runId}`);
    await page.locator(`[data-testid="run-view"][data-status="completed"]`).waitFor();
    const button = page.getByTestId('export');
    await button.and(page.locator(':enabled')).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), button.click()]);
    assert.equal(download.suggestedFilename(), 'isolated.zip');
    const dir = mkdtempSync(join(tmpdir(), 'vae-e2e-isolation-'));
    try {
      const saved = join(dir, 'run.zip');
      await download.saveAs(saved);
      const listing = spawnSync('python3', ['-m', 'zipfile', '-l', saved], { encoding: 'utf8' });
      assert.equal(listing.status, 0, listing.stderr);
      assert.match(listing.stdout, /^manifest\.json\s/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('after its WebSocket drops, the page reconnects on its session and stays live', async () => {
    const sockets: { url: string; page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await page.routeWebSocket(/\/ws$/, (ws) => {
      sockets.push({ url: ws.url(), page: ws, server: ws.connectToServer() });
    });
    await page.goto(`${workbench.base}/#/runs`);
    // Only a fresh document opens a socket the route sees (the step before left one open).
    await page.reload();
    await page.getByTestId(`run-row-${runId}`).waitFor();
    assert.equal(sockets.length, 1);

    // Both ends see the connection go, as when the network drops.
    await sockets[0]!.page.close({ code: 1011, reason: 'dropped by the test' });
    await sockets[0]!.server.close({ code: 1011, reason: 'dropped by the test' });
    // The client reconnects by itself, with backoff.
    for (let i = 0; i < 600 && sockets.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(sockets.length >= 2, 'the page opened a new socket');
    for (const { url } of sockets) assert.doesNotMatch(url, /token/, 'the page presents no token; its cookie authenticates it');

    // Live again: a change made elsewhere reaches the page over the new socket.
    const renamed = await rpc.call('updateRun', { runId, name: 'renamed after the drop' });
    assert.ok(renamed.ok, JSON.stringify(renamed));
    await page.getByTestId(`run-row-${runId}`).getByText('renamed after the drop').waitFor({ timeout: 30_000 });
    await page.unrouteAll();
  });

  test('the session is refused outside its path prefix, and the prefix without it', async () => {
    const cookie = `${session.name}=${session.value}`;
    assert.equal((await get(`${workbench.base}/`, { Cookie: cookie })).status, 200, 'the session opens the app');
    assert.equal((await get(`${workbench.origin}/`, { Cookie: cookie })).status, 404, 'but nothing outside the prefix');
    assert.equal((await get(`${workbench.base}/`)).status, 401);
    assert.equal((await get(`${workbench.base}/`, { Cookie: `${session.name}=${workbench.token}` })).status, 401);
    const wsBase = workbench.base.replace('http:', 'ws:');
    assert.equal(await upgradeStatus(`${wsBase}/ws`, { headers: { Cookie: cookie } }), 101);
    assert.equal(await upgradeStatus(`ws://${new URL(workbench.origin).host}/ws`, { headers: { Cookie: cookie } }), 404);
    assert.equal(await upgradeStatus(`${wsBase}/ws`), 401);

    // A browser without the session (a fresh profile) gets the refusal, not the app.
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    const refused = await strangerPage.goto(`${workbench.base}/`);
    assert.equal(refused?.status(), 401);
    assert.equal(await strangerPage.$('#app'), null);
    await stranger.close();
    assert.deepEqual(problems, []);
  });
});
