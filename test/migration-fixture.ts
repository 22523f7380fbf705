// What a migration's test starts from: a database file migrated up to just before the migration,
// with one run stored in the schema of then; then the migration runs, and the store opens on it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../src/main/store/migrate.ts';
import { MIGRATIONS } from '../src/main/store/migrations/index.ts';
import { openDatabase, type Store } from '../src/main/store/index.ts';
import { tempDir } from './helpers.ts';

/**
 * The store after migration `name` (numbered `number`) ran on a file that held one completed run
 * (`old`) stored before it. The store closes when the test ends.
 */
export function storeAfterMigration(
  t: { after(fn: () => void): void },
  name: string,
  number: number,
): { store: Store; old: number } {
  const position = MIGRATIONS.findIndex((m) => m.name === name);
  assert.equal(position + 1, number, `migration '${name}' is number ${number}`);
  const file = join(tempDir(t), 'w.db');
  const db = new Database(file);
  migrate(db, MIGRATIONS.slice(0, position));
  const old = Number(
    db.prepare("INSERT INTO runs (name, preset, config, status, created_at) VALUES ('old', 'quick', '{}', 'completed', 0)").run()
      .lastInsertRowid,
  );
  assert.deepEqual(migrate(db, MIGRATIONS.slice(0, position + 1)), [number]);
  db.close();
  const store = openDatabase(file);
  t.after(() => store.close());
  return { store, old };
}
