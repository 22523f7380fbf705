// "Which settings matter" as the page runs it: the worker's whole job (answerFit: progress, then the
// same result as a direct fit, or an error naming what is wrong with a request) and the page's
// latest-wins client (ImportanceFitter): a request made during a fit ends that worker and starts a
// fresh one, a reply to an older request is dropped, an idle worker is reused, and a worker that
// fails is reported and replaced. The fitter is driven here through an in-process worker that runs
// the real answerFit when told to, so the order of events is the test's to choose; the real Web
// Worker runs in the end-to-end test (test/e2e/analysis.e2e.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importanceInput, settingsImportance, type ImportanceResult } from '../src/renderer/src/lib/analysis/importance.ts';
import { ImportanceFitter, type WorkerLike } from '../src/renderer/src/lib/analysis/importance-fitter.ts';
import { answerFit, type FitReply, type FitRequest } from '../src/renderer/src/lib/analysis/importance-protocol.ts';
import { syntheticGrid, syntheticRun } from './analysis-fixtures.ts';

const runs = syntheticGrid().map((p, i) => syntheticRun(i + 1, p));

class InProcessWorker implements WorkerLike {
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  onmessageerror: ((e: MessageEvent) => void) | null = null;
  terminated = false;
  readonly inbox: FitRequest[] = [];
  postMessage(message: FitRequest): void {
    // What a real postMessage does to the request: a structured clone (it must survive one).
    this.inbox.push(structuredClone(message));
  }
  terminate(): void {
    this.terminated = true;
  }
  /** Fits the oldest request; `deliver: 'anyway'` hands over replies even after terminate (a reply already in flight). */
  answer(deliver: 'live' | 'anyway' = 'live'): void {
    const request = this.inbox.shift();
    assert.ok(request, 'a request to answer');
    answerFit(request, (reply) => {
      if (deliver === 'anyway' || !this.terminated) this.onmessage?.(new MessageEvent('message', { data: reply }));
    });
  }
}

/** A fitter whose workers run in this process; `workers` lists them in the order they were started. */
function fitterOnInProcessWorkers() {
  const workers: InProcessWorker[] = [];
  const fitter = new ImportanceFitter(() => {
    const w = new InProcessWorker();
    workers.push(w);
    return w;
  });
  return { fitter, workers };
}

function recorder() {
  const seen: { progress: number; results: ImportanceResult[]; errors: string[] } = { progress: 0, results: [], errors: [] };
  return {
    seen,
    handlers: {
      progress: () => void seen.progress++,
      result: (r: ImportanceResult) => void seen.results.push(r),
      error: (m: string) => void seen.errors.push(m),
    },
  };
}

test('the worker answers a request with rising progress, then the same result as a direct fit, naming the request', () => {
  const replies: FitReply[] = [];
  answerFit({ id: 7, input: importanceInput(runs, 'heldOut.total') }, (r) => replies.push(r));
  const progress = replies.filter((r) => r.kind === 'progress');
  assert.ok(progress.length >= 5, `${progress.length} progress replies`);
  const done = progress.map((r) => r.done / r.total);
  assert.deepEqual(
    done,
    [...done].sort((a, b) => a - b),
    'progress only rises',
  );
  assert.equal(done.at(-1), 1);
  const last = replies.at(-1)!;
  assert.ok(last.kind === 'result');
  assert.ok(replies.every((r) => r.id === 7));
  assert.deepEqual(last.result, settingsImportance(runs, 'heldOut.total'));
  assert.ok(last.result.status === 'ok' && last.result.trees === 50 && last.result.used === 30);
});

test('a bad request is answered with an error that says what is wrong, not a crash', () => {
  const replies: FitReply[] = [];
  const post = (r: FitReply) => replies.push(r);
  answerFit(null, post);
  answerFit({ id: 2 }, post);
  const input = importanceInput(runs);
  answerFit({ id: 3, input: { ...input, y: input.y.slice(1) } }, post);
  answerFit({ id: 4, input: { ...input, X: input.X.map((row, i) => (i === 5 ? row.slice(1) : row)) } }, post);
  assert.deepEqual(
    replies.map((r) => [r.id, r.kind === 'error' ? r.error : r.kind]),
    [
      [-1, 'Bad importance request: the request is not an object.'],
      [2, 'Bad importance request: the request has no input.'],
      [3, 'Bad importance request: input.X has 30 rows but input.y has 29 values.'],
      [4, 'Bad importance request: input.X row 5 does not have one value per key (3).'],
    ],
  );
});

test('latest wins: a request during a fit ends that worker; a stale reply is dropped; an idle worker is reused', () => {
  const { fitter, workers } = fitterOnInProcessWorkers();
  const { seen, handlers } = recorder();
  fitter.fit(importanceInput(runs, 'heldOut.total'), handlers);
  fitter.fit(importanceInput(runs, 'heldOut.kl'), handlers);
  assert.equal(workers.length, 2, 'a fresh worker for the newer request');
  assert.equal(workers[0]!.terminated, true, 'the superseded fit is stopped, not left holding a core');
  // The first worker's answer, had it already been on its way, changes nothing.
  workers[0]!.answer('anyway');
  assert.equal(seen.results.length, 0);
  assert.equal(seen.progress, 0);
  workers[1]!.answer();
  assert.equal(seen.results.length, 1);
  assert.equal(seen.results[0]!.metric, 'heldOut.kl');
  assert.ok(seen.progress > 0);
  // Idle now: the next request goes to the same worker.
  fitter.fit(importanceInput(runs, 'heldOut.recon'), handlers);
  assert.equal(workers.length, 2);
  workers[1]!.answer();
  assert.deepEqual(
    seen.results.map((r) => r.metric),
    ['heldOut.kl', 'heldOut.recon'],
  );
  assert.deepEqual(seen.errors, []);
  fitter.dispose();
  assert.equal(workers[1]!.terminated, true);
});

test('a worker that fails to load is reported, and the next request starts another', () => {
  const { fitter, workers } = fitterOnInProcessWorkers();
  const { seen, handlers } = recorder();
  fitter.fit(importanceInput(runs), handlers);
  // What a module worker whose script is refused (a CSP, a 404) fires: a bare, cancelable Event.
  const failed = new Event('error', { cancelable: true });
  workers[0]!.onerror?.(failed as ErrorEvent);
  assert.equal(failed.defaultPrevented, true, 'handled: not also logged as uncaught');
  assert.deepEqual(seen.errors, ['The importance worker failed (it could not be loaded, or it crashed).']);
  assert.equal(workers[0]!.terminated, true);
  fitter.fit(importanceInput(runs), handlers);
  assert.equal(workers.length, 2);
  workers[1]!.answer();
  assert.equal(seen.results.length, 1);

  const throwing = new ImportanceFitter(() => {
    throw new Error('Worker is not defined');
  });
  const other = recorder();
  throwing.fit(importanceInput(runs), other.handlers);
  assert.deepEqual(other.seen.errors, ['The importance worker could not be started: Worker is not defined']);
});
