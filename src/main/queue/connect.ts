// Connecting to a queue: a pg pool for the results tables and a started pg-boss on the same
// database. Both packages are loaded here, on first use, so the desktop app, `npm run serve` and
// local sweeps never load them (they are optional dependencies; see package.json).

import type { Pool } from 'pg';
import type PgBoss from 'pg-boss';
import { AppFailure } from '../../shared/result.ts';
import { ensureSchema } from './schema.ts';
import { TRIAL_QUEUE, type QueueTiming } from './protocol.ts';

export interface QueueConnection {
  pool: Pool;
  boss: PgBoss;
  timing: QueueTiming;
  /** The URL without its password, for messages. */
  where: string;
  close(): Promise<void>;
}

/** The URL with its password masked: what may be printed or logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unreadable queue URL)';
  }
}

/** Checks a queue URL's shape before anything connects; the error names what is wrong. */
export function checkQueueUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppFailure({
      code: 'invalid-argument',
      message: `--queue expects postgres://USER:PASSWORD@HOST:PORT/DB, got "${redactUrl(url)}"`,
    });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:')
    throw new AppFailure({ code: 'invalid-argument', message: `--queue must be a postgres:// URL, got ${u.protocol}//` });
}

async function loadPackages(): Promise<{ pg: (typeof import('pg'))['default']; PgBossClass: typeof PgBoss }> {
  try {
    const pg = (await import('pg')).default;
    const PgBossClass = (await import('pg-boss')).default;
    return { pg, PgBossClass };
  } catch (e) {
    throw new AppFailure({
      code: 'internal',
      message: `the queue needs the optional packages pg and pg-boss (npm install): ${(e as Error).message}`,
    });
  }
}

export async function openQueue(url: string, timing: QueueTiming, onError: (e: Error) => void): Promise<QueueConnection> {
  checkQueueUrl(url);
  const where = redactUrl(url);
  const { pg, PgBossClass } = await loadPackages();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', onError);
  let boss: PgBoss | null = null;
  try {
    const client = await pool.connect();
    try {
      await ensureSchema(client);
    } finally {
      client.release();
    }
    boss = new PgBossClass({
      connectionString: url,
      max: 3,
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.round(timing.expireSeconds / 4))),
    });
    boss.on('error', onError);
    await boss.start();
    if (!(await boss.getQueue(TRIAL_QUEUE))) {
      try {
        await boss.createQueue(TRIAL_QUEUE, {
          name: TRIAL_QUEUE,
          policy: 'standard',
          retryLimit: timing.retryLimit,
          retryDelay: 0,
          expireInSeconds: timing.expireSeconds,
        });
      } catch (e) {
        // Another process created it between the look and the create.
        if (!(await boss.getQueue(TRIAL_QUEUE))) throw e;
      }
    }
  } catch (e) {
    await boss?.stop({ graceful: false, wait: true }).catch(() => {});
    await pool.end().catch(() => {});
    throw new AppFailure({ code: 'internal', message: `cannot use the queue at ${where}: ${(e as Error).message}` });
  }
  const started = boss;
  return {
    pool,
    boss: started,
    timing,
    where,
    async close() {
      await started.stop({ graceful: false, wait: true, close: true }).catch(onError);
      await pool.end().catch(onError);
    },
  };
}
