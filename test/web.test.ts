// Browser mode's server with a real app core on a temporary database and a stand-in renderer
// build: the token gate and its path-scoped session on HTTP and on the WebSocket upgrade, security
// headers, path traversal, malformed and invalid socket messages (which must change nothing), and
// a real run streamed over the socket at no more than ~20 event batches a second.
import { packRunList, unpackRunList, type PackedRunList } from '../src/shared/run-list.ts';
import type { RunListHead } from '../src/shared/run-list-head.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppCore, type AppCore } from '../src/main/app-core.ts';
import { createGate, newBasePath, pathInApp, Sessions } from '../src/main/web/auth.ts';
import { startServer, type RunningServer } from '../src/main/web/server.ts';
import type { RunDetail, WorkbenchEvent } from '../src/shared/contract.ts';
import type { RunRecord, TrainingEvent } from '../src/shared/training.ts';
import { decodeWire, encodeWire, WIRE_MAX_FRAME_BYTES } from '../src/shared/wire.ts';
import { presetConfig } from './helpers.ts';
import { openRpc, upgradeStatus } from './e2e/ws-rpc.ts';

/** Against a hang only, never a time budget: a training run over the socket on a loaded 2-core machine. */
const HANG_MS = 300_000;

const INDEX_HTML =
  '<!doctype html><html><body><div id="app"></div><script type="module" src="/assets/app.js"></script></body></html>';

interface Fixture {
  core: AppCore;
  server: RunningServer;
  /** http://127.0.0.1:PORT, without the path prefix. */
  origin: string;
  /** The app's own address: the origin and the path prefix. */
  base: string;
  wsUrl: string;
  dir: string;
}

async function serve(t: { after(fn: () => Promise<void> | void): void }): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'vae-web-'));
  const staticDir = join(dir, 'static');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'export {};\n');
  writeFileSync(join(dir, 'secret.txt'), 'outside the static folder\n');
  const core = createAppCore({ databasePath: join(dir, 'w.db'), shell: 'browser' });
  const server = await startServer({ core, staticDir });
  t.after(async () => {
    await server.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const origin = `http://127.0.0.1:${server.port}`;
  return {
    core,
    server,
    origin,
    base: `${origin}${server.basePath}`,
    wsUrl: `ws://127.0.0.1:${server.port}${server.basePath}/ws?token=${server.token}`,
    dir,
  };
}

/** The launch URL's token traded for a session, as a browser does on its first load. */
async function sessionCookieOf(server: RunningServer): Promise<string> {
  const r = await rawGet(`http://127.0.0.1:${server.port}`, `${server.basePath}/?token=${server.token}`);
  assert.equal(r.status, 303);
  return String(r.headers['set-cookie']).split(';')[0]!;
}

/** An upgrade request by hand, to see the refusal's headers (ws only reports the status). */
function rawUpgrade(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname,
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A request with the path exactly as given (fetch would normalise `..` away). */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('wire codec: bytes and non-finite numbers round-trip, prototype keys are dropped', () => {
  const pixels = new Uint8Array(100_000).map((_, i) => (i * 7) % 256);
  const value = {
    grid: { rows: 1, pixels },
    empty: new Uint8Array(0),
    buffer: Buffer.from([1, 2, 255]),
    loss: [NaN, Infinity, -Infinity, 1.5],
    s: 'ok',
  };
  const back = decodeWire(encodeWire(value)) as typeof value;
  assert.ok(back.grid.pixels instanceof Uint8Array);
  assert.deepEqual([...back.grid.pixels], [...pixels]);
  assert.equal(back.empty.length, 0);
  assert.deepEqual([...back.buffer], [1, 2, 255]);
  assert.deepEqual(back.loss, [NaN, Infinity, -Infinity, 1.5]);
  assert.equal(back.s, 'ok');

  const hostile = '{"__proto__": {"polluted": true}, "a": {"constructor": {"prototype": {"polluted": true}}, "b": 1}}';
  const decoded = decodeWire(hostile) as Record<string, Record<string, unknown>>;
  assert.equal(Object.hasOwn(decoded, '__proto__'), false);
  assert.deepEqual(Object.keys(decoded.a!), ['b']);
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Merging the decoded value into another object must not reach a prototype either.
  const merged = Object.assign({}, decoded);
  assert.equal((merged as Record<string, unknown>).polluted, undefined);
  assert.throws(() => decodeWire('{not json'));
});

test('the gate: the prefix is a whole path segment, sessions are bounded and lapse oldest first', async (t) => {
  const bp = newBasePath();
  assert.match(bp, /^\/[\w-]{22}$/);
  assert.notEqual(newBasePath(), bp);
  const gate = createGate('token', bp, '127.0.0.1', 5180);
  assert.equal(pathInApp(gate, bp), '');
  assert.equal(pathInApp(gate, `${bp}/`), '/');
  assert.equal(pathInApp(gate, `${bp}/assets/a.js`), '/assets/a.js');
  for (const outside of [`${bp}x`, `${bp}x/ws`, `${bp.slice(0, -1)}/ws`, '/', '/ws', `/a${bp}/ws`]) {
    assert.equal(pathInApp(gate, outside), null, outside);
  }
  for (const bad of ['', '/', '/short', '/has space in it here', '/../../etc/passwd/aaaaaa', `${bp}/`]) {
    assert.throws(() => createGate('token', bad, '127.0.0.1', 5180), /basePath/, bad);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vae-web-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'static'));
  writeFileSync(join(dir, 'static', 'index.html'), INDEX_HTML);
  await assert.rejects(
    startServer({ core: {} as AppCore, staticDir: join(dir, 'static'), basePath: '/guessable' }),
    /basePath must be/,
    'a weak prefix is refused before listening',
  );

  const sessions = new Sessions();
  const ids = Array.from({ length: 65 }, () => sessions.create());
  assert.equal(new Set(ids).size, 65);
  assert.equal(sessions.has(ids[0]!), false, 'the oldest of 65 lapsed');
  assert.ok(ids.slice(1).every((id) => sessions.has(id)));
  assert.equal(sessions.has(''), false);
  assert.equal(sessions.has(`${ids[1]}x`), false);
});

test('HTTP: the token gate, security headers, static files and path traversal', async (t) => {
  const { origin, server } = await serve(t);
  const bp = server.basePath;
  assert.match(server.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}${bp}/\\?token=`));

  // Without credentials every path gets the same 401, whether it exists or not, and no cookie.
  for (const path of [
    '/',
    `${bp}/`,
    `${bp}/index.html`,
    `${bp}/assets/app.js`,
    `${bp}/no/such/thing.js`,
    '/no/such/thing.js',
    `${bp}/?token=wrong-${server.token}`,
    `${bp}/?token=`,
  ]) {
    const r = await rawGet(origin, path);
    assert.equal(r.status, 401, path);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.doesNotMatch(r.body, /<div id="app">/);
    assert.match(r.body, /token/);
    assert.equal(r.headers['set-cookie'], undefined, path);
  }

  // The launch URL trades its token for a session and sends the browser on without the token.
  const launch = await rawGet(origin, `${bp}/?token=${server.token}&view=runs`);
  assert.equal(launch.status, 303);
  assert.equal(launch.headers.location, `${bp}/?view=runs`);
  assert.doesNotMatch(launch.body, /<div id="app">/);
  const setCookie = String(launch.headers['set-cookie']);
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.match(setCookie, new RegExp(`; Path=${bp};`), 'the cookie is scoped to the path prefix');
  assert.ok(!setCookie.includes(server.token), 'the cookie holds a session id, not the token');
  const cookie = setCookie.split(';')[0]!;
  // Old-style addresses without the prefix land on the app, too.
  const bare = await rawGet(origin, `/?token=${server.token}`);
  assert.equal(bare.status, 303);
  assert.equal(bare.headers.location, `${bp}/`);
  assert.notEqual(String(bare.headers['set-cookie']).split(';')[0], cookie, 'each launch gets its own session');

  const page = await rawGet(origin, `${bp}/`, { Cookie: cookie });
  assert.equal(page.status, 200);
  assert.equal(page.body, INDEX_HTML);
  assert.equal(page.headers['set-cookie'], undefined);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  const csp = String(page.headers['content-security-policy']);
  for (const directive of [
    "script-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    `connect-src 'self' ws://127.0.0.1:${server.port}`,
  ]) {
    assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
  }
  const noSlash = await rawGet(origin, bp, { Cookie: cookie });
  assert.equal(noSlash.status, 303, 'relative URLs need the trailing slash');
  assert.equal(noSlash.headers.location, `${bp}/`);

  // The session lets the page's own asset requests in, under the prefix only.
  const asset = await rawGet(origin, `${bp}/assets/app.js`, { Cookie: cookie });
  assert.equal(asset.status, 200);
  assert.equal(asset.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(
    (await rawGet(origin, `${bp}/runs/3`, { Cookie: cookie })).body,
    INDEX_HTML,
    'extension-less paths get index.html',
  );
  assert.equal((await rawGet(origin, `${bp}/assets/missing.js`, { Cookie: cookie })).status, 404);
  assert.equal((await rawGet(origin, '/assets/app.js', { Cookie: cookie })).status, 404, 'nothing is served outside the prefix');
  assert.equal((await rawGet(origin, '/', { Cookie: cookie })).status, 404);
  assert.equal((await rawGet(origin, `${bp}/`, { Cookie: `${cookie}x` })).status, 401);
  assert.equal((await rawGet(origin, `${bp}/`, { Cookie: `vae_workbench_session=${server.token}` })).status, 401);
  // A cookie planted by another server on this host does not hide ours.
  assert.equal((await rawGet(origin, `${bp}/`, { Cookie: `vae_workbench_session=planted; ${cookie}` })).status, 200);

  for (const path of [
    `${bp}/../secret.txt`,
    `${bp}/assets/../../secret.txt`,
    `${bp}/..%2fsecret.txt`,
    `${bp}/%2e%2e/secret.txt`,
    `${bp}/assets/%2e%2e%2f%2e%2e%2fsecret.txt`,
    `${bp}/..%5csecret.txt`,
    `${bp}/%00`,
  ]) {
    const r = await rawGet(origin, path, { Cookie: cookie });
    assert.equal(r.status, 403, path);
    assert.doesNotMatch(r.body, /outside the static folder/);
  }

  // Refusals set no cookie, even when the request carried the token.
  const rebound = await rawGet(origin, `${bp}/?token=${server.token}`, { Host: `evil.example:${server.port}` });
  assert.equal(rebound.status, 403, 'a DNS-rebound name reaches the same socket but is not our host');
  assert.equal(rebound.headers['set-cookie'], undefined);
  const post = await fetch(`${origin}${bp}/?token=${server.token}`, { method: 'POST', redirect: 'manual' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('set-cookie'), null);
});

test('WebSocket: the upgrade needs credentials before anything else, then our own origin and path', async (t) => {
  const { server, wsUrl, origin } = await serve(t);
  const bp = server.basePath;
  const at = (path: string) => `ws://127.0.0.1:${server.port}${path}`;
  // 401 before 404: without credentials no path is told apart from another.
  for (const path of ['/ws', `${bp}/ws`, '/other', `${bp}/other`, `${bp}/ws?token=nope`]) {
    assert.equal(await upgradeStatus(at(path)), 401, path);
  }
  assert.equal(await upgradeStatus(at(`${bp}/other?token=${server.token}`)), 404);
  assert.equal(await upgradeStatus(at(`/ws?token=${server.token}`)), 404, 'the socket lives under the prefix');
  assert.equal(await upgradeStatus(wsUrl, { origin: 'http://evil.example' }), 403);
  assert.equal(await upgradeStatus(wsUrl, { origin: `http://localhost:${server.port + 1}` }), 403);
  assert.equal(
    await upgradeStatus(wsUrl, {
      headers: { Host: `evil.example:${server.port}` },
      origin: `http://evil.example:${server.port}`,
    }),
    403,
  );
  assert.equal(await upgradeStatus(wsUrl, { origin: `http://127.0.0.1:${server.port}` }), 101);

  // A browser page presents its session cookie, which only reaches paths under the prefix.
  const cookie = await sessionCookieOf(server);
  const own = { headers: { Cookie: cookie }, origin: `http://127.0.0.1:${server.port}` };
  assert.equal(await upgradeStatus(at(`${bp}/ws`), own), 101);
  assert.equal(await upgradeStatus(at('/ws'), own), 404);
  assert.equal(await upgradeStatus(at(`${bp}/ws`), { headers: { Cookie: `vae_workbench_session=${server.token}` } }), 401);
  assert.equal(await upgradeStatus(at(`${bp}/ws`), { headers: { Cookie: `${cookie}x` } }), 401);

  // Refused upgrades set no cookie, even with the token.
  for (const [path, headers, status] of [
    ['/elsewhere', {}, 401],
    [`${bp}/ws?token=${server.token}`, { Origin: 'http://evil.example' }, 403],
    [`/ws?token=${server.token}`, {}, 404],
  ] as const) {
    const r = await rawUpgrade(origin, path, headers);
    assert.equal(r.status, status, path);
    assert.equal(r.headers['set-cookie'], undefined, path);
  }
});

test('WebSocket: invalid calls and malformed frames get error envelopes and change nothing', async (t) => {
  const { core, wsUrl } = await serve(t);
  const rpc = await openRpc(wsUrl);
  t.after(() => rpc.close());

  const info = await rpc.call('getAppInfo');
  assert.ok(info.ok);
  assert.equal((info.value as { shell: string }).shell, 'browser');

  const badConfig = await rpc.call('startRun', { config: { optim: { batchSize: 0 } } });
  assert.equal(badConfig.ok, false);
  assert.ok(!badConfig.ok && badConfig.error.field === 'optim.batchSize', JSON.stringify(badConfig));
  assert.ok(!badConfig.ok && ['invalid-config', 'invalid-argument'].includes(badConfig.error.code));

  const unknown = await rpc.call('dropDatabase', {});
  assert.deepEqual(unknown, { ok: false, error: { code: 'invalid-argument', message: 'unknown method "dropDatabase"' } });
  const extraArg = await rpc.call('getRun', { runId: 1, sql: 'DROP TABLE runs' });
  assert.ok(!extraArg.ok && extraArg.error.code === 'invalid-argument' && extraArg.error.field === 'sql');
  const missing = await rpc.call('getRun', { runId: 99 });
  assert.ok(!missing.ok && missing.error.code === 'not-found');

  for (const frame of [
    '{not json',
    '[]',
    '42',
    'null',
    '{"method":"listRuns"}',
    '{"id":{},"method":"listRuns"}',
    '{"id":1.5,"method":"listRuns"}',
  ]) {
    const reply = await rpc.sendRaw(frame);
    assert.equal(reply.id, null, frame);
    assert.equal(reply.result.ok, false, frame);
    assert.ok(!reply.result.ok && reply.result.error.code === 'invalid-argument', frame);
  }
  const binary = await rpc.sendRaw(Buffer.from('{"id":1,"method":"listRuns"}'), { binary: true });
  assert.equal(binary.result.ok, false);

  const runs = await rpc.call('listRuns');
  assert.deepEqual(runs, { ok: true, value: packRunList([]) });
  assert.deepEqual(core.store.runs.list(), []);

  // More than the frame limit closes that one socket; the server keeps serving others.
  rpc.ws.send(JSON.stringify({ id: 1, method: 'listRuns', payload: 'x'.repeat(WIRE_MAX_FRAME_BYTES + 1) }));
  assert.equal((await rpc.closed).code, 1009);
  const again = await openRpc(wsUrl);
  assert.deepEqual(await again.call('listRuns'), { ok: true, value: packRunList([]) });
  await again.close();
});

test('listRuns over the socket follows every change, however often it is asked', async (t) => {
  const { core, wsUrl } = await serve(t);
  const rpc = await openRpc(wsUrl);
  t.after(() => rpc.close());
  const names = async () => {
    const reply = await rpc.call('listRuns');
    assert.ok(reply.ok);
    return unpackRunList(reply.value as PackedRunList).map((r) => r.name);
  };
  const run = core.store.runs.create({ config: presetConfig('quick'), name: 'first' });
  assert.deepEqual(await names(), ['first']);
  assert.deepEqual(await names(), ['first'], 'asked again, unchanged');
  core.store.runs.update(run.id, { name: 'renamed' });
  assert.deepEqual(await names(), ['renamed']);
  core.store.runs.create({ config: presetConfig('quick'), name: 'second', createdAt: run.createdAt + 1 });
  assert.deepEqual(await names(), ['second', 'renamed']);
});

test("listRunsHead over the socket: the table's first rows in its order, following every change", async (t) => {
  const { core, wsUrl } = await serve(t);
  const rpc = await openRpc(wsUrl);
  t.after(() => rpc.close());
  const head = async (direction: 'asc' | 'desc', count = 2) => {
    const reply = await rpc.call('listRunsHead', { sort: { key: 'name', direction }, query: '', count });
    assert.ok(reply.ok);
    const value = reply.value as RunListHead;
    return { names: unpackRunList(value.list).map((r) => r.name), matched: value.matched, total: value.total };
  };
  for (const name of ['b', 'c', 'a']) core.store.runs.create({ config: presetConfig('quick'), name });
  assert.deepEqual(await head('asc'), { names: ['a', 'b'], matched: 3, total: 3 });
  assert.deepEqual(await head('desc'), { names: ['c', 'b'], matched: 3, total: 3 });
  assert.deepEqual(await head('desc'), { names: ['c', 'b'], matched: 3, total: 3 }, 'asked again, unchanged');
  core.store.runs.create({ config: presetConfig('quick'), name: 'd' });
  assert.deepEqual(await head('desc'), { names: ['d', 'c'], matched: 4, total: 4 });
  const refused = await rpc.call('listRunsHead', { sort: { key: 'name', direction: 'desc' }, query: '', count: 0 });
  assert.ok(!refused.ok && refused.error.field === 'count');
});

test('a real run over the socket: coalesced training batches, then getRun returns its steps', async (t) => {
  const { wsUrl } = await serve(t);
  const rpc = await openRpc(wsUrl);
  t.after(() => rpc.close());
  const watcher = await openRpc(wsUrl);
  t.after(() => watcher.close());

  // No NLL evaluation at the end: the socket's stream of training events is the subject.
  const config = presetConfig('quick', { 'data.limit': 600, 'optim.epochs': 1, 'run.evalSamples': 0 });
  const started = await rpc.call('startRun', { config });
  assert.ok(started.ok, JSON.stringify(started));
  const run = started.value as RunRecord;
  const isDone = (e: WorkbenchEvent) =>
    e.type === 'training' && e.events.some((te) => te.runId === run.id && te.type === 'status' && te.status === 'completed');
  await rpc.waitForEvent(isDone, HANG_MS);
  await watcher.waitForEvent(isDone, 5_000);

  const training = rpc.events.filter((r) => r.event.type === 'training');
  const all = training.flatMap((r) => (r.event as Extract<WorkbenchEvent, { type: 'training' }>).events);
  const steps = all.filter((e): e is Extract<TrainingEvent, { type: 'step' }> => e.type === 'step' && e.runId === run.id);
  assert.ok(steps.length > 0);
  assert.deepEqual(
    steps.map((s) => s.step),
    Array.from({ length: steps.length }, (_, i) => i + 1),
    'every step arrives, in order',
  );
  assert.ok(rpc.events.some((r) => r.event.type === 'runs-changed'));
  // Every client gets the same stream.
  assert.equal(
    watcher.events
      .filter((r) => r.event.type === 'training')
      .flatMap((r) => (r.event as Extract<WorkbenchEvent, { type: 'training' }>).events)
      .filter((e) => e.type === 'step').length,
    steps.length,
  );

  const image = all.find((e): e is Extract<TrainingEvent, { type: 'image' }> => e.type === 'image');
  if (image) {
    assert.ok(image.grid.pixels instanceof Uint8Array);
    assert.equal(image.grid.pixels.length, image.grid.rows * image.grid.cols * image.grid.height * image.grid.width);
  }

  const times = training.map((r) => r.at);
  const gaps = times.slice(1).map((at, i) => at - times[i]!);
  const maxPerSecond = Math.max(...times.map((at) => times.filter((b) => b >= at && b < at + 1000).length));
  t.diagnostic(
    `${training.length} training batches for ${steps.length} steps; max ${maxPerSecond} in any second; min gap ${gaps.length ? Math.min(...gaps).toFixed(1) : '-'} ms`,
  );
  // Reported, not asserted: arrival times carry both sides' scheduling, which on a loaded machine
  // delivers delayed batches back to back. The rate is checked where it is decided, on mock timers,
  // in test/events.test.ts.

  const detail = await rpc.call('getRun', { runId: run.id });
  assert.ok(detail.ok);
  const d = detail.value as RunDetail;
  assert.equal(d.run.status, 'completed');
  assert.equal(d.steps.length, d.run.totalSteps);
  assert.equal(d.steps.at(-1)!.step, steps.at(-1)!.step);
  for (const logged of d.images) {
    assert.ok(logged.grid.pixels instanceof Uint8Array, 'stored image pixels (SQLite blobs) cross as bytes');
    assert.equal(logged.grid.pixels.length, logged.grid.rows * logged.grid.cols * logged.grid.height * logged.grid.width);
  }
});

test('a fast stream of steps arrives coalesced: frames carry several steps', async (t) => {
  const { wsUrl } = await serve(t);
  const rpc = await openRpc(wsUrl);
  t.after(() => rpc.close());
  // Tiny batches make hundreds of steps a second: far more events than batches.
  const config = presetConfig('quick', {
    'data.limit': 800,
    'optim.epochs': 1,
    'optim.batchSize': 2,
    'run.previewEvery': 25,
    'run.evalSamples': 0,
  });
  const started = await rpc.call('startRun', { config });
  assert.ok(started.ok, JSON.stringify(started));
  const runId = (started.value as RunRecord).id;
  await rpc.waitForEvent(
    (e) =>
      e.type === 'training' && e.events.some((te) => te.runId === runId && te.type === 'status' && te.status === 'completed'),
    HANG_MS,
  );

  const batches = rpc.events.filter((r) => r.event.type === 'training');
  const stepCount = batches.reduce(
    (n, r) => n + (r.event as Extract<WorkbenchEvent, { type: 'training' }>).events.filter((e) => e.type === 'step').length,
    0,
  );
  const times = batches.map((r) => r.at);
  const span = (times.at(-1)! - times[0]!) / 1000;
  const maxPerSecond = Math.max(...times.map((at) => times.filter((b) => b >= at && b < at + 1000).length));
  t.diagnostic(
    `${stepCount} steps in ${batches.length} batches over ${span.toFixed(2)} s: ${(batches.length / span).toFixed(1)} batches/s on average, max ${maxPerSecond} in any second, ${(stepCount / span).toFixed(0)} steps/s`,
  );
  // The rate is reported, not asserted (see above). Coalescing shows in what the frames carry: sent
  // one by one, no frame would hold two steps. (How many it holds depends on the training speed.)
  const mostSteps = Math.max(
    ...batches.map(
      (r) => (r.event as Extract<WorkbenchEvent, { type: 'training' }>).events.filter((e) => e.type === 'step').length,
    ),
  );
  assert.ok(mostSteps >= 2, `steps were coalesced: at most ${mostSteps} step in one of ${batches.length} batches`);
});
