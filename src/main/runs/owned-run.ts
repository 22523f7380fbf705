// A run this process has taken on, from the moment it has a record (created here, or claimed for
// resuming) until it ends: queued without a worker, launching (its worker loads the data), training.

import type { Worker } from 'node:worker_threads';
import type { ExperimentConfig } from '../../shared/config.ts';
import type { RunRecord } from '../../shared/training.ts';
import type { FinishedStatus } from '../store/index.ts';
import type { RunOutput } from './output.ts';

export interface Outcome {
  status: FinishedStatus;
  message: string;
}

export interface OwnedRun {
  runId: number;
  config: ExperimentConfig;
  /** The newest record read, for answering when the store cannot be read any more. */
  record: RunRecord;
  /** Resume from the latest checkpoint (a claimed run) rather than from scratch. */
  fromCheckpoint: boolean;
  /** The data must still be what was checked (or trained on) before, else the run fails clearly. */
  expectFingerprint: string | null;
  /** How a failure to load the data leaves the run: a resumed run goes back to what it was. */
  setupFailure: FinishedStatus;
  phase: 'queued' | 'launching' | 'training';
  /** Set as soon as the worker exists, so a stop can end it while it still loads. */
  worker: Worker | null;
  /** Set once it trains: only then can it be paused or asked to checkpoint and stop. */
  control: Int32Array | null;
  output: RunOutput | null;
  /** Whether successive halving may prune it: not once a person resumed it after it was pruned. */
  gated: boolean;
  /** Why it was pruned, once the judge said so at a rung. */
  pruneMessage: string | null;
  finished: boolean;
  done: Promise<RunRecord>;
  resolveDone: (run: RunRecord) => void;
}

export function ownedRun(record: RunRecord, how: { fromCheckpoint: boolean; setupFailure: FinishedStatus }): OwnedRun {
  let resolveDone!: (run: RunRecord) => void;
  const done = new Promise<RunRecord>((r) => (resolveDone = r));
  return {
    runId: record.id,
    config: record.config,
    record,
    fromCheckpoint: how.fromCheckpoint,
    expectFingerprint: record.datasetFingerprint || null,
    setupFailure: how.setupFailure,
    phase: 'queued',
    worker: null,
    control: null,
    output: null,
    // Resumed by hand after it was pruned: the person overrode the pruning, so it trains to its end.
    gated: how.setupFailure !== 'pruned',
    pruneMessage: null,
    finished: false,
    done,
    resolveDone,
  };
}
