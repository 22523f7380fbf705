// The run_data table (migration 007): an image folder run's class names and skipped files.

import type { RunDataInfo } from '../../shared/contract.ts';
import { rethrowMissingRun } from './errors.ts';
import type { Db } from './migrate.ts';

export interface RunDataRepo {
  /** Replaces what is kept for the run. */
  save(runId: number, info: RunDataInfo): void;
  /** Null when nothing was kept (not an image folder, or stored before migration 007). */
  get(runId: number): RunDataInfo | null;
}

export function createRunDataRepo(db: Db): RunDataRepo {
  const put = db.prepare<[number, string | null, string]>(
    'INSERT INTO run_data (run_id, class_names, skipped) VALUES (?, ?, ?) ' +
      'ON CONFLICT (run_id) DO UPDATE SET class_names = excluded.class_names, skipped = excluded.skipped',
  );
  const read = db.prepare<[number], { class_names: string | null; skipped: string }>(
    'SELECT class_names, skipped FROM run_data WHERE run_id = ?',
  );
  return {
    save(runId, info) {
      try {
        put.run(runId, info.classNames === null ? null : JSON.stringify(info.classNames), JSON.stringify(info.skipped));
      } catch (e) {
        rethrowMissingRun(e, runId);
      }
    },
    get(runId) {
      const row = read.get(runId);
      if (!row) return null;
      return {
        classNames: row.class_names === null ? null : (JSON.parse(row.class_names) as string[]),
        skipped: JSON.parse(row.skipped) as RunDataInfo['skipped'],
      };
    },
  };
}
