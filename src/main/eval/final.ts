// The evaluation at the end of training, run by the training worker with the trainer's own models
// and data, before it reports the run finished. It never changes how the run ended: a stop during
// it cancels it, and its failure is reported as the evaluation's, not the run's.

import type { EvaluationResult } from '../../shared/evaluation.ts';
import { MAX_EVAL_K } from '../../shared/evaluation.ts';
import { toAppError } from '../../shared/result.ts';
import type { TrainingEvent } from '../../shared/training.ts';
import type { Trainer } from '../engine/trainer.ts';
import { evaluateCheckpoint } from './evaluate.ts';
import { evaluationImages } from './eval-set.ts';
import { EvaluationCancelled } from './iwae.ts';

export interface FinalEvaluationIo {
  emit(event: TrainingEvent): void;
  result(result: EvaluationResult): void;
  stopped(): boolean;
}

export async function finalEvaluation(runId: number, trainer: Trainer, backend: string, io: FinalEvaluationIo): Promise<void> {
  // Configs stored before these settings existed have none: such runs are evaluated on demand only.
  const k = Math.min(trainer.config.run.evalSamples ?? 0, MAX_EVAL_K);
  if (!(k > 0)) return;
  const set = evaluationImages(trainer.data, trainer.config);
  const total = Math.min(trainer.config.run.evalImages ?? 0, set.images.count);
  if (total < 1) return;
  const step = trainer.position.step;
  const event = (state: 'running' | 'done' | 'failed' | 'cancelled', done: number, message = '') =>
    io.emit({ type: 'evaluation', runId, step, k, state, done, total, message });
  event('running', 0);
  try {
    const result = await evaluateCheckpoint({ config: trainer.config, encoder: trainer.encoder, decoder: trainer.decoder }, set, {
      checkpointStep: step,
      k,
      images: total,
      backend,
      onProgress: (done) => event('running', done),
      cancelled: () => io.stopped(),
    });
    io.result(result);
    event('done', total);
  } catch (e) {
    if (e instanceof EvaluationCancelled) event('cancelled', 0, 'Stopped before the evaluation finished.');
    else event('failed', 0, toAppError(e).message);
  }
}
