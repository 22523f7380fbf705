// Listing runs reuses parsed configs (src/main/store/config-cache.ts): a config is read and parsed
// once per run, new runs are picked up, deleted ones forgotten, and the shared objects are frozen so
// no caller can change what the next listing returns.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/main/store/index.ts';
import { presetConfig } from './helpers.ts';

test('listing reuses parsed configs and follows creations and deletions', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vae-store-list-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = openDatabase(join(dir, 'runs.db'));
  t.after(() => store.close());
  const a = store.runs.create({ config: presetConfig('quick', { 'model.latentDim': 3 }), createdAt: 1 });
  const b = store.runs.create({ config: presetConfig('quick', { 'model.latentDim': 5 }), createdAt: 2 });

  const first = store.runs.list();
  assert.deepEqual(
    first.map((r) => [r.id, r.config.model.latentDim]),
    [
      [b.id, 5],
      [a.id, 3],
    ],
  );
  const again = store.runs.list();
  assert.equal(again[0]!.config, first[0]!.config, 'the same parsed object, not parsed again');
  assert.deepEqual(again[0]!.config, store.runs.get(b.id)!.config, 'and equal to what get() parses');
  assert.ok(Object.isFrozen(first[0]!.config.model), 'shared configs are frozen, deeply');

  const c = store.runs.create({ config: presetConfig('quick', { 'model.latentDim': 7 }), createdAt: 3 });
  store.runs.remove(a.id);
  assert.deepEqual(
    store.runs.list().map((r) => [r.id, r.config.model.latentDim]),
    [
      [c.id, 7],
      [b.id, 5],
    ],
  );
  // Every other column still comes from the row as it is now.
  store.runs.update(b.id, { name: 'renamed', tags: ['x'] });
  const listed = store.runs.list().find((r) => r.id === b.id)!;
  assert.equal(listed.name, 'renamed');
  assert.deepEqual(listed.tags, ['x']);
  assert.deepEqual(listed, store.runs.get(b.id));
});

/** Two connections to one new database file: this process's and, as it were, another process's. */
function twoConnections(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'vae-store-list-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'runs.db');
  const store = openDatabase(file);
  const other = openDatabase(file);
  t.after(() => {
    store.close();
    other.close();
  });
  return { store, other };
}

test('the list is kept while nothing changes and follows every change, from this connection or another', (t) => {
  const { store, other } = twoConnections(t);
  const a = store.runs.create({ config: presetConfig('quick'), createdAt: 1 });
  const b = store.runs.create({ config: presetConfig('quick'), createdAt: 2 });

  const first = store.runs.list();
  assert.equal(store.runs.list(), first, 'nothing changed: the same list');
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first[0]) && Object.isFrozen(first[0]!.tags), 'frozen for every caller');
  // Writes that change no listed column (a heartbeat, an epoch's metrics) keep the list.
  store.runs.heartbeat(a.id);
  assert.equal(store.runs.list(), first);

  // Another process renames one run, creates one and deletes one.
  other.runs.update(a.id, { name: 'renamed elsewhere' });
  const c = other.runs.create({ config: presetConfig('quick', { 'model.latentDim': 9 }), createdAt: 3 });
  other.runs.remove(b.id);
  const second = store.runs.list();
  assert.notEqual(second, first);
  assert.deepEqual(
    second.map((r) => [r.id, r.name, r.config.model.latentDim]),
    [
      [c.id, c.name, 9],
      [a.id, 'renamed elsewhere', a.config.model.latentDim],
    ],
  );
  assert.equal(second[1], store.runs.list()[1], 'unchanged records are kept as they were');
  assert.deepEqual(second, [store.runs.get(c.id), store.runs.get(a.id)], 'equal to fresh reads');

  // This connection's own status change shows at once too.
  store.runs.setStatus(c.id, 'failed', 'out of memory');
  assert.equal(store.runs.list()[0]!.statusMessage, 'out of memory');
});

test('a list further behind than the change log keeps is read again whole', (t) => {
  const { store, other } = twoConnections(t);
  const run = store.runs.create({ config: presetConfig('quick'), createdAt: 1 });
  const gone = store.runs.create({ config: presetConfig('quick'), createdAt: 2 });
  store.runs.list();
  // The log keeps its newest ~4,096 rows: the deletion is pruned away by the changes after it.
  other.runs.remove(gone.id);
  other.db.transaction(() => {
    for (let step = 1; step <= 5000; step++) other.runs.setProgress(run.id, { step, epoch: 1 });
  })();
  const oldest = other.db.prepare('SELECT MIN(seq) FROM changes').pluck().get() as number;
  assert.ok(oldest > 10, `the log was pruned (oldest seq ${oldest})`);
  assert.deepEqual(
    store.runs.list().map((r) => [r.id, r.step]),
    [[run.id, 5000]],
  );
});
