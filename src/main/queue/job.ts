// A trial job as a worker receives it: untrusted (anyone with the queue's password can send jobs),
// so it is checked like a renderer's payload, its config by the same schema as every other config.

import { AppFailure } from '../../shared/result.ts';
import { validateConfig } from '../../shared/validate.ts';
import type { TrialJob } from './protocol.ts';

const bad = (message: string) => new AppFailure({ code: 'invalid-argument', message: `a trial job is malformed: ${message}` });

export function trialJob(data: unknown): TrialJob {
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw bad('expected an object');
  const o = data as Record<string, unknown>;
  const extra = Object.keys(o).find((k) => !['trialId', 'runId', 'config', 'dataFingerprint', 'resumeStep'].includes(k));
  if (extra !== undefined) throw bad(`unknown field "${extra}"`);
  if (typeof o.trialId !== 'string' || !/^[\w.:-]{1,100}$/.test(o.trialId))
    throw bad('trialId must be 1 to 100 letters, digits or .:-_');
  if (typeof o.runId !== 'number' || !Number.isInteger(o.runId) || o.runId < 1)
    throw bad('runId must be a positive whole number');
  if (typeof o.dataFingerprint !== 'string' || o.dataFingerprint.length > 200) throw bad('dataFingerprint must be text');
  if (o.resumeStep !== null && (typeof o.resumeStep !== 'number' || !Number.isInteger(o.resumeStep) || o.resumeStep < 0))
    throw bad('resumeStep must be null or a whole number');
  const config = validateConfig(o.config);
  if (!config.ok) throw bad(`config: ${config.error.message}`);
  return {
    trialId: o.trialId,
    runId: o.runId,
    config: config.value,
    dataFingerprint: o.dataFingerprint,
    resumeStep: o.resumeStep,
  };
}
