// The messages between the page and the importance worker, and the worker's whole job as a plain
// function (`answerFit`), so unit tests run exactly what the worker runs without a worker. A request
// carries its id; every reply names the id it answers, so the page can drop replies to requests it
// has since replaced.

import { fitImportance, type ImportanceInput, type ImportanceResult } from './importance.ts';

export interface FitRequest {
  id: number;
  input: ImportanceInput;
}

export type FitReply =
  | { id: number; kind: 'progress'; done: number; total: number }
  | { id: number; kind: 'result'; result: ImportanceResult }
  | { id: number; kind: 'error'; error: string };

/** What is wrong with a request, or null. Only this page sends them, but a bad one must say so, not crash the fit. */
export function requestProblem(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return 'the request is not an object';
  const r = data as Record<string, unknown>;
  if (typeof r.id !== 'number') return 'the request has no numeric id';
  const input = r.input as Record<string, unknown> | undefined;
  if (typeof input !== 'object' || input === null) return 'the request has no input';
  if (typeof input.metric !== 'string') return 'input.metric is not a string';
  for (const field of ['keys', 'labels', 'encodings', 'X', 'y'] as const)
    if (!Array.isArray(input[field])) return `input.${field} is not an array`;
  const { X, y, keys } = input as unknown as ImportanceInput;
  if (X.length !== y.length) return `input.X has ${X.length} rows but input.y has ${y.length} values`;
  const bad = X.findIndex((row) => !Array.isArray(row) || row.length !== keys.length);
  if (bad !== -1) return `input.X row ${bad} does not have one value per key (${keys.length})`;
  return null;
}

/** Answers one request: progress as it goes, then a result or an error. Never throws. */
export function answerFit(data: unknown, post: (reply: FitReply) => void, seed?: number): void {
  const id = typeof (data as { id?: unknown } | null)?.id === 'number' ? (data as FitRequest).id : -1;
  const problem = requestProblem(data);
  if (problem) return post({ id, kind: 'error', error: `Bad importance request: ${problem}.` });
  let last = -1;
  try {
    const result = fitImportance((data as FitRequest).input, {
      ...(seed === undefined ? {} : { seed }),
      onProgress: (done, total) => {
        // Whole percents are plenty for a progress line; fewer messages cross to the page.
        const pct = Math.floor((100 * done) / total);
        if (pct === last) return;
        last = pct;
        post({ id, kind: 'progress', done, total });
      },
    });
    post({ id, kind: 'result', result });
  } catch (e) {
    post({ id, kind: 'error', error: `The forest could not be fitted: ${e instanceof Error ? e.message : String(e)}` });
  }
}
