// The typed worker helpers: a one-shot job answers with its operation's reply, and a failure inside
// the worker arrives as the AppFailure it threw, with the file named.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DataConfig } from '../src/shared/config.ts';
import { AppFailure } from '../src/shared/result.ts';
import { inspectDatasetInWorker } from '../src/main/data/inspect.ts';
import { tempDir } from './helpers.ts';

function csv(dir: string, rows: number[][]): string {
  const path = join(dir, 'tiny.csv');
  writeFileSync(path, rows.map((r) => r.join(',')).join('\n') + '\n');
  return path;
}

const data = (path: string): DataConfig => ({
  source: 'csv',
  path,
  labelsPath: '',
  labels: [],
  heldOutFraction: 0,
  limit: 0,
  imageHeight: 2,
  imageWidth: 2,
  testPath: '',
  binarization: 'none',
  channels: 1,
  fit: 'crop',
  badImages: 'refuse',
  validationFraction: 0.1,
});

test('inspect worker: the summary of a real file comes back typed', async (t) => {
  const path = csv(tempDir(t), [
    [3, 0, 255, 0, 255],
    [1, 255, 0, 255, 0],
    [3, 1, 2, 3, 4],
  ]);
  const summary = await inspectDatasetInWorker(data(path));
  assert.equal(summary.count, 3);
  assert.equal(summary.height, 2);
  assert.equal(summary.width, 2);
  assert.deepEqual(summary.labelCounts, [0, 1, 0, 2]);
});

test('inspect worker: a loader error arrives as the AppFailure it was, naming the file', async (t) => {
  const missing = join(tempDir(t), 'nowhere.csv');
  await assert.rejects(inspectDatasetInWorker(data(missing)), (e: unknown) => {
    assert.ok(e instanceof AppFailure, `expected an AppFailure, got ${String(e)}`);
    assert.match(e.message, /nowhere\.csv/);
    return true;
  });
});
