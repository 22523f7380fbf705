// Sweeps on a queue launched from the app or `npm run serve`: this process becomes their coordinator
// (coordinator.ts), exactly as `npm run sweep -- --queue URL` is, and the runs it takes in reach the
// views through the same follower as runs trained by another process. One connection per queue,
// shared by its sweeps and closed when the last ends.
//
// The URL's password is held in memory only: the sweep records the URL without it (redactQueueUrl),
// nothing logs it, and following a sweep again (resume, or after a restart) needs it again: typed
// in, or from VAE_QUEUE_URL when that names the same queue (the workers read the same variable). At
// open, sweeps on that queue are followed again by themselves (reattach); the others wait for Resume.

import { AppFailure, toAppError } from '../../shared/result.ts';
import { parseQueueUrl, redactQueueUrl, sameQueue } from '../../shared/queue-url.ts';
import { expandSweep, type SweepRecord } from '../../shared/sweep.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/index.ts';
import { openQueue, type QueueConnection } from './connect.ts';
import { QueueCoordinator } from './coordinator.ts';
import { DEFAULT_STALE_AFTER_MS } from '../store/liveness.ts';
import { timingFromEnv } from './protocol.ts';
import { createQueueSweep, followQueueSweep, reclaimQueueSweep, refusePruningOnQueue } from './queue-sweep.ts';

export interface AppQueueOptions {
  store: Store;
  log: Logger;
  ownerPid?: number;
  /** A followed sweep changed in a way runs do not show (it ended). */
  sweepChanged: (sweepId: number) => void;
  /** The coordinator wrote to the store (a run started, progressed or ended). */
  stored: () => void;
  /** Where VAE_QUEUE_URL (and the queue's timing) are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

interface Link {
  conn: QueueConnection;
  coordinator: QueueCoordinator;
  sweeps: Set<number>;
}

/**
 * The URL to connect with: the one given, or VAE_QUEUE_URL when the one given has no password (or
 * shows it as ***) and names the same queue. Its shape is checked; the error names the field.
 */
export function resolveQueueUrl(given: string, env: NodeJS.ProcessEnv): string {
  const parsed = parseQueueUrl(given);
  if (!parsed.ok)
    throw new AppFailure({ code: 'invalid-argument', message: `The queue URL ${parsed.message}.`, field: 'queueUrl' });
  const fromEnv = env.VAE_QUEUE_URL;
  const { password } = parsed.value;
  if ((password === '' || password === '***') && fromEnv && sameQueue(given, fromEnv)) return fromEnv.trim();
  if (password === '***')
    throw new AppFailure({
      code: 'invalid-argument',
      message: `The queue URL ${redactQueueUrl(given)} needs its password (or VAE_QUEUE_URL set to it where the workbench runs).`,
      field: 'queueUrl',
    });
  return given.trim();
}

export class AppQueueSweeps {
  private readonly links = new Map<string, Link>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly ownerPid: number;
  private closing = false;

  constructor(private readonly options: AppQueueOptions) {
    this.env = options.env ?? process.env;
    this.ownerPid = options.ownerPid ?? process.pid;
  }

  /** Whether this process follows the sweep now. */
  follows(sweepId: number): boolean {
    return [...this.links.values()].some((l) => l.sweeps.has(sweepId));
  }

  /** Checks the definition and the queue (it connects), stores the sweep and follows it. */
  async create(input: unknown, url: string): Promise<SweepRecord> {
    const expanded = expandSweep(input);
    if (!expanded.ok) throw new AppFailure(expanded.error);
    const { definition, points } = expanded.value;
    refusePruningOnQueue(definition);
    const link = await this.link(resolveQueueUrl(url, this.env));
    let sweep: SweepRecord;
    try {
      sweep = await createQueueSweep(this.context(link), definition, points);
    } catch (e) {
      await this.unlinkIfIdle(link);
      throw e;
    }
    this.follow(link, sweep.id);
    return sweep;
  }

  /** Follows a sweep on a queue again (after the app was closed, or its coordinator died). */
  async resume(sweep: SweepRecord, url: string | undefined): Promise<SweepRecord> {
    if (this.follows(sweep.id) || sweep.status === 'completed') return sweep;
    const given =
      url ?? (this.env.VAE_QUEUE_URL && sweep.queue && sameQueue(sweep.queue, this.env.VAE_QUEUE_URL) ? sweep.queue : '');
    if (given === '')
      throw new AppFailure({
        code: 'invalid-argument',
        message: `Sweep ${sweep.id} trains on the queue ${sweep.queue ?? '(unknown)'}: give its URL with the password to follow it again (or start the workbench with VAE_QUEUE_URL set to it).`,
        field: 'queueUrl',
      });
    if (sweep.queue && !sameQueue(given, sweep.queue))
      throw new AppFailure({
        code: 'invalid-argument',
        message: `Sweep ${sweep.id} trains on the queue ${sweep.queue}, not on ${redactQueueUrl(given)}.`,
        field: 'queueUrl',
      });
    const link = await this.link(resolveQueueUrl(given, this.env));
    let claimed: SweepRecord;
    try {
      claimed = reclaimQueueSweep(this.context(link), sweep.id);
    } catch (e) {
      await this.unlinkIfIdle(link);
      throw e;
    }
    this.follow(link, sweep.id);
    return claimed;
  }

  /**
   * At open: follows again every queue sweep left running with nobody following it (the app was
   * closed, or its coordinator killed) whose queue VAE_QUEUE_URL names. The others wait, their runs
   * as the workers last reported them, until Resume gives the password. Returns the ids it re-attaches.
   */
  reattach(): number[] {
    const fromEnv = this.env.VAE_QUEUE_URL;
    if (!fromEnv) return [];
    const orphans = new Set(this.options.store.sweeps.orphans(Date.now() - DEFAULT_STALE_AFTER_MS));
    const sweeps = this.options.store.sweeps
      .list()
      .filter((s) => s.queue !== null && orphans.has(s.id) && sameQueue(s.queue, fromEnv));
    for (const sweep of sweeps)
      void this.resume(sweep, undefined)
        .then(() => this.options.sweepChanged(sweep.id))
        .catch((e: unknown) =>
          this.options.log.warn(
            `Sweep ${sweep.id} on the queue ${sweep.queue} could not be followed again; Resume reconnects`,
            e,
          ),
        );
    return sweeps.map((s) => s.id);
  }

  /** Stops following (the trials go on on the workers; the sweep is followed again on resume). */
  async close(): Promise<void> {
    this.closing = true;
    const links = [...this.links.values()];
    this.links.clear();
    for (const link of links) {
      await link.coordinator.stop();
      await link.conn.close();
      // Still running, followed by nobody: the next opening re-attaches it, or shows it waiting for Resume.
      for (const id of link.sweeps) this.options.store.sweeps.release(id, this.ownerPid);
    }
  }

  private context(link: Link) {
    return { store: this.options.store, coordinator: link.coordinator, ownerPid: this.ownerPid, where: link.conn.where };
  }

  private async link(url: string): Promise<Link> {
    if (this.closing) throw new AppFailure({ code: 'conflict', message: 'The workbench is shutting down; no sweep can start.' });
    const known = this.links.get(url);
    if (known) return known;
    const conn = await openQueue(url, timingFromEnv(this.env), (e) =>
      this.options.log.warn(`The queue at ${redactQueueUrl(url)} reported a problem`, e),
    );
    const coordinator = new QueueCoordinator(this.options.store, conn, {
      ownerPid: this.ownerPid,
      log: (line) => this.options.log.warn(line),
    });
    coordinator.subscribe(() => this.options.stored());
    const link: Link = { conn, coordinator, sweeps: new Set() };
    this.links.set(url, link);
    return link;
  }

  private follow(link: Link, sweepId: number): void {
    link.sweeps.add(sweepId);
    void followQueueSweep(this.context(link), sweepId)
      .catch((e: unknown) =>
        this.options.log.error(`Sweep ${sweepId} on the queue ${link.conn.where} stopped: ${toAppError(e).message}`),
      )
      .finally(() => {
        link.sweeps.delete(sweepId);
        this.options.stored();
        this.options.sweepChanged(sweepId);
        return this.unlinkIfIdle(link);
      });
  }

  private async unlinkIfIdle(link: Link): Promise<void> {
    if (link.sweeps.size > 0) return;
    for (const [url, l] of this.links) if (l === link) this.links.delete(url);
    await link.coordinator.stop();
    await link.conn.close();
  }
}
