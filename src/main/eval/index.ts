// Main's side of on-demand evaluation: picks the checkpoint, reads its weights, runs the job in its
// own worker thread (evaluating at k = 5,000 takes minutes), relays the progress as training events
// ('evaluation'), stores the result, and cancels by terminating the thread. One evaluation per run
// at a time; runs evaluate in parallel.

import type { Worker } from 'node:worker_threads';
import { MAX_EVAL_K, type EvaluationRecord, type EvaluationState } from '../../shared/evaluation.ts';
import { AppFailure } from '../../shared/result.ts';
import type { RunRecord, TrainingEvent } from '../../shared/training.ts';
import type { Store } from '../store/index.ts';
import { spawnWorker } from '../worker-threads.ts';
import type { EvalJob, EvalWorkerMessage } from './protocol.ts';

export interface EvaluateOptions {
  /** Checkpoint step; default the latest. */
  step?: number;
  /** Default: the run's end-of-training k, else 100. */
  k?: number;
  /** Default: the run's evaluation image count, else 1,000. */
  images?: number;
}

interface Job {
  worker: Worker;
  cancel: () => void;
}

const invalid = (message: string, field: string) => new AppFailure({ code: 'invalid-argument', message, field });

export class EvaluationService {
  private readonly jobs = new Map<number, Job>();

  constructor(
    private readonly store: Store,
    private readonly emit: (event: TrainingEvent) => void = () => {},
  ) {}

  /** Runs being evaluated now. */
  activeRunIds(): number[] {
    return [...this.jobs.keys()];
  }

  evaluate(run: RunRecord, options: EvaluateOptions = {}): Promise<EvaluationRecord> {
    if (this.jobs.has(run.id))
      throw new AppFailure({ code: 'conflict', message: `Run ${run.id} is being evaluated already; wait for it or cancel it.` });
    const k = options.k ?? (run.config.run.evalSamples || 100);
    if (!Number.isInteger(k) || k < 1 || k > MAX_EVAL_K)
      throw invalid(`k must be a whole number from 1 to ${MAX_EVAL_K}, got ${k}`, 'k');
    const images = options.images ?? run.config.run.evalImages ?? 1000;
    if (!Number.isInteger(images) || images < 1)
      throw invalid(`images must be a whole number of at least 1, got ${images}`, 'images');
    const checkpoints = this.store.checkpoints.list(run.id);
    const meta = options.step === undefined ? checkpoints.at(-1) : checkpoints.find((c) => c.step === options.step);
    if (!meta) {
      const have = checkpoints.length ? `it has ${checkpoints.map((c) => c.step).join(', ')}` : 'it has none yet';
      const what = options.step === undefined ? 'no checkpoint' : `no checkpoint at step ${options.step}`;
      throw new AppFailure({ code: 'not-found', message: `Run ${run.id} has ${what}; ${have}.`, field: 'step' });
    }
    const checkpoint = this.store.checkpoints.load(meta.id);
    if (!checkpoint)
      throw new AppFailure({ code: 'not-found', message: `The checkpoint of run ${run.id} at step ${meta.step} was removed.` });
    const job: EvalJob = {
      config: run.config,
      fingerprint: run.datasetFingerprint,
      runLabel: `run ${run.id}`,
      checkpointStep: meta.step,
      encoder: checkpoint.encoder,
      decoder: checkpoint.decoder,
      k,
      images,
    };
    const event = (state: EvaluationState, done: number, total: number, message = '') =>
      this.emit({ type: 'evaluation', runId: run.id, step: meta.step, k, state, done, total, message });
    event('running', 0, images);
    const worker = spawnWorker(import.meta.url, 'eval-worker', job, { tensorflow: true });
    return new Promise<EvaluationRecord>((resolve, reject) => {
      let settled = false;
      let total = images;
      const end = (state: EvaluationState, error: AppFailure | null, record?: EvaluationRecord) => {
        if (settled) return;
        settled = true;
        this.jobs.delete(run.id);
        void worker.terminate();
        event(state, state === 'done' ? total : 0, total, error?.message ?? '');
        if (record) resolve(record);
        else reject(error!);
      };
      this.jobs.set(run.id, {
        worker,
        cancel: () =>
          end('cancelled', new AppFailure({ code: 'conflict', message: `The evaluation of run ${run.id} was cancelled.` })),
      });
      worker.on('message', (m: EvalWorkerMessage) => {
        if (m.type === 'progress') {
          total = m.total;
          event('running', m.done, m.total);
        } else if (m.type === 'error') end('failed', new AppFailure(m.error));
        else {
          try {
            end('done', null, this.store.evaluations.add(run.id, m.result));
          } catch (e) {
            end('failed', e instanceof AppFailure ? e : new AppFailure({ code: 'store-error', message: String(e) }));
          }
        }
      });
      worker.on('error', (e) =>
        end('failed', new AppFailure({ code: 'internal', message: `the evaluation worker failed: ${e.message}` })),
      );
      worker.on('exit', (code) =>
        end(
          'failed',
          new AppFailure({ code: 'internal', message: `the evaluation worker exited (code ${code}) without an answer` }),
        ),
      );
    });
  }

  /** Cancels the run's evaluation; false when none was running. */
  cancel(runId: number): boolean {
    const job = this.jobs.get(runId);
    if (!job) return false;
    job.cancel();
    return true;
  }

  close(): void {
    for (const runId of [...this.jobs.keys()]) this.cancel(runId);
  }
}
