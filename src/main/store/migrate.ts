// Schema versioning: PRAGMA user_version holds the number of the last migration applied. It lives in the
// database header and is covered by transactions, so a migration and its version bump commit together.

import type Database from 'better-sqlite3';
import { storeError } from './errors.ts';

export type Db = Database.Database;

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
  /**
   * Runs with foreign-key enforcement off, as SQLite's documented way of rebuilding a table requires
   * (dropping a parent table would otherwise cascade into its children). Every reference is checked
   * before the migration commits, and enforcement is turned back on whatever happens.
   */
  foreignKeysOff?: boolean;
}

function checkForeignKeys(db: Db): void {
  const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[];
  const first = broken[0];
  if (first) throw new Error(`${broken.length} row(s) of ${first.table} point at missing ${first.parent} rows`);
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function setSchemaVersion(db: Db, version: number): void {
  // PRAGMA takes no bound parameters; the value is a checked integer from our own migration list.
  if (!Number.isSafeInteger(version) || version < 0) throw new Error(`bad schema version ${version}`);
  db.pragma(`user_version = ${version}`);
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration list out of order: position ${i} holds version ${m.version} (${m.name})`);
    }
  });
}

/**
 * Applies the migrations newer than the database, each in its own IMMEDIATE transaction. The version is
 * re-read inside the write lock because the app and the CLI may open a fresh file at the same moment:
 * the second one waits (busy_timeout), then finds the work done instead of running it twice.
 * Returns the versions it applied.
 */
export function migrate(db: Db, migrations: readonly Migration[], file = 'the database'): number[] {
  checkOrder(migrations);
  const latest = migrations.length;
  const found = schemaVersion(db);
  if (found > latest) {
    throw storeError(
      `${file} has schema version ${found}, but this version of VAE Workbench only knows up to ${latest}. ` +
        'It was written by a newer release: update the app, or open a different database.',
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= found) continue;
    const step = db.transaction(() => {
      if (schemaVersion(db) >= m.version) return false;
      m.up(db);
      if (m.foreignKeysOff) checkForeignKeys(db);
      setSchemaVersion(db, m.version);
      return true;
    });
    // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched around it.
    const enforcing = db.pragma('foreign_keys', { simple: true }) === 1;
    if (m.foreignKeysOff && enforcing) db.pragma('foreign_keys = OFF');
    try {
      if (step.immediate()) applied.push(m.version);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw storeError(`Upgrading ${file} to schema version ${m.version} (${m.name}) failed: ${why}`);
    } finally {
      if (m.foreignKeysOff && enforcing) db.pragma('foreign_keys = ON');
    }
  }
  return applied;
}
