// Checks every payload a renderer sends before main acts on it. A renderer is untrusted input
// (a compromised page, a buggy build, a hand-written WebSocket message): each method's arguments
// are checked for shape, types, ranges and unknown keys, and a bad one gets an error naming the
// field. Pure TypeScript so the same checks can run in the renderer for inline feedback.

import {
  CHECKPOINT_CHOICES,
  MAX_HISTORY_RUNS,
  METHOD_NAMES,
  type CheckpointChoice,
  type MethodArgs,
  type MethodName,
} from './contract.ts';
import type { AppError, Result } from './result.ts';
import { MAX_EVAL_K } from './evaluation.ts';
import { MAX_HEAD_QUERY, MAX_HEAD_ROWS, MAX_SORT_KEY } from './run-list-head.ts';
import { parseQueueUrl } from './queue-url.ts';
import { expandSweep } from './sweep.ts';
import { validateConfig } from './validate.ts';

type Check = (payload: unknown) => AppError | null;

const bad = (message: string, field?: string): AppError =>
  field === undefined ? { code: 'invalid-argument', message } : { code: 'invalid-argument', message, field };

function object(payload: unknown, keys: readonly string[]): AppError | Record<string, unknown> {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return bad('arguments must be an object');
  const extra = Object.keys(payload).find((k) => !keys.includes(k));
  if (extra !== undefined) return bad(`unknown argument "${extra}"`, extra);
  return payload as Record<string, unknown>;
}

function isAppError(v: unknown): v is AppError {
  return !!v && typeof v === 'object' && 'code' in v && 'message' in v;
}

function intField(o: Record<string, unknown>, key: string, min: number, max: number, optional = false): AppError | null {
  const v = o[key];
  if (v === undefined && optional) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    return bad(`${key} must be a whole number from ${min} to ${max}`, key);
  return null;
}

function stringField(o: Record<string, unknown>, key: string, maxLength: number): AppError | null {
  const v = o[key];
  if (v === undefined) return null;
  if (typeof v !== 'string' || v.length > maxLength) return bad(`${key} must be text of at most ${maxLength} characters`, key);
  return null;
}

/** An optional queue URL (a sweep on queue workers): its shape only; main connects to check the rest. */
function queueUrlField(o: Record<string, unknown>): AppError | null {
  const v = o.queueUrl;
  if (v === undefined) return null;
  if (typeof v !== 'string' || v.length > 2048) return bad('queueUrl must be text of at most 2048 characters', 'queueUrl');
  const parsed = parseQueueUrl(v);
  return parsed.ok ? null : bad(`The queue URL ${parsed.message}.`, 'queueUrl');
}

/** How long a run's editable texts may be, wherever they come from (updateRun, an import). */
export const RUN_TEXT_LIMITS = { name: 200, notes: 20_000, tags: 32, tagLength: 40 } as const;

const MAX_ID = 2 ** 31 - 1;
const MAX_PATH = 4096;

// Main also requires an absolute path; that check needs Node's path rules, so it lives there.
function dirField(o: Record<string, unknown>): AppError | null {
  const v = o.dir;
  if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_PATH || v.includes('\0'))
    return bad(`dir must be a folder path of 1 to ${MAX_PATH} characters`, 'dir');
  return null;
}

/** Points per decode: a 32x32 manifold grid. */
export const MAX_POINTS = 1024;
/** Images per encode: enough for a dense scatter, small enough to cross IPC in one message. */
export const MAX_ENCODE = 5000;
/** Latent coordinates beyond this are far outside any prior's mass and most likely a bug. */
const MAX_COORDINATE = 1000;

const stepField = (o: Record<string, unknown>) => intField(o, 'step', 0, Number.MAX_SAFE_INTEGER, true);

// The latent size is the run's, so main checks each point's length against it; here only shape.
function pointsField(points: unknown): AppError | null {
  if (!Array.isArray(points) || points.length === 0 || points.length > MAX_POINTS)
    return bad(`points must be a list of 1 to ${MAX_POINTS} latent points`, 'points');
  for (let i = 0; i < points.length; i++) {
    const z: unknown = points[i];
    if (!Array.isArray(z) || z.length === 0 || z.length > 512 || z.length !== (points[0] as unknown[]).length)
      return bad(`points[${i}] must be a list of numbers as long as points[0]`, `points[${i}]`);
    for (let d = 0; d < z.length; d++) {
      const v: unknown = z[d];
      if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_COORDINATE)
        return bad(
          `points[${i}][${d}] must be a finite number from -${MAX_COORDINATE} to ${MAX_COORDINATE}`,
          `points[${i}][${d}]`,
        );
    }
  }
  return null;
}

const noArgs: Check = (p) => (p === undefined || p === null ? null : bad('this method takes no arguments'));
const runIdOnly: Check = (p) => {
  const o = object(p, ['runId']);
  return isAppError(o) ? o : intField(o, 'runId', 1, MAX_ID);
};

const sweepIdOnly: Check = (p) => {
  const o = object(p, ['sweepId']);
  return isAppError(o) ? o : intField(o, 'sweepId', 1, MAX_ID);
};

const CHECKS: Record<MethodName, Check> = {
  getAppInfo: noArgs,
  pickDataFile: noArgs,
  pickDataFolder: noArgs,
  pickExportFolder: (p) => {
    const o = object(p, ['suggestedName']);
    if (isAppError(o)) return o;
    if (typeof o.suggestedName !== 'string') return bad('suggestedName must be text', 'suggestedName');
    return stringField(o, 'suggestedName', 200);
  },
  listRuns: noArgs,
  listRunsHead: (p) => {
    const o = object(p, ['sort', 'query', 'count']);
    if (isAppError(o)) return o;
    const sort = object(o.sort, ['key', 'direction']);
    if (isAppError(sort)) return { ...sort, field: `sort${sort.field ? `.${sort.field}` : ''}` };
    if (typeof sort.key !== 'string' || sort.key.length > MAX_SORT_KEY)
      return bad(`sort.key must be text of at most ${MAX_SORT_KEY} characters`, 'sort.key');
    if (sort.direction !== 'asc' && sort.direction !== 'desc') return bad('sort.direction must be asc or desc', 'sort.direction');
    if (typeof o.query !== 'string') return bad('query must be text', 'query');
    return stringField(o, 'query', MAX_HEAD_QUERY) ?? intField(o, 'count', 1, MAX_HEAD_ROWS);
  },
  inspectDataset: (p) => {
    const o = object(p, ['data']);
    if (isAppError(o)) return o;
    const r = validateConfig({ data: o.data });
    return r.ok ? null : r.error;
  },
  startRun: (p) => {
    const o = object(p, ['config']);
    if (isAppError(o)) return o;
    const r = validateConfig(o.config);
    return r.ok ? null : r.error;
  },
  pauseRun: runIdOnly,
  resumeRun: runIdOnly,
  stopRun: runIdOnly,
  getRun: (p) => {
    const o = object(p, ['runId', 'maxPoints']);
    if (isAppError(o)) return o;
    return intField(o, 'runId', 1, MAX_ID) ?? intField(o, 'maxPoints', 10, 1_000_000, true);
  },
  getRunHistories: (p) => {
    const o = object(p, ['runIds', 'maxPoints']);
    if (isAppError(o)) return o;
    const ids = o.runIds;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > MAX_HISTORY_RUNS ||
      ids.some((id) => typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > MAX_ID)
    )
      return bad(`runIds must be a list of 1 to ${MAX_HISTORY_RUNS} run ids`, 'runIds');
    return intField(o, 'maxPoints', 10, 1_000_000, true);
  },
  getImage: (p) => {
    const o = object(p, ['runId', 'kind', 'step']);
    if (isAppError(o)) return o;
    if (o.kind !== 'reconstruction' && o.kind !== 'samples') return bad('kind must be reconstruction or samples', 'kind');
    return intField(o, 'runId', 1, MAX_ID) ?? intField(o, 'step', 0, Number.MAX_SAFE_INTEGER);
  },
  updateRun: (p) => {
    const o = object(p, ['runId', 'name', 'notes', 'tags']);
    if (isAppError(o)) return o;
    const L = RUN_TEXT_LIMITS;
    const e = intField(o, 'runId', 1, MAX_ID) ?? stringField(o, 'name', L.name) ?? stringField(o, 'notes', L.notes);
    if (e) return e;
    if (o.name !== undefined && (o.name as string).trim() === '') return bad('name cannot be empty', 'name');
    if (o.tags !== undefined) {
      const tags = o.tags;
      if (!Array.isArray(tags) || tags.length > L.tags || tags.some((t) => typeof t !== 'string' || t.length > L.tagLength))
        return bad(`tags must be a list of at most ${L.tags} texts of at most ${L.tagLength} characters`, 'tags');
    }
    return null;
  },
  deleteRuns: (p) => {
    const o = object(p, ['runIds']);
    if (isAppError(o)) return o;
    const ids = o.runIds;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > 10_000 ||
      ids.some((id) => typeof id !== 'number' || !Number.isInteger(id) || id < 1)
    )
      return bad('runIds must be a non-empty list of run ids', 'runIds');
    return null;
  },
  exportRun: (p) => {
    const o = object(p, ['runId', 'dir', 'checkpoint']);
    if (isAppError(o)) return o;
    if (o.checkpoint !== undefined && !CHECKPOINT_CHOICES.includes(o.checkpoint as CheckpointChoice))
      return bad(`checkpoint must be one of ${CHECKPOINT_CHOICES.join(', ')}`, 'checkpoint');
    return intField(o, 'runId', 1, MAX_ID) ?? dirField(o);
  },
  importRun: (p) => {
    const o = object(p, ['dir']);
    return isAppError(o) ? o : dirField(o);
  },
  decodeLatents: (p) => {
    const o = object(p, ['runId', 'step', 'points', 'cols', 'label']);
    if (isAppError(o)) return o;
    return (
      intField(o, 'runId', 1, MAX_ID) ??
      stepField(o) ??
      intField(o, 'cols', 1, MAX_POINTS, true) ??
      intField(o, 'label', 0, 255, true) ??
      pointsField(o.points)
    );
  },
  encodeImages: (p) => {
    const o = object(p, ['runId', 'step', 'count', 'sourceRunId', 'includeImages']);
    if (isAppError(o)) return o;
    const e =
      intField(o, 'runId', 1, MAX_ID) ??
      stepField(o) ??
      intField(o, 'count', 1, MAX_ENCODE) ??
      intField(o, 'sourceRunId', 1, MAX_ID, true);
    if (e) return e;
    if (o.includeImages !== undefined && typeof o.includeImages !== 'boolean')
      return bad('includeImages must be true or false', 'includeImages');
    return null;
  },
  evaluateRun: (p) => {
    const o = object(p, ['runId', 'step', 'k', 'images']);
    if (isAppError(o)) return o;
    return (
      intField(o, 'runId', 1, MAX_ID) ??
      stepField(o) ??
      intField(o, 'k', 1, MAX_EVAL_K, true) ??
      intField(o, 'images', 1, 1_000_000, true)
    );
  },
  cancelEvaluation: runIdOnly,
  listEvaluations: runIdOnly,
  createSweep: (p) => {
    const o = object(p, ['definition', 'queueUrl']);
    if (isAppError(o)) return o;
    const r = expandSweep(o.definition);
    return r.ok ? queueUrlField(o) : r.error;
  },
  listSweeps: noArgs,
  getSweep: sweepIdOnly,
  pauseSweep: sweepIdOnly,
  resumeSweep: (p) => {
    const o = object(p, ['sweepId', 'queueUrl']);
    if (isAppError(o)) return o;
    return intField(o, 'sweepId', 1, MAX_ID) ?? queueUrlField(o);
  },
  cancelSweep: sweepIdOnly,
};

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && (METHOD_NAMES as readonly string[]).includes(name);
}

/**
 * Checks a payload for `method`. For startRun and inspectDataset the returned arguments carry the
 * config completed with defaults, so main acts on exactly what was validated.
 */
export function validateArgs<M extends MethodName>(method: M, payload: unknown): Result<MethodArgs<M>> {
  if (!isMethodName(method)) return { ok: false, error: bad(`unknown method "${String(method)}"`) };
  const problem = CHECKS[method](payload);
  if (problem) return { ok: false, error: problem };
  if (method === 'startRun') {
    const r = validateConfig((payload as { config: unknown }).config);
    return r.ok ? { ok: true, value: { config: r.value } } : r;
  }
  if (method === 'inspectDataset') {
    const r = validateConfig({ data: (payload as { data: unknown }).data });
    return r.ok ? { ok: true, value: { data: r.value.data } } : r;
  }
  return { ok: true, value: payload as MethodArgs<M> };
}
