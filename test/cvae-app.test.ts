// A conditional VAE through the app: one tiny run trained by the run service (its worker carries the
// labels), then its checkpoints' class count, the latent explorer's decoding per label, encoding with
// labels, the IWAE evaluation in its worker, and export and import with the label input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createAppCore, type AppCore } from '../src/main/app-core.ts';
import { initBackend } from '../src/main/engine/backend.ts';
import { loadPlainModel, type ModelJsonFile } from '../src/main/export/models.ts';
import { readExport } from '../src/main/export/read-export.ts';
import type { DecodedImages, LatentEncoding, RunDetail } from '../src/shared/contract.ts';
import type { EvaluationRecord } from '../src/shared/evaluation.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { coreCalls, presetConfig } from './helpers.ts';

let root: string;
let core: AppCore;
let run: RunRecord;

before(async () => {
  await initBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'vae-cvae-app-'));
  core = createAppCore({ databasePath: join(root, 'runs.db'), shell: 'browser' });
  const started = await core.service.start(
    presetConfig('quick', {
      'data.limit': 200,
      'optim.epochs': 1,
      'optim.batchSize': 50,
      'model.latentDim': 2,
      'model.encoderHidden': [64],
      'model.decoderHidden': [64],
      'model.conditional': 'label',
      'run.evalSamples': 0,
    }),
  );
  run = await core.service.waitFor(started.id);
  assert.equal(run.status, 'completed', run.statusMessage);
});

after(async () => {
  await core?.close();
  rmSync(root, { recursive: true, force: true });
});

const { call, value } = coreCalls(() => core);

const points = [
  [0, 0],
  [1, -1],
];

test('a conditional run lists its class count and decodes latent points with the label asked for', async () => {
  const detail = await value<RunDetail>('getRun', { runId: run.id });
  assert.ok(detail.checkpoints.length > 0);
  assert.ok(
    detail.checkpoints.every((c) => c.classes === 10),
    JSON.stringify(detail.checkpoints),
  );
  const missing = await call('decodeLatents', { runId: run.id, points });
  assert.ok(
    !missing.ok && missing.error.field === 'label' && /conditional VAE/.test(missing.error.message),
    JSON.stringify(missing),
  );
  const outside = await call('decodeLatents', { runId: run.id, points, label: 10 });
  assert.ok(!outside.ok && /label 10 is not one of/.test(outside.error.message), JSON.stringify(outside));
  const three = await value<DecodedImages>('decodeLatents', { runId: run.id, points, label: 3 });
  const seven = await value<DecodedImages>('decodeLatents', { runId: run.id, points, label: 7 });
  const again = await value<DecodedImages>('decodeLatents', { runId: run.id, points, label: 3 });
  assert.deepEqual(three.grid.pixels, again.grid.pixels, 'the same label decodes the same images');
  assert.notDeepEqual(three.grid.pixels, seven.grid.pixels, 'another label decodes other images');
});

test('a conditional run encodes held-out images with their own labels, and evaluates IWAE on p(x|y)', async () => {
  const encoded = await value<LatentEncoding>('encodeImages', { runId: run.id, count: 20 });
  assert.equal(encoded.means.length, 40);
  assert.ok(encoded.means.every(Number.isFinite));
  assert.equal(encoded.labels?.length, 20);
  const evaluation = await value<EvaluationRecord>('evaluateRun', { runId: run.id, k: 4, images: 20 });
  assert.ok(Number.isFinite(evaluation.nll) && evaluation.nll > 0, JSON.stringify(evaluation));
});

test('export writes both models with their label input; import round-trips it and refuses a mismatched manifest', async () => {
  const dir = join(root, 'export');
  await value('exportRun', { runId: run.id, dir });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown> & {
    models: Record<string, { input: string }>;
  };
  assert.deepEqual(manifest.conditional, { on: 'label', classes: 10 });
  assert.match(manifest.models.decoder!.input, /one-hot labels "label" \[N,10\]/);
  // A user loads the exported decoder with plain tfjs and asks it for a digit.
  const file = JSON.parse(readFileSync(join(dir, 'decoder/model.json'), 'utf8')) as ModelJsonFile;
  const decoder = await loadPlainModel(file, readFileSync(join(dir, 'decoder/weights.bin')));
  assert.deepEqual(
    decoder.inputs.map((i) => i.shape),
    [
      [null, 2],
      [null, 10],
    ],
  );
  const exported = tf.tidy(() =>
    (decoder.predict([tf.tensor2d(points), tf.oneHot([3, 3], 10).toFloat()]) as tf.Tensor).dataSync(),
  );
  decoder.dispose();
  const three = await value<DecodedImages>('decodeLatents', { runId: run.id, points, label: 3 });
  const worst = Array.from(three.grid.pixels.subarray(0, 28)).reduce(
    (w, byte, x) => Math.max(w, Math.abs(byte - Math.round(exported[x]! * 255))),
    0,
  );
  assert.ok(worst <= 1, `the exported decoder's first row differs from the app's by ${worst}/255`);

  const imported = await value<RunRecord>('importRun', { dir });
  assert.equal(imported.config.model.conditional, 'label');
  const detail = await value<RunDetail>('getRun', { runId: imported.id });
  assert.equal(detail.checkpoints[0]?.classes, 10);
  const decoded = await value<DecodedImages>('decodeLatents', { runId: imported.id, points, label: 3 });
  assert.deepEqual(decoded.grid.pixels, three.grid.pixels, 'the imported run decodes what the original does');

  // The manifest's class count must match the models' label input, and the config's setting. (Checked
  // on this thread, as the import's worker does, to spare a worker per case.)
  const refusal = async (dir: string): Promise<string> => {
    const error = await readExport(dir).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof Error, 'the import is refused');
    return error.message;
  };
  const edited = (change: (m: Record<string, unknown>) => void) => {
    const copy = mkdtempSync(join(root, 'edited-'));
    cpSync(dir, copy, { recursive: true });
    const m = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    change(m);
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(m));
    return copy;
  };
  const wrongCount = await refusal(edited((m) => (m.conditional = { on: 'label', classes: 12 })));
  assert.match(
    wrongCount,
    /encoder\/model\.json: the encoder takes a one-hot label of 10 classes, but manifest\.json says 12 classes/,
  );
  const noneInConfig = await refusal(
    edited((m) => ((m.config as { model: Record<string, unknown> }).model.conditional = 'none')),
  );
  assert.match(noneInConfig, /config\.model\.conditional is "none"/);
  const missing = await refusal(edited((m) => delete m.conditional));
  assert.match(missing, /class count of the label input is unknown/);
});
