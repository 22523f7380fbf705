// Parsed run configs, kept by run id for listRuns. A run's config is written once, at creation, and
// never updated (no statement touches runs.config afterwards), and AUTOINCREMENT never reuses an id,
// so an id names one config for the life of the database. With 10,000 runs, reading the config
// column and JSON.parse of each config were most of what listing cost; after the first listing only
// new runs' configs are read. The cached objects are shared by every listing, so they are frozen.

import type { ExperimentConfig } from '../../shared/config.ts';
import type { Db } from './migrate.ts';
import { parseStoredConfig } from './run-row.ts';

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export interface ConfigCache {
  /** The configs of `ids`, reading from the database only those not seen yet; forgets every other id. */
  configsOf(ids: readonly number[]): Map<number, ExperimentConfig>;
  /** The config of run `id` whose stored JSON is `json`: the cached object, or `json` parsed and kept. */
  configOf(id: number, json: string): ExperimentConfig;
}

export function createConfigCache(db: Db): ConfigCache {
  const cache = new Map<number, ExperimentConfig>();
  const read = db.prepare<[string], { id: number; config: string }>(
    'SELECT id, config FROM runs WHERE id IN (SELECT value FROM json_each(?))',
  );
  return {
    configOf(id, json) {
      let config = cache.get(id);
      if (config === undefined) cache.set(id, (config = deepFreeze(parseStoredConfig(json))));
      return config;
    },
    configsOf(ids) {
      const missing = ids.filter((id) => !cache.has(id));
      if (missing.length > 0) {
        for (const row of read.all(JSON.stringify(missing))) {
          cache.set(row.id, deepFreeze(parseStoredConfig(row.config)));
        }
      }
      // Deleted runs leave the cache, so it never outgrows the table.
      if (cache.size > ids.length) {
        const live = new Set(ids);
        for (const id of cache.keys()) if (!live.has(id)) cache.delete(id);
      }
      return cache;
    },
  };
}
