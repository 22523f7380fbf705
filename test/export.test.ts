// Export and import of runs: real training through the run service, real folders, and the exported
// models loaded the way a user would, with plain tfjs and nothing registered.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
  mkdirSync,
  mkdtempSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { openDatabase, type Store } from '../src/main/store/index.ts';
import { RunService } from '../src/main/runs/service.ts';
import { exportRun, importRun } from '../src/main/export/index.ts';
import { buildDecoder, buildEncoder } from '../src/main/engine/model.ts';
import { decodeWeights, writeModelWeights } from '../src/main/engine/weights.ts';
import { decodePng } from '../src/main/export/png.ts';
import { readExport } from '../src/main/export/read-export.ts';
import { initBackend } from '../src/main/engine/backend.ts';
import { appVersion, createAppCore } from '../src/main/app-core.ts';
import { AppFailure } from '../src/shared/result.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { presetConfig, tempDir } from './helpers.ts';
import { mnistSubset } from './mnist-subset.ts';

const subset = (limit: number) => ({ 'data.source': 'idx', 'data.path': mnistSubset(limit), 'data.limit': limit });

const MODEL_FILES = ['encoder/model.json', 'encoder/weights.bin', 'decoder/model.json', 'decoder/weights.bin'];

let root: string;
let store: Store;
/** An MLP run with notes and tags, latent size 16. */
let mlpRun: RunRecord;
/** A 2-D latent run with the conv encoder and the LayerNorm decoder (exported with the stock layer). */
let flatRun: RunRecord;
let mlpDir: string;
let flatDir: string;

before(async () => {
  // This thread's own models (the app's side of each comparison) run on cpu; quiet its banner.
  await initBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'vae-export-test-'));
  store = openDatabase(join(root, 'source.db'));
  const service = new RunService(store, { maxConcurrent: 2 });
  // MNIST's first digits from a small IDX file: neither thread reads all of MNIST for a few steps. The
  // MLP run keeps its NLL evaluation, so its export carries evaluations.csv; the conv run's is left out.
  const [a, b] = await Promise.all([
    service.start(presetConfig('quick', { ...subset(600), 'optim.epochs': 1 })),
    service.start(
      presetConfig('quick', {
        ...subset(300),
        'run.evalSamples': 0,
        'optim.epochs': 1,
        'model.latentDim': 2,
        'model.encoder': 'seed-conv',
        'model.decoder': 'seed',
      }),
    ),
  ]);
  assert.equal((await service.waitFor(a.id)).status, 'completed');
  assert.equal((await service.waitFor(b.id)).status, 'completed');
  await service.shutdown();
  mlpRun = store.runs.update(a.id, { notes: 'exported for a test', tags: ['export', 'mlp'] });
  flatRun = store.runs.get(b.id)!;
  mlpDir = join(root, 'exports', 'mlp');
  flatDir = join(root, 'exports', 'flat');
  await exportRun(store, mlpRun.id, mlpDir, appVersion());
  await exportRun(store, flatRun.id, flatDir, appVersion());
  assert.match(readFileSync(join(mlpDir, 'evaluations.csv'), 'utf8'), /\n.+/, 'the MLP export carries its evaluation');
});

after(() => {
  store?.close();
  rmSync(root, { recursive: true, force: true });
});

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const maxAbsDiff = (a: Float32Array | Int32Array | Uint8Array, b: Float32Array | Int32Array | Uint8Array) => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** Exactly what a user of the export writes: read the two files, hand them to tfjs. */
async function loadPlain(dir: string, part: 'encoder' | 'decoder'): Promise<tf.LayersModel> {
  const json = readJson(join(dir, part, 'model.json'));
  const bin = readFileSync(join(dir, part, 'weights.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }),
  );
}

/** The app's own models (the training decoder, not the exportable one) with the run's latest weights. */
function appModels(run: RunRecord) {
  const image = { height: 28, width: 28 };
  const checkpoint = store.checkpoints.latest(run.id)!;
  const encoder = buildEncoder(run.config.model, image, run.config.run.seed);
  const decoder = buildDecoder(run.config.model, image, run.config.run.seed);
  writeModelWeights(encoder, decodeWeights(checkpoint.encoder), 'encoder');
  writeModelWeights(decoder, decodeWeights(checkpoint.decoder), 'decoder');
  return { encoder, decoder };
}

test('the exported decoder loads with plain tfjs and decodes z to the image the app decodes', async () => {
  for (const [run, dir] of [
    [mlpRun, mlpDir],
    [flatRun, flatDir],
  ] as const) {
    const plain = await loadPlain(dir, 'decoder');
    const app = appModels(run);
    const z = tf.randomNormal([1, run.config.model.latentDim], 0, 1, 'float32', 7);
    const image = plain.predict(z) as tf.Tensor;
    assert.deepEqual(image.shape, [1, 28, 28, 1]);
    const pixels = image.dataSync() as Float32Array;
    assert.ok(
      pixels.every((v) => v >= 0 && v <= 1),
      'pixels in 0..1',
    );
    const expected = tf.sigmoid(app.decoder.predict(z) as tf.Tensor);
    const diff = maxAbsDiff(pixels, expected.dataSync());
    assert.ok(diff < 1e-5, `${run.config.model.decoder} decoder differs by ${diff}`);
    tf.dispose([z, image, expected]);
    plain.dispose();
    app.encoder.dispose();
    app.decoder.dispose();
  }
});

test("the exported encoder gives the app encoder's mean and sigma head", async () => {
  for (const [run, dir] of [
    [mlpRun, mlpDir],
    [flatRun, flatDir],
  ] as const) {
    const plain = await loadPlain(dir, 'encoder');
    const app = appModels(run);
    const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 3);
    const got = plain.predict(x) as tf.Tensor[];
    const want = app.encoder.predict(x) as tf.Tensor[];
    assert.equal(got.length, 2);
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(got[i]!.shape, [4, run.config.model.latentDim]);
      const diff = maxAbsDiff(got[i]!.dataSync(), want[i]!.dataSync());
      assert.ok(diff < 1e-5, `${run.config.model.encoder} encoder output ${i} differs by ${diff}`);
    }
    tf.dispose([x, ...got, ...want]);
    plain.dispose();
    app.encoder.dispose();
    app.decoder.dispose();
  }
});

test('the manifest describes the run, and its checksums, CSVs and images match the folder and the store', async () => {
  for (const [run, dir] of [
    [mlpRun, mlpDir],
    [flatRun, flatDir],
  ] as const) {
    const m = readJson(join(dir, 'manifest.json'));
    assert.equal(m.format, 'vae-workbench-run');
    assert.equal(m.formatVersion, 1);
    assert.equal(m.appVersion, appVersion());
    assert.equal(m.run.id, run.id);
    assert.equal(m.run.name, run.name);
    assert.equal(m.run.preset, 'quick');
    assert.equal(m.run.status, 'completed');
    assert.equal(m.run.notes, run.notes);
    assert.deepEqual(m.run.tags, run.tags);
    assert.equal(Date.parse(m.run.createdAt), run.createdAt);
    assert.equal(Date.parse(m.run.finishedAt), run.finishedAt);
    assert.deepEqual(m.config, run.config);
    assert.deepEqual(m.metrics.train, run.finalTrain);
    assert.deepEqual(m.metrics.heldOut, run.finalHeldOut);
    assert.equal(m.metrics.imagesPerSec, run.imagesPerSec);
    assert.equal(m.metrics.durationSeconds, (run.finishedAt! - run.startedAt!) / 1000);
    assert.deepEqual(m.dataset, { name: run.datasetName, fingerprint: run.datasetFingerprint });
    assert.ok(m.dataset.fingerprint.length > 0);
    assert.deepEqual(m.image, { height: 28, width: 28, channels: 1 });
    assert.equal(m.models.encoder.input, 'images [N,28,28,1], pixels 0..1');
    assert.equal(m.backend, run.backend);
    const checkpoint = store.checkpoints.latest(run.id)!;
    assert.deepEqual(m.checkpoint, { step: checkpoint.step, epoch: checkpoint.epoch, atEpochEnd: checkpoint.atEpochEnd });

    const listed = m.files.map((f: { path: string }) => f.path).sort();
    const onDisk = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(dir.length + 1))
      .sort();
    assert.deepEqual([...listed, 'manifest.json'].sort(), onDisk);
    for (const f of m.files) {
      const bytes = readFileSync(join(dir, f.path));
      assert.equal(bytes.length, f.bytes, f.path);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), f.sha256, f.path);
    }
    for (const file of MODEL_FILES) assert.ok(listed.includes(file), file);

    const rows = (file: string) => readFileSync(join(dir, file), 'utf8').trimEnd().split('\n');
    const steps = rows('metrics-steps.csv');
    const epochs = rows('metrics-epochs.csv');
    assert.equal(steps[0], 'step,epoch,recon,kl,total,images_per_sec,wall_ms,objective,beta,learning_rate');
    assert.equal(steps.length - 1, store.metrics.listSteps(run.id).length);
    assert.equal(epochs.length - 1, store.metrics.listEpochs(run.id).length);
    assert.equal(epochs.length - 1, 1);

    for (const kind of ['reconstruction', 'samples'] as const) {
      const file = kind === 'reconstruction' ? 'reconstructions.png' : 'samples.png';
      const stored = store.images.latest(run.id, kind)!;
      const png = await decodePng(readFileSync(join(dir, file)));
      assert.equal(png.width, stored.grid.cols * stored.grid.width);
      assert.equal(png.height, stored.grid.rows * stored.grid.height);
      assert.deepEqual(png.pixels, new Uint8Array(stored.grid.pixels));
      const entry = m.images.find((i: { kind: string }) => i.kind === kind);
      assert.equal(entry.step, stored.step);
    }
    const grid = m.images.find((i: { kind: string }) => i.kind === 'latent-grid');
    if (run.config.model.latentDim === 2) {
      assert.deepEqual([grid.rows, grid.cols, grid.range], [20, 20, [-3, 3]]);
      const png = await decodePng(readFileSync(join(dir, 'latent-grid.png')));
      assert.deepEqual([png.width, png.height], [560, 560]);
    } else {
      assert.equal(grid, undefined, 'no latent grid beyond 2-D');
      assert.equal(existsSync(join(dir, 'latent-grid.png')), false);
    }
  }
});

test('import into another database brings back the run, metrics, images and weights; re-export is identical', async (t) => {
  const dir = tempDir(t);
  const target = openDatabase(join(dir, 'target.db'));
  t.after(() => target.close());
  for (const [run, exported] of [
    [mlpRun, mlpDir],
    [flatRun, flatDir],
  ] as const) {
    const imported = await importRun(target, exported);
    assert.equal(imported.status, 'completed');
    for (const key of [
      'name',
      'preset',
      'config',
      'notes',
      'tags',
      'datasetName',
      'datasetFingerprint',
      'backend',
      'createdAt',
      'startedAt',
      'finishedAt',
      'step',
      'epoch',
      'totalSteps',
      'finalTrain',
      'finalHeldOut',
      'imagesPerSec',
    ] as const) {
      assert.deepEqual(imported[key], run[key], key);
    }
    assert.deepEqual(target.metrics.listSteps(imported.id), store.metrics.listSteps(run.id));
    assert.deepEqual(target.metrics.listEpochs(imported.id), store.metrics.listEpochs(run.id));
    for (const kind of ['reconstruction', 'samples'] as const) {
      const a = store.images.latest(run.id, kind)!;
      const b = target.images.latest(imported.id, kind)!;
      assert.deepEqual([b.step, b.epoch, b.grid.rows, b.grid.cols], [a.step, a.epoch, a.grid.rows, a.grid.cols]);
      assert.deepEqual(new Uint8Array(b.grid.pixels), new Uint8Array(a.grid.pixels));
    }
    const before = store.checkpoints.latest(run.id)!;
    const after = target.checkpoints.latest(imported.id)!;
    assert.equal(after.step, before.step);
    for (const part of ['encoder', 'decoder'] as const) {
      const w0 = decodeWeights(before[part]);
      const w1 = decodeWeights(after[part]);
      assert.deepEqual(
        w1.map((w) => w.shape),
        w0.map((w) => w.shape),
      );
      w0.forEach((w, i) => assert.deepEqual(w1[i]!.values, w.values, `${part} ${w.name}`));
    }

    const again = join(dir, `again-${run.id}`);
    const result = await exportRun(target, imported.id, again, appVersion());
    assert.deepEqual(
      new Set(result.files),
      new Set(readJson(join(exported, 'manifest.json')).files.map((f: { path: string }) => f.path)).add('manifest.json'),
    );
    for (const file of result.files.filter((f) => f !== 'manifest.json')) {
      assert.ok(readFileSync(join(again, file)).equals(readFileSync(join(exported, file))), `${file} identical`);
    }
  }
  assert.equal(target.runs.list().length, 2);
});

test('a broken export folder is refused with the file at fault, and nothing is imported', async (t) => {
  const dir = tempDir(t);
  const target = openDatabase(join(dir, 'target.db'));
  t.after(() => target.close());
  let n = 0;
  const broken = (mutate: (copy: string) => void): string => {
    const copy = join(dir, `broken-${++n}`);
    cpSync(mlpDir, copy, { recursive: true });
    mutate(copy);
    return copy;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits reach into any manifest field
  const editManifest = (copy: string, edit: (m: Record<string, any>) => void) => {
    const m = readJson(join(copy, 'manifest.json'));
    edit(m);
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(m));
  };
  /** Keeps the manifest's size and checksum of `file` true to its (changed) contents. */
  const relist = (copy: string, file: string) =>
    editManifest(copy, (m) => {
      const bytes = readFileSync(join(copy, file));
      const entry = m.files.find((f: { path: string }) => f.path === file);
      entry.bytes = bytes.length;
      entry.sha256 = createHash('sha256').update(bytes).digest('hex');
    });

  const cases: [string, string, RegExp][] = [
    ['missing decoder weights', broken((c) => rmSync(join(c, 'decoder', 'weights.bin'))), /decoder\/weights\.bin: missing/],
    [
      'tampered checksum',
      broken((c) =>
        editManifest(c, (m) => {
          m.files.find((f: { path: string }) => f.path === 'encoder/model.json').sha256 = '0'.repeat(64);
        }),
      ),
      /encoder\/model\.json: checksum does not match/,
    ],
    [
      'changed file',
      broken((c) =>
        writeFileSync(join(c, 'metrics-steps.csv'), readFileSync(join(c, 'metrics-steps.csv'), 'utf8').replace('1,', '2,')),
      ),
      /metrics-steps\.csv: checksum does not match/,
    ],
    [
      'bad config field',
      broken((c) =>
        editManifest(c, (m) => {
          m.config.optim.learningRate = -1;
        }),
      ),
      /manifest\.json: config: optim\.learningRate/,
    ],
    [
      'config that builds another model',
      broken((c) =>
        editManifest(c, (m) => {
          m.config.model.decoderHidden = [128];
        }),
      ),
      /decoder\/model\.json: the decoder does not match .*units/,
    ],
    [
      'truncated weights',
      broken((c) => truncateSync(join(c, 'decoder', 'weights.bin'), 1000)),
      /decoder\/weights\.bin: has 1000 bytes, manifest\.json says \d+/,
    ],
    [
      'truncated weights, manifest updated to match',
      broken((c) => {
        truncateSync(join(c, 'encoder', 'weights.bin'), 4000);
        relist(c, 'encoder/weights.bin');
      }),
      /encoder\/weights\.bin: has 4000 bytes, the weights in model\.json need \d+/,
    ],
    [
      'damaged PNG, manifest updated to match',
      broken((c) => {
        const png = readFileSync(join(c, 'samples.png'));
        png[png.length - 20]! ^= 0xff;
        writeFileSync(join(c, 'samples.png'), png);
        relist(c, 'samples.png');
      }),
      /samples\.png: PNG cannot be decoded: .*libpng read error/,
    ],
    [
      'bad CSV row, manifest updated to match',
      broken((c) => {
        writeFileSync(join(c, 'metrics-epochs.csv'), `${readFileSync(join(c, 'metrics-epochs.csv'), 'utf8')}2,3,x\n`);
        relist(c, 'metrics-epochs.csv');
      }),
      /metrics-epochs\.csv: line 3: expected 10 values/,
    ],
    ['manifest not JSON', broken((c) => writeFileSync(join(c, 'manifest.json'), '{"format":')), /manifest\.json: not valid JSON/],
    [
      'another format',
      broken((c) =>
        editManifest(c, (m) => {
          m.formatVersion = 99;
        }),
      ),
      /manifest\.json: formatVersion 99 is not supported/,
    ],
    ['no manifest', broken((c) => rmSync(join(c, 'manifest.json'))), /manifest\.json: missing/],
    [
      'path out of the folder',
      broken((c) =>
        editManifest(c, (m) => {
          m.files[0].path = '../source.db';
        }),
      ),
      /not a path inside the folder/,
    ],
    [
      'manifest image shape not the config one',
      broken((c) =>
        editManifest(c, (m) => {
          m.image.channels = 3;
        }),
      ),
      /manifest\.json: image says the models take \[N,28,28,3\] images, but its config .* builds \[N,28,28,1\]/,
    ],
    [
      'manifest image channels neither 1 nor 3',
      broken((c) =>
        editManifest(c, (m) => {
          m.image.channels = 2;
        }),
      ),
      /manifest\.json: image\.channels must be 1 or 3/,
    ],
    [
      'encoder for colour images, manifest updated to match',
      broken((c) => {
        const file = join(c, 'encoder', 'model.json');
        writeFileSync(
          file,
          readFileSync(file, 'utf8').replace('"batch_input_shape":[null,28,28,1]', '"batch_input_shape":[null,28,28,3]'),
        );
        relist(c, 'encoder/model.json');
      }),
      /encoder\/model\.json: the encoder takes images \[N,28,28,3\], but the manifest's config describes \[N,28,28,1\]/,
    ],
    ['not a folder', join(dir, 'nothing-here'), /nothing-here: not a folder/],
  ];
  for (const [i, [what, folder, message]] of cases.entries()) {
    // A few go the whole way (worker, envelope, store); the rest call the checks directly, since
    // starting a worker under tsx costs a second each.
    const attempt = i < 3 ? importRun(target, folder) : readExport(folder);
    await assert.rejects(attempt, (e: unknown) => {
      assert.ok(e instanceof AppFailure, `${what}: ${String(e)}`);
      assert.equal(e.appError.code, 'bad-data', what);
      assert.match(e.message, message, what);
      return true;
    });
  }
  assert.equal(target.runs.list().length, 0);
  for (const table of ['step_metrics', 'epoch_metrics', 'images', 'checkpoints']) {
    assert.equal(target.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get(), 0, table);
  }
});

test('an import that cannot take the write lock fails naming the database, and imports nothing', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'locked.db');
  const target = openDatabase(file, { busyTimeoutMs: 50 });
  t.after(() => target.close());
  const other = new Database(file);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  await assert.rejects(importRun(target, mlpDir), (e: unknown) => {
    assert.ok(e instanceof AppFailure);
    assert.equal(e.appError.code, 'store-error');
    assert.ok(e.appError.message.includes(file), e.appError.message);
    assert.match(e.appError.message, /SQLITE_BUSY/);
    return true;
  });
  other.exec('ROLLBACK');
  assert.equal(target.runs.list().length, 0);
});

test('an export never overwrites, leaves no partial folder, and refuses runs it cannot export', async (t) => {
  const dir = tempDir(t);
  const occupied = join(dir, 'occupied');
  mkdirSync(occupied);
  writeFileSync(join(occupied, 'keep.txt'), 'mine');
  await assert.rejects(
    exportRun(store, mlpRun.id, occupied, appVersion()),
    (e: AppFailure) => e.appError.code === 'conflict' && /not empty/.test(e.message),
  );
  assert.deepEqual(readdirSync(occupied), ['keep.txt']);
  await assert.rejects(exportRun(store, 9999, join(dir, 'x'), appVersion()), (e: AppFailure) => e.appError.code === 'not-found');
  const live = store.runs.create({ config: mlpRun.config });
  await assert.rejects(
    exportRun(store, live.id, join(dir, 'x'), appVersion()),
    (e: AppFailure) => e.appError.code === 'conflict' && /queued/.test(e.message),
  );
  store.runs.remove(live.id);
  // An empty folder (as a save dialog may create) is fine.
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const result = await exportRun(store, mlpRun.id, empty, appVersion());
  assert.equal(result.dir, empty);
  assert.deepEqual(readdirSync(dir).sort(), ['empty', 'occupied'], 'no temporary folder left behind');
});

test('exportRun and importRun through the contract: validated arguments, absolute paths only', async (t) => {
  const dir = tempDir(t);
  const core = createAppCore({ databasePath: join(dir, 'app.db'), shell: 'browser' });
  t.after(() => core.close());
  const relative = await core.call('importRun', { dir: 'exports/mlp' });
  assert.equal(relative.ok, false);
  assert.match(!relative.ok ? relative.error.message : '', /absolute path/);
  for (const payload of [{ dir: '' }, { dir: 3 }, { dir: '/x', extra: 1 }, {}]) {
    const r = await core.call('importRun', payload);
    assert.equal(!r.ok && r.error.code, 'invalid-argument', JSON.stringify(payload));
  }
  const badExport = await core.call('exportRun', { runId: 0, dir: '/tmp/x' });
  assert.equal(!badExport.ok && badExport.error.field, 'runId');
  const imported = await core.call('importRun', { dir: mlpDir });
  assert.ok(imported.ok, JSON.stringify(imported));
  const run = (imported as { ok: true; value: RunRecord }).value;
  const exported = await core.call('exportRun', { runId: run.id, dir: join(dir, 'out') });
  assert.ok(exported.ok, JSON.stringify(exported));
  assert.deepEqual((exported as { ok: true; value: { dir: string } }).value.dir, join(dir, 'out'));
  const broken = await core.call('importRun', { dir: join(dir, 'missing') });
  assert.equal(!broken.ok && broken.error.code, 'bad-data');
});

test('an import is bounded like an edit, lists each file once, stays in its folder and holds finite weights', async (t) => {
  const dir = tempDir(t);
  const outside = join(dir, 'outside');
  mkdirSync(outside);
  let n = 0;
  const broken = (mutate: (copy: string) => void): string => {
    const copy = join(dir, `limits-${++n}`);
    cpSync(mlpDir, copy, { recursive: true });
    mutate(copy);
    return copy;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the edits reach into any manifest field
  const editManifest = (copy: string, edit: (m: Record<string, any>) => void) => {
    const m = readJson(join(copy, 'manifest.json'));
    edit(m);
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(m));
  };
  const relist = (copy: string, file: string) =>
    editManifest(copy, (m) => {
      const bytes = readFileSync(join(copy, file));
      const entry = m.files.find((f: { path: string }) => f.path === file);
      entry.bytes = bytes.length;
      entry.sha256 = createHash('sha256').update(bytes).digest('hex');
    });
  /** Moves `file` out of the folder and leaves a symbolic link to it: same bytes, same checksum. */
  const linkOut = (copy: string, file: string) => {
    const target = join(outside, `${n}-${file.replaceAll('/', '-')}`);
    cpSync(join(copy, file), target, { recursive: true });
    rmSync(join(copy, file), { recursive: true });
    symlinkSync(target, join(copy, file));
  };
  /** Sets weight number `index` of `part`'s weights.bin to `value`, keeping the manifest true to it. */
  const poison = (copy: string, part: string, index: number, value: number) => {
    const file = `${part}/weights.bin`;
    const bytes = readFileSync(join(copy, file));
    bytes.writeFloatLE(value, index * 4);
    writeFileSync(join(copy, file), bytes);
    relist(copy, file);
  };
  /** Rewrites a PNG's IHDR size (with a right CRC), leaving its image data as it was. */
  const resize = (copy: string, file: string, width: number, height: number) => {
    const png = readFileSync(join(copy, file));
    png.writeUInt32BE(width, 16);
    png.writeUInt32BE(height, 20);
    png.writeUInt32BE(zlibCrc32(png.subarray(12, 29)), 29);
    writeFileSync(join(copy, file), png);
    relist(copy, file);
  };

  const cases: [string, string, RegExp][] = [
    [
      'notes longer than an edit allows',
      broken((c) => editManifest(c, (m) => void (m.run.notes = 'x'.repeat(20_001)))),
      /manifest\.json: run\.notes has 20001 characters, more than the 20000 allowed/,
    ],
    [
      'too many tags',
      broken((c) => editManifest(c, (m) => void (m.run.tags = Array.from({ length: 33 }, (_, i) => `t${i}`)))),
      /manifest\.json: run\.tags must be a list of at most 32 texts of at most 40 characters/,
    ],
    [
      'a tag too long',
      broken((c) => editManifest(c, (m) => void (m.run.tags = ['y'.repeat(41)]))),
      /run\.tags must be a list of at most 32 texts of at most 40 characters/,
    ],
    [
      'a long status message',
      broken((c) => editManifest(c, (m) => void (m.run.statusMessage = 'z'.repeat(5000)))),
      /run\.statusMessage has 5000 characters, more than the 4096 allowed/,
    ],
    [
      'a manifest of megabytes',
      broken((c) => editManifest(c, (m) => void (m.run.notes = 'n'.repeat(2 << 20)))),
      /manifest\.json: has \d+ bytes, more than the 1048576 a manifest may have/,
    ],
    [
      'a file listed twice',
      broken((c) => editManifest(c, (m) => m.files.push({ ...m.files[0] }))),
      /manifest\.json: files\[\d+\] repeats files\[0\]: path "[^"]+" is listed twice/,
    ],
    [
      'an image listed twice',
      broken((c) => editManifest(c, (m) => m.images.push({ ...m.images[0] }))),
      /manifest\.json: images\[\d+\] repeats images\[0\]: path "[^"]+" is listed twice/,
    ],
    [
      'a list longer than an export has',
      broken((c) =>
        editManifest(c, (m) => {
          m.files = Array.from({ length: 65 }, (_, i) => ({ path: `f${i}`, bytes: 1, sha256: '0'.repeat(64) }));
        }),
      ),
      /manifest\.json: files lists 65 entries, more than the 64/,
    ],
    [
      'a file larger than listed',
      broken((c) => writeFileSync(join(c, 'metrics-steps.csv'), Buffer.alloc(1 << 20, 'x'))),
      /metrics-steps\.csv: has 1048576 bytes, manifest\.json says \d+ \(changed, or not the listed file\)/,
    ],
    [
      'a weights file linked from outside the folder',
      broken((c) => linkOut(c, 'decoder/weights.bin')),
      /decoder\/weights\.bin: is a symbolic link \(or inside one\) that leads out of the export folder/,
    ],
    [
      'a folder linked from outside',
      broken((c) => linkOut(c, 'encoder')),
      /encoder\/model\.json: is a symbolic link \(or inside one\) that leads out of the export folder/,
    ],
    [
      'the manifest linked from outside',
      broken((c) => linkOut(c, 'manifest.json')),
      /manifest\.json: is a symbolic link \(or inside one\) that leads out of the export folder/,
    ],
    ['a NaN weight', broken((c) => poison(c, 'decoder', 5, Number.NaN)), /decoder\/weights\.bin: weight \S+ \[5\] is NaN/],
    [
      'an infinite weight',
      broken((c) => poison(c, 'encoder', 0, Number.POSITIVE_INFINITY)),
      /encoder\/weights\.bin: weight \S+ \[0\] is Infinity/,
    ],
    [
      'a PNG whose header claims a huge picture',
      broken((c) => resize(c, 'samples.png', 100_000, 100_000)),
      /samples\.png: is 100000x100000 pixels, manifest\.json describes/,
    ],
  ];
  for (const [what, folder, message] of cases) {
    await assert.rejects(readExport(folder), (e: unknown) => {
      assert.ok(e instanceof AppFailure, `${what}: ${String(e)}`);
      assert.equal(e.appError.code, 'bad-data', what);
      assert.match(e.message, message, what);
      return true;
    });
  }
  // A symbolic link that stays inside the folder is only another name for a file of the export.
  const inside = broken((c) => {
    renameSync(join(c, 'samples.png'), join(c, 'samples-original.png'));
    symlinkSync('samples-original.png', join(c, 'samples.png'));
  });
  assert.equal((await readExport(inside)).images.length, (await readExport(mlpDir)).images.length);
});

test('a colour grid exports as an RGB PNG the manifest gives 3 channels, and imports back byte for byte', async (t) => {
  // Logged after the run's own grids, so it is the latest samples grid and the one exported.
  const grid = { rows: 2, cols: 3, height: 28, width: 28, channels: 3 as const };
  const pixels = new Uint8Array(2 * 3 * 28 * 28 * 3).map((_, i) => (i * 97 + (i % 3) * 50) % 256);
  store.images.save(flatRun.id, { epoch: flatRun.epoch, step: flatRun.step + 1, kind: 'samples', grid: { ...grid, pixels } });
  const dir = join(tempDir(t), 'colour');
  await exportRun(store, flatRun.id, dir, appVersion());

  const m = readJson(join(dir, 'manifest.json'));
  const channelsOf = (kind: string) => m.images.find((i: { kind: string }) => i.kind === kind).channels;
  assert.deepEqual([channelsOf('samples'), channelsOf('reconstruction'), channelsOf('latent-grid')], [3, 1, 1]);
  const { data, info } = await sharp(readFileSync(join(dir, 'samples.png')))
    .raw()
    .toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [84, 56, 3]);
  assert.deepEqual(new Uint8Array(data), pixels);

  const target = openDatabase(join(tempDir(t), 'target.db'));
  t.after(() => target.close());
  const imported = await importRun(target, dir);
  const back = target.images.latest(imported.id, 'samples')!.grid;
  assert.deepEqual({ ...back, pixels: [...back.pixels] }, { ...grid, pixels: [...pixels] });
  assert.ok(!('channels' in target.images.latest(imported.id, 'reconstruction')!.grid), 'grayscale stays grayscale');

  // A manifest that calls the RGB file grayscale is refused, naming the file.
  const copy = join(tempDir(t), 'mislabelled');
  cpSync(dir, copy, { recursive: true });
  const edited = readJson(join(copy, 'manifest.json'));
  edited.images.find((i: { kind: string }) => i.kind === 'samples').channels = 1;
  writeFileSync(join(copy, 'manifest.json'), JSON.stringify(edited));
  await assert.rejects(readExport(copy), /samples\.png: has 3 channels, manifest\.json describes 1/);
});
