// Migration 008 (colour-images): the images table's byte-count CHECK widened to one or three bytes a
// pixel. Grids stored before it keep their ids, bytes and change-log trigger; a colour grid then
// fits, and a grid of any other byte count is still refused by the database itself.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../src/main/store/migrate.ts';
import { MIGRATIONS } from '../src/main/store/migrations/index.ts';
import { tempDir } from './helpers.ts';

const position = MIGRATIONS.findIndex((m) => m.name === 'colour-images');

test('008 keeps grayscale grids, admits colour grids, still refuses other byte counts', (t) => {
  assert.ok(position >= 7, 'listed after 007');
  const db = new Database(join(tempDir(t), 'w.db'));
  t.after(() => db.close());
  migrate(db, MIGRATIONS.slice(0, position));
  const run = Number(
    db.prepare("INSERT INTO runs (name, preset, config, status, created_at) VALUES ('r', 'quick', '{}', 'completed', 0)").run()
      .lastInsertRowid,
  );
  const insert = (step: number, bytes: number) =>
    db
      .prepare(
        "INSERT INTO images (run_id, epoch, step, kind, rows, cols, height, width, created_at, pixels) VALUES (?, 1, ?, 'samples', 1, 2, 2, 2, 0, ?)",
      )
      .run(run, step, Buffer.alloc(bytes, step));
  const gray = Number(insert(1, 8).lastInsertRowid);
  assert.throws(() => insert(2, 24), /CHECK constraint failed/, 'before 008 a colour grid is refused');

  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, position + 1)), [position + 1]);
  const kept = db.prepare('SELECT id, pixels FROM images').all() as { id: number; pixels: Buffer }[];
  assert.deepEqual(kept, [{ id: gray, pixels: Buffer.alloc(8, 1) }]);
  const before = db.prepare("SELECT count(*) AS n FROM changes WHERE kind = 'image'").get() as { n: number };
  insert(3, 24);
  const after = db.prepare("SELECT count(*) AS n FROM changes WHERE kind = 'image'").get() as { n: number };
  assert.equal(after.n, before.n + 1, 'the change-log trigger is back on the rebuilt table');
  assert.throws(() => insert(4, 16), /CHECK constraint failed/);
  assert.throws(() => insert(5, 9), /CHECK constraint failed/);
  const index = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'images'").pluck().all();
  assert.deepEqual(index, ['images_run_kind_step']);
});
