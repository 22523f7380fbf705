// The IPC binding against a real AppCore on a temporary database, with a fake ipcMain standing in
// for Electron's: every contract method is bound (and nothing else), payloads are validated before
// anything changes, and calls from anything but the app's own top frame are refused.

import { unpackRunList, type PackedRunList } from '../src/shared/run-list.ts';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAppCore } from '../src/main/app-core.ts';
import { bindIpc, FOREIGN_SENDER_MESSAGE, type IpcMainLike, type SenderLike } from '../src/main/electron/ipc.ts';
import { METHOD_NAMES, type WorkbenchEvent } from '../src/shared/contract.ts';
import type { Result } from '../src/shared/result.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { presetConfig, tempDir } from './helpers.ts';

const APP_ROOT = 'file:///opt/vae-workbench/out/renderer/';
const APP_PAGE = `${APP_ROOT}index.html`;

type Handler = (event: SenderLike, ...args: unknown[]) => Promise<Result<unknown>>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      assert.ok(!handlers.has(channel), `${channel} registered twice`);
      handlers.set(channel, listener as unknown as Handler);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  const invoke = (channel: string, payload: unknown, sender: SenderLike = { senderFrame: { url: APP_PAGE, parent: null } }) => {
    const handler = handlers.get(channel);
    assert.ok(handler, `no handler for ${channel}`);
    return handler(sender, payload);
  };
  return { ipcMain, handlers, invoke };
}

function fakeWindow() {
  const sent: [string, unknown][] = [];
  let destroyed = false;
  return {
    sent,
    destroy: () => (destroyed = true),
    win: {
      isDestroyed: () => destroyed,
      webContents: { isDestroyed: () => destroyed, send: (channel: string, payload: unknown) => sent.push([channel, payload]) },
    },
  };
}

async function waitFor(check: () => boolean, ms = 2000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('IPC binds exactly the contract to a real core, validating and refusing foreign senders', async (t) => {
  const dir = tempDir(t);
  const core = createAppCore({ databasePath: join(dir, 'workbench.db'), shell: 'electron' });
  t.after(() => core.close());
  const { ipcMain, handlers, invoke } = fakeIpcMain();
  const { win, sent, destroy } = fakeWindow();
  const binding = bindIpc(ipcMain, core, () => win, APP_ROOT);

  // Every method has a handler, and there is nothing else to call.
  assert.deepEqual([...handlers.keys()].sort(), METHOD_NAMES.map((m) => `workbench:${m}`).sort());

  const info = await invoke('workbench:getAppInfo', undefined);
  assert.ok(info.ok);
  assert.equal((info.value as { shell: string }).shell, 'electron');

  const run = core.store.runs.create({ config: presetConfig('quick'), name: 'first' });
  const listed = (await invoke('workbench:listRuns', undefined)) as Result<PackedRunList>;
  assert.ok(listed.ok);
  assert.deepEqual(
    unpackRunList(listed.value).map((r) => r.id),
    [run.id],
  );

  // Bad payloads come back as error envelopes and change nothing.
  const badName = await invoke('workbench:updateRun', { runId: run.id, name: 42 });
  assert.deepEqual(badName.ok ? null : [badName.error.code, badName.error.field], ['invalid-argument', 'name']);
  const extraKey = await invoke('workbench:updateRun', { runId: run.id, name: 'x', admin: true });
  assert.equal(extraKey.ok, false);
  const noIds = await invoke('workbench:deleteRuns', { runIds: [] });
  assert.equal(noIds.ok, false);
  const argsWhereNone = await invoke('workbench:listRuns', { all: true });
  assert.equal(argsWhereNone.ok, false);
  assert.equal(core.store.runs.get(run.id)?.name, 'first');

  // A valid edit goes through and the window hears that runs changed.
  const renamed = (await invoke('workbench:updateRun', { runId: run.id, name: 'renamed' })) as Result<RunRecord>;
  assert.ok(renamed.ok);
  assert.equal(renamed.value.name, 'renamed');
  await waitFor(() =>
    sent.some(([channel, e]) => channel === 'workbench:event' && (e as WorkbenchEvent).type === 'runs-changed'),
  );

  // Foreign pages, subframes and vanished frames are refused, even with a valid payload.
  const foreignSenders: SenderLike[] = [
    { senderFrame: { url: 'https://evil.example/', parent: null } },
    { senderFrame: { url: 'file:///tmp/other.html', parent: null } },
    { senderFrame: { url: APP_PAGE, parent: {} } },
    { senderFrame: null },
  ];
  for (const sender of foreignSenders) {
    const r = await invoke('workbench:deleteRuns', { runIds: [run.id] }, sender);
    assert.deepEqual(r, { ok: false, error: { code: 'forbidden', message: FOREIGN_SENDER_MESSAGE } });
  }
  assert.ok(core.store.runs.get(run.id), 'a refused call deleted nothing');

  // Menu commands reach the window on their own channel; a closed window gets nothing.
  binding.sendCommand('new-experiment');
  assert.deepEqual(sent.at(-1), ['workbench:command', { type: 'command', command: 'new-experiment' }]);
  destroy();
  const before = sent.length;
  binding.sendCommand('open-data-file');
  assert.equal(sent.length, before);

  binding.dispose();
  assert.equal(handlers.size, 0);
});
