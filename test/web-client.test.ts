// The renderer's WebSocket client (src/renderer/src/lib/client/ws.ts) against the real server,
// driven from Node with the `ws` package standing in for the browser's WebSocket: every contract
// method as a Result, events, a lost connection turning into `internal` failures instead of
// rejections, reconnecting with listeners still subscribed, and where the socket is opened.
import { packRunList, unpackRunList } from '../src/shared/run-list.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createAppCore } from '../src/main/app-core.ts';
import { startServer, type RunningServer } from '../src/main/web/server.ts';
import { METHOD_NAMES, type WorkbenchEvent } from '../src/shared/contract.ts';
import { connectWebSocketClient, type PageLocation, type SocketConstructor } from '../src/renderer/src/lib/client/ws.ts';
import { presetConfig } from './helpers.ts';

function pageAt(port: number, pathname: string): PageLocation {
  return { protocol: 'http:', host: `127.0.0.1:${port}`, pathname };
}

/**
 * `ws`'s WebSocket with the launch token added to the address. A browser presents its session
 * cookie instead (test/e2e/cookie-isolation.e2e.test.ts); the token, unlike a session, survives the
 * server restart this test makes on the same address.
 */
function socketWithToken(token: string): SocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(`${url}?token=${encodeURIComponent(token)}`);
    }
  } as unknown as SocketConstructor;
}

test('the renderer client: typed calls, events, lost connections and reconnecting', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vae-web-client-'));
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<div id="app"></div>');
  const core = createAppCore({ databasePath: join(dir, 'w.db'), shell: 'browser' });
  let server: RunningServer = await startServer({ core, staticDir });
  const { port, token, basePath } = server;
  t.after(async () => {
    await server.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = connectWebSocketClient(pageAt(port, `${basePath}/`), {
    WebSocket: socketWithToken(token),
    retryFirstMs: 50,
    retryMaxMs: 200,
  });
  t.after(() => client.close());
  for (const method of METHOD_NAMES) assert.equal(typeof client[method], 'function', method);
  const events: WorkbenchEvent[] = [];
  client.onEvent((e) => events.push(e));

  // Calls made before the socket opens wait for it.
  const info = await client.getAppInfo();
  assert.ok(info.ok && info.value.shell === 'browser');
  assert.deepEqual(await client.listRuns(), { ok: true, value: packRunList([]) });
  const bad = await client.startRun({ config: { optim: { batchSize: 0 } } as never });
  assert.ok(!bad.ok && bad.error.field === 'optim.batchSize');

  const started = await client.startRun({ config: presetConfig('quick', { 'data.limit': 600, 'optim.epochs': 1 }) });
  assert.ok(started.ok);
  const runId = started.value.id;
  for (
    let i = 0;
    i < 600 &&
    !events.some(
      (e) =>
        e.type === 'training' && e.events.some((te) => te.type === 'status' && te.runId === runId && te.status === 'completed'),
    );
    i++
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const detail = await client.getRun({ runId });
  assert.ok(detail.ok && detail.value.run.status === 'completed' && detail.value.steps.length === detail.value.run.totalSteps);

  // The server goes away with a call in flight: the call resolves with a failure, never rejects.
  const inFlight = client.listRuns();
  await server.close();
  const lost = await inFlight;
  assert.ok(!lost.ok && lost.error.code === 'internal' && /connection/i.test(lost.error.message), JSON.stringify(lost));

  // A call made while disconnected is sent once the server is back; listeners survive and are
  // told to refresh, since events may have been missed meanwhile.
  events.length = 0;
  const whileDown = client.listRuns();
  await new Promise((r) => setTimeout(r, 300));
  server = await startServer({ core, staticDir, port, token, basePath });
  const after = await whileDown;
  assert.ok(after.ok && unpackRunList(after.value).length === 1, JSON.stringify(after));
  assert.ok(events.some((e) => e.type === 'reconnected'));

  client.close();
  const closed = await client.listRuns();
  assert.ok(!closed.ok && closed.error.code === 'internal');
});

test('the renderer client opens its socket beside the page, under the path prefix, with no credential in the address', () => {
  const urls: string[] = [];
  class RecordingSocket {
    onopen = null;
    onmessage = null;
    onclose = null;
    onerror = null;
    constructor(url: string) {
      urls.push(url);
    }
    send() {}
    close() {}
  }
  connectWebSocketClient(pageAt(1, '/Zq3_x-AbCdEfGhIjKlMnOp/'), { WebSocket: RecordingSocket }).close();
  connectWebSocketClient(
    { ...pageAt(1, '/Zq3_x-AbCdEfGhIjKlMnOp/index.html'), protocol: 'https:' },
    { WebSocket: RecordingSocket },
  ).close();
  connectWebSocketClient(pageAt(1, '/'), { WebSocket: RecordingSocket }).close();
  assert.deepEqual(urls, [
    'ws://127.0.0.1:1/Zq3_x-AbCdEfGhIjKlMnOp/ws',
    'wss://127.0.0.1:1/Zq3_x-AbCdEfGhIjKlMnOp/ws',
    'ws://127.0.0.1:1/ws',
  ]);
});
