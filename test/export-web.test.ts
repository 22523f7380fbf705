// Browser mode's export download: a finished run comes back as a ZIP behind the same session gate
// as everything else, unknown runs are 404 and live ones 409, and the temporary folder is cleaned up.
// Also the Electron-only folder picker's contract, which answers null in browser mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppCore } from '../src/main/app-core.ts';
import { startServer } from '../src/main/web/server.ts';
import { downloadName } from '../src/main/web/export-download.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { presetConfig, tempDir } from './helpers.ts';

const exportTemps = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('vae-export-download-')));

test(
  'GET <prefix>/export/<id>.zip: 200 zip with the models for a finished run, 401 without a session, 404 and 409',
  { timeout: 600_000 },
  async (t) => {
    const dir = tempDir(t);
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>x</title>');
    const core = createAppCore({ databasePath: join(dir, 'w.db'), shell: 'browser' });
    const server = await startServer({ core, staticDir });
    t.after(async () => {
      await server.close();
      await core.close();
    });
    const origin = `http://127.0.0.1:${server.port}`;
    const base = `${origin}${server.basePath}`;
    // A session, as the browser holds after opening the launch URL.
    const launch = await fetch(server.url, { redirect: 'manual' });
    assert.equal(launch.status, 303);
    const auth = { headers: { Cookie: (launch.headers.get('set-cookie') ?? '').split(';')[0]! } };

    const started = await core.call('startRun', {
      config: presetConfig('quick', { 'data.limit': 300, 'optim.epochs': 1, 'run.name': 'zip "me"/now' }),
    });
    assert.ok(started.ok);
    const run = started.value as RunRecord;
    assert.equal((await core.service.waitFor(run.id)).status, 'completed');

    const before = exportTemps();
    const res = await fetch(`${base}/export/${run.id}.zip`, auth);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="zip _me_now.zip"');
    assert.ok(res.headers.get('content-security-policy'), 'the security headers are on downloads too');
    const zip = join(dir, 'run.zip');
    writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
    const tested = spawnSync('python3', ['-m', 'zipfile', '-t', zip], { encoding: 'utf8' });
    assert.equal(tested.status, 0, tested.stderr);
    const listing = spawnSync('python3', ['-m', 'zipfile', '-l', zip], { encoding: 'utf8' }).stdout;
    for (const name of [
      'manifest.json',
      'encoder/model.json',
      'encoder/weights.bin',
      'decoder/model.json',
      'metrics-epochs.csv',
      'samples.png',
    ])
      assert.match(listing, new RegExp(`^${name.replace('.', '\\.')}\\s`, 'm'), `${name} in:\n${listing}`);
    assert.deepEqual(
      [...exportTemps()].filter((n) => !before.has(n)),
      [],
      'the temporary export folder is gone',
    );

    // The token in a download's address is traded for a session like anywhere else, and leaves the address.
    const withToken = await fetch(`${base}/export/${run.id}.zip?token=${server.token}`, { redirect: 'manual' });
    assert.equal(withToken.status, 303);
    assert.equal(withToken.headers.get('location'), `${server.basePath}/export/${run.id}.zip`);

    const anonymous = await fetch(`${base}/export/${run.id}.zip`);
    assert.equal(anonymous.status, 401);
    assert.doesNotMatch(anonymous.headers.get('content-type') ?? '', /zip/);
    const wrong = await fetch(`${base}/export/${run.id}.zip?token=nope`);
    assert.equal(wrong.status, 401);
    const tokenAsCookie = await fetch(`${base}/export/${run.id}.zip`, {
      headers: { Cookie: `vae_workbench_session=${server.token}` },
    });
    assert.equal(tokenAsCookie.status, 401, 'only a session opens the app, never the token as a cookie');
    assert.equal((await fetch(`${origin}/export/${run.id}.zip`, auth)).status, 404, 'downloads live under the prefix');

    const unknown = await fetch(`${base}/export/9999.zip`, auth);
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /Run 9999 does not exist/);
    assert.equal((await fetch(`${base}/export/0.zip`, auth)).status, 404);

    const live = await core.call('startRun', {
      config: presetConfig('quick', { 'data.limit': 2000, 'optim.epochs': 50, 'optim.batchSize': 2 }),
    });
    assert.ok(live.ok);
    const liveId = (live.value as RunRecord).id;
    const busy = await fetch(`${base}/export/${liveId}.zip`, auth);
    assert.equal(busy.status, 409);
    assert.match(await busy.text(), /export it once it has finished or been stopped/);
    core.service.stop(liveId);
    await core.service.waitFor(liveId);
  },
);

test('download names: quotes, slashes and control characters never reach the header', () => {
  assert.equal(downloadName('quick 2026-11-24 11:25', 3), 'quick 2026-11-24 11_25.zip');
  assert.equal(downloadName('a"b\\c/d\r\ne', 3), 'a_b_c_d_e.zip');
  assert.equal(downloadName('Café ünï', 3), 'Cafe uni.zip');
  assert.equal(downloadName('"""', 7), 'run-7.zip');
  assert.equal(downloadName('../..', 7), 'run-7.zip');
});

test('pickExportFolder: validated, and null where there is no native dialog', async (t) => {
  const dir = tempDir(t);
  const browser = createAppCore({ databasePath: join(dir, 'b.db'), shell: 'browser' });
  t.after(() => browser.close());
  assert.deepEqual(await browser.call('pickExportFolder', { suggestedName: 'run 1' }), { ok: true, value: null });
  for (const bad of [
    undefined,
    {},
    { suggestedName: 3 },
    { suggestedName: 'x', dir: '/tmp' },
    { suggestedName: 'x'.repeat(201) },
  ]) {
    const r = await browser.call('pickExportFolder', bad);
    assert.ok(!r.ok && r.error.code === 'invalid-argument', JSON.stringify(bad));
  }
  const asked: string[] = [];
  const electron = createAppCore({
    databasePath: join(dir, 'e.db'),
    shell: 'electron',
    pickExportFolder: async (name) => (asked.push(name), name === 'cancel' ? null : `/home/me/${name}`),
  });
  t.after(() => electron.close());
  assert.deepEqual(await electron.call('pickExportFolder', { suggestedName: 'run 1' }), {
    ok: true,
    value: { path: '/home/me/run 1' },
  });
  assert.deepEqual(await electron.call('pickExportFolder', { suggestedName: 'cancel' }), { ok: true, value: null });
  assert.deepEqual(asked, ['run 1', 'cancel']);
});
