// `npm run runs -- eval ID [--k N] [--images N] [--checkpoint STEP] [--json]`: evaluates a checkpoint
// of a run (the latest by default) in a worker thread, prints its progress on stderr, stores the
// result and prints it. Ctrl-C cancels it (nothing is stored).

import type { EvaluationRecord } from '../../shared/evaluation.ts';
import { AppFailure } from '../../shared/result.ts';
import { EvaluationService } from '../eval/index.ts';
import type { Store } from '../store/index.ts';
import { EXIT_STOPPED, UsageError } from './common.ts';

export interface EvalArgs {
  k?: string;
  images?: string;
  checkpoint?: string;
  json?: boolean;
}

function whole(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) throw new UsageError(`--${name} expects a whole number of at least ${min}, got "${text}"`);
  return n;
}

export function evaluationText(e: EvaluationRecord): string {
  return [
    `NLL_${e.k} ${e.nll.toFixed(2)} ± ${e.nllStdErr.toFixed(2)} nats (${e.bitsPerDim.toFixed(4)} bits/dim)`,
    `  on ${e.images} ${e.split} images, binarization ${e.binarization}, checkpoint at step ${e.checkpointStep}`,
    `  -ELBO of the same draws ${e.negElbo.toFixed(2)}; active units ${e.activeUnits}/${e.latentDim}; I(x;z) ${e.mutualInfo.toFixed(2)} nats`,
    `  ${(e.durationMs / 1000).toFixed(1)} s on ${e.backend}`,
  ].join('\n');
}

/** --checkpoint: `last` (or absent) for the latest, `best` for the best epoch's, or a step. */
function checkpointStep(store: Store, runId: number, arg: string | undefined): number | undefined {
  if (arg === undefined || arg === 'last') return undefined;
  if (arg !== 'best') return whole('checkpoint', arg, 0);
  const best = store.checkpoints.best(runId);
  if (!best)
    throw new AppFailure({
      code: 'not-found',
      message: `run ${runId} has no best checkpoint yet (no epoch ended with a held-out loss)`,
    });
  return best.step;
}

export async function evalCommand(store: Store, runId: number, args: EvalArgs, out: (text: string) => void): Promise<number> {
  const run = store.runs.get(runId);
  if (!run) throw new AppFailure({ code: 'not-found', message: `run ${runId} does not exist in ${store.file}` });
  const tty = process.stderr.isTTY && !args.json;
  let last = '';
  const service = new EvaluationService(store, (event) => {
    if (event.type !== 'evaluation' || args.json) return;
    const line = `evaluating run ${runId} at step ${event.step}: NLL_${event.k} ${event.done}/${event.total} images`;
    if (tty) process.stderr.write(`\r${line}`);
    else if (event.state === 'running' && event.done === 0) process.stderr.write(`${line}\n`);
    last = line;
  });
  let stopped = false;
  const onSigint = () => {
    stopped = true;
    service.cancel(runId);
  };
  process.once('SIGINT', onSigint);
  try {
    const record = await service.evaluate(run, {
      k: whole('k', args.k, 1),
      images: whole('images', args.images, 1),
      step: checkpointStep(store, runId, args.checkpoint),
    });
    if (tty && last) process.stderr.write('\n');
    out(args.json ? JSON.stringify(record) : `Run ${runId} "${run.name}"\n${evaluationText(record)}`);
    return 0;
  } catch (e) {
    if (tty && last) process.stderr.write('\n');
    if (stopped) {
      process.stderr.write('Evaluation cancelled; nothing was stored.\n');
      return EXIT_STOPPED;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    service.close();
  }
}
