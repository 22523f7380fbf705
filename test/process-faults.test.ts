// The processes around the run service under a store fault: the CLI ends with one clear line naming the
// database (no stack trace, no hang) when another process deletes its run mid-training, and the
// browser-mode server keeps serving after a run of its own fails on a full disk.
import { unpackRunList, type PackedRunList } from '../src/shared/run-list.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createAppCore } from '../src/main/app-core.ts';
import { startServer } from '../src/main/web/server.ts';
import type { RunRecord, TrainingEvent } from '../src/shared/training.ts';
import type { WorkbenchEvent } from '../src/shared/contract.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { waitUntil } from './run-helpers.ts';
import { openRpc } from './e2e/ws-rpc.ts';
import { cliArgs } from './cli-run.ts';

test('the CLI whose run is deleted by another process mid-training exits 1 with one line naming the database', async (t) => {
  const file = join(tempDir(t), 'w.db');
  const args = cliArgs('train', ['--db', file, '--preset', 'quick']);
  for (const set of ['data.limit=400', 'optim.epochs=60', 'optim.batchSize=16']) args.push('--set', set);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  let runId = 0;
  await waitUntil(() => {
    try {
      const peek = new Database(file, { readonly: true, fileMustExist: true });
      const row = peek.prepare('SELECT id FROM runs WHERE step > 0').get() as { id: number } | undefined;
      peek.close();
      runId = row?.id ?? 0;
    } catch {
      // Not created yet.
    }
    return runId > 0;
  }, 'the CLI to log its first steps');
  const other = new Database(file);
  other.pragma('foreign_keys = ON');
  other.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  other.close();

  assert.equal(await exited, 1, output);
  assert.match(output, new RegExp(`Run ${runId} .*failed.*Run ${runId} does not exist`));
  assert.ok(output.includes(file), output);
  assert.doesNotMatch(output, /\n\s+at /, 'no stack trace');
});

test('the server keeps serving after one of its runs fails on a full disk', async (t) => {
  const dir = tempDir(t);
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>stand-in</title>');
  const core = createAppCore({ databasePath: join(dir, 'w.db'), shell: 'browser' });
  // Each part is closed even when a later one fails to open: a server left listening would keep this
  // test file's process alive.
  t.after(() => core.close());
  const server = await startServer({ core, staticDir });
  t.after(() => server.close());
  const rpc = await openRpc(`ws://127.0.0.1:${server.port}${server.basePath}/ws?token=${server.token}`);
  t.after(() => rpc.close());
  const training = (match: (e: TrainingEvent) => boolean) => (w: WorkbenchEvent) => w.type === 'training' && w.events.some(match);

  const config = presetConfig('quick', { 'data.limit': 400, 'optim.epochs': 60, 'optim.batchSize': 16 });
  const started = await rpc.call('startRun', { config });
  assert.ok(started.ok, JSON.stringify(started));
  const run = started.value as RunRecord;
  await rpc.waitForEvent(
    training((e) => e.type === 'step' && e.runId === run.id),
    120_000,
  );
  core.store.db.pragma(`max_page_count = ${core.store.db.pragma('page_count', { simple: true }) as number}`);
  await rpc.waitForEvent(
    training((e) => e.type === 'status' && e.runId === run.id && e.status === 'failed'),
    120_000,
  );

  const info = await rpc.call('getAppInfo');
  assert.ok(info.ok);
  // The launch address trades the token for a session: a 303 that sets the cookie means the HTTP side
  // still answers (fetch would follow it without the cookie and meet the gate).
  const page = await fetch(server.url, { redirect: 'manual' });
  assert.equal(page.status, 303);
  assert.match(page.headers.get('set-cookie') ?? '', /HttpOnly/);
  core.store.db.pragma('max_page_count = 1073741823');
  const listed = await rpc.call('listRuns');
  assert.ok(listed.ok);
  assert.equal(unpackRunList(listed.value as PackedRunList)[0]?.id, run.id);
});
