// A sweep whose runs train on queue workers: stored like any sweep (so the app shows it), its runs
// claimed by this process and handed to the coordinator, followed to their end, and the sweep settled
// as a local one is (completed, or paused when runs were stopped before finishing). `resume`
// re-attaches a coordinator that was killed or stopped: runs it left behind (still running in its
// name: crash recovery leaves runs on a queue to their workers) are claimed again, and their trials,
// still in the queue, are followed from where the store stands.

import type { DataConfig } from '../../shared/config.ts';
import { AppFailure } from '../../shared/result.ts';
import { QUEUE_TAG, sweepTitle, type SweepDefinition, type SweepPoint, type SweepRecord } from '../../shared/sweep.ts';
import type { RunRecord, RunStatus } from '../../shared/training.ts';
import { startHeartbeat, HEARTBEAT_INTERVAL_MS } from '../runs/heartbeat.ts';
import { QueueDataCheck } from '../runs/queue-check.ts';
import type { Store } from '../store/index.ts';
import { DEFAULT_STALE_AFTER_MS } from '../store/liveness.ts';
import type { QueueCoordinator } from './coordinator.ts';

export interface QueueSweepContext {
  store: Store;
  coordinator: QueueCoordinator;
  ownerPid: number;
  /** The queue's URL without its password, recorded on the sweep. */
  where: string;
}

/**
 * Successive halving needs each rung's judge to see every run's held-out loss as it arrives and to
 * hold a run at its rung until judged; on a queue the run waits on another machine, and nothing
 * carries that decision there yet. Refused before anything is stored or connected.
 */
export const QUEUE_PRUNING_REFUSED =
  'pruning (--prune asha, "Stop weak runs early") is not available for sweeps on a queue: the workers cannot wait at a rung for the judge. Run the sweep without pruning, or on this machine';

export function refusePruningOnQueue(definition: SweepDefinition): void {
  if (definition.pruning.kind !== 'none')
    throw new AppFailure({ code: 'invalid-argument', message: `${QUEUE_PRUNING_REFUSED}.`, field: 'pruning' });
}

const dataKey = (d: DataConfig) => JSON.stringify(d);

/** Checks every distinct data setting once (a malformed file is refused before anything is stored). */
async function fingerprints(configs: readonly DataConfig[]): Promise<Map<string, string>> {
  const check = new QueueDataCheck();
  const out = new Map<string, string>();
  for (const d of configs) if (!out.has(dataKey(d))) out.set(dataKey(d), (await check.check(d)).fingerprint);
  return out;
}

export async function createQueueSweep(
  ctx: QueueSweepContext,
  definition: SweepDefinition,
  points: readonly SweepPoint[],
): Promise<SweepRecord> {
  refusePruningOnQueue(definition);
  await fingerprints(points.map((p) => p.config.data));
  const { store } = ctx;
  // The tag tells the app's sweep service that this sweep is not its to drive (sweeps/service.ts); in
  // the same transaction, so no moment exists when the app could take the sweep for a local one.
  const create = store.db.transaction(() => {
    const sweep = store.sweeps.create(definition, sweepTitle(definition), points, ctx.ownerPid);
    store.sweeps.setQueue(sweep.id, ctx.where);
    for (const run of store.runs.list())
      if (run.sweepId === sweep.id) store.runs.update(run.id, { tags: [...run.tags, QUEUE_TAG] });
    return sweep.id;
  });
  return store.sweeps.get(create.immediate())!;
}

/**
 * Claims a stored sweep for this process again, with the runs a gone coordinator left behind: still
 * running or queued in its name (crash recovery leaves runs on a queue alone: their workers own them,
 * store/queue-runs.ts), or interrupted (a worker stopped with Ctrl-C). Each becomes queued and owned
 * here; following it takes in its trial from its checkpoint on, idempotently.
 */
export function reclaimQueueSweep(ctx: QueueSweepContext, id: number): SweepRecord {
  const { store, ownerPid } = ctx;
  const sweep = store.sweeps.claim(id, ownerPid, Date.now() - DEFAULT_STALE_AFTER_MS);
  const left = (status: RunStatus, runId: number) => {
    if (status === 'interrupted') return true;
    const holder = store.runs.owner(runId)?.ownerPid ?? null;
    // Queued and unowned: followQueueSweep claims it with the others.
    return holder === null ? status !== 'queued' : holder !== ownerPid;
  };
  for (const status of ['interrupted', 'running', 'paused', 'queued'] as const)
    for (const runId of store.sweeps.runIds(id, status)) if (left(status, runId)) store.runs.claimForResume(runId, ownerPid);
  return sweep;
}

/** Submits every run of the sweep this process holds or can claim, then follows them to the end. */
export async function followQueueSweep(ctx: QueueSweepContext, id: number): Promise<SweepRecord> {
  const { store, coordinator, ownerPid } = ctx;
  const mine: RunRecord[] = store.runs
    .list()
    .filter((r) => r.sweepId === id && r.status === 'queued' && r.owner?.pid === ownerPid);
  for (let next = store.sweeps.claimNextQueued(id, ownerPid); next; next = store.sweeps.claimNextQueued(id, ownerPid))
    mine.push(next);
  mine.sort((a, b) => (a.sweepIndex ?? 0) - (b.sweepIndex ?? 0));
  const prints = await fingerprints(mine.map((r) => r.config.data));
  for (const run of mine) await coordinator.submit(run, run.datasetFingerprint || prints.get(dataKey(run.config.data)) || '');
  const stopRunBeats = startHeartbeat(store, () => coordinator.runIds());
  const sweepBeat = setInterval(() => {
    try {
      store.sweeps.heartbeat(id, ownerPid);
    } catch {
      // A busy store: the next beat makes up for it.
    }
  }, HEARTBEAT_INTERVAL_MS);
  sweepBeat.unref();
  coordinator.start();
  try {
    await Promise.all(mine.map((r) => coordinator.waitFor(r.id)));
  } finally {
    clearInterval(sweepBeat);
    stopRunBeats();
  }
  const counts = store.sweeps.get(id)!.counts;
  const stopped = counts.interrupted;
  if (counts.queued + counts.running + counts.paused === 0)
    store.sweeps.finishOwned(
      id,
      ownerPid,
      stopped > 0 ? 'paused' : 'completed',
      stopped > 0
        ? `${stopped} run${stopped === 1 ? ' was' : 's were'} stopped before finishing; resume the sweep to continue.`
        : '',
    );
  return store.sweeps.get(id)!;
}
