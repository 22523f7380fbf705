// One finished run record with every field filled, for unit tests of views and analysis: each test
// overrides only what it is about, so a field added to RunRecord is added here once.

import { DEFAULT_CONFIG, findPreset } from '../src/shared/presets.ts';
import type { RunRecord } from '../src/shared/training.ts';

const QUICK = findPreset('quick')?.config ?? DEFAULT_CONFIG;

export function runRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  const id = overrides.id ?? 1;
  const config = overrides.config ?? QUICK;
  return {
    id,
    name: `run ${id}`,
    preset: config.preset,
    config,
    status: 'completed',
    statusMessage: '',
    backend: 'wasm',
    createdAt: 1_000,
    startedAt: 2_000,
    finishedAt: 12_000,
    datasetName: 'MNIST',
    datasetFingerprint: 'f',
    notes: '',
    tags: [],
    step: 0,
    epoch: 0,
    totalSteps: 100,
    finalTrain: null,
    finalHeldOut: null,
    imagesPerSec: null,
    owner: null,
    sweepId: null,
    sweepIndex: null,
    evaluation: null,
    worker: null,
    ...overrides,
  };
}
