// Listing runs reuses parsed configs (src/main/store/config-cache.ts): a config is read and parsed
// once per run, new runs are picked up, deleted ones forgotten, and the shared objects are frozen so
// no caller can change what the next listing returns.
import { test } from 'node:test';
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
