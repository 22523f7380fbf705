// Presets are complete, valid configs, and `seed-notebook` is the PyTorch notebook the project
// started from: its settings are read out of the notebook text itself (test/fixtures), not restated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PRESETS, findPreset } from '../src/shared/presets.ts';
import { validateConfig, parseAssignment } from '../src/shared/validate.ts';
import { evaluationSplit } from '../src/shared/data-split.ts';

const notebook = readFileSync(new URL('./fixtures/seed-notebook.md', import.meta.url), 'utf8');
function grab(re: RegExp): string[] {
  const m = re.exec(notebook);
  assert.ok(m, `notebook has no match for ${re}`);
  return m.slice(1);
}

test('every preset is a valid, complete config', () => {
  for (const p of PRESETS) {
    // A preset for the user's own files (conv-64: an image folder) is complete but for the path they pick.
    const needsPath = p.config.data.source !== 'builtin-mnist';
    assert.equal(p.config.data.path, '', `${p.id} names no file of this machine`);
    const config = needsPath ? { ...p.config, data: { ...p.config.data, path: '/data/images' } } : p.config;
    if (needsPath) assert.ok(!validateConfig(p.config).ok, `${p.id} asks for its path`);
    const r = validateConfig(config);
    assert.ok(r.ok, `${p.id}: ${!r.ok && r.error.message}`);
    assert.deepEqual(r.value, config, `${p.id} changes when validated: it relied on defaults`);
    assert.equal(p.config.preset, p.id);
  }
});

test('seed-notebook equals the notebook, setting by setting', () => {
  const c = findPreset('seed-notebook')!.config;
  const [latent, k] = grab(/latent_dim, K = (\d+), (\d+);/);
  assert.equal(c.model.latentDim, Number(latent));
  assert.equal(c.loss.samples, Number(k));
  assert.equal(c.data.labels.join(), grab(/mnist\["label"\] == (\d+)/)[0]);
  assert.equal(c.optim.optimizer, 'adam');
  assert.equal(c.optim.learningRate, Number(grab(/torch\.optim\.Adam\(model\.parameters\(\), lr=([\d.]+)\)/)[0]));
  assert.equal(c.optim.batchSize, Number(grab(/batch_size=(\d+), shuffle=True/)[0]));
  assert.equal(c.optim.epochs, Number(grab(/losses = train\(dataset, model, loss, adam, (\d+)\)/)[0]));
  // Encoder h1: Conv(1,32,5) ReLU MaxPool2, Conv(32,64,3) ReLU MaxPool2, Linear 512, Linear 256.
  assert.ok(/nn\.Conv2d\(1, 32, 5\), nn\.ReLU\(\), nn\.MaxPool2d\(2,2\)/.test(notebook));
  assert.ok(/nn\.Conv2d\(32, 64, 3\), nn\.ReLU\(\), nn\.MaxPool2d\(2,2\)/.test(notebook));
  assert.ok(/nn\.Linear\(5\*5\*64, 512\), nn\.ReLU\(\),\s*nn\.Linear\(512, 256\), nn\.ReLU\(\)/.test(notebook));
  assert.equal(c.model.encoder, 'seed-conv');
  // Decoder: Linear(latent, 784), LayerNorm(784), Sigmoid.
  assert.ok(/nn\.Linear\(latent_dim, 784\), nn\.LayerNorm\(784\), nn\.Sigmoid\(\)/.test(notebook));
  assert.equal(c.model.decoder, 'seed');
  // Sigma head: sqrt(linear(h1)**2), i.e. |h|.
  assert.ok(/torch\.sqrt\(self\.linear\(h1\)\*\*2\)/.test(notebook));
  assert.equal(c.model.sigma, 'abs');
  // Loss: -0.5 * mse_loss(sum) averaged over K, plus the closed-form Gaussian KL.
  assert.ok(/-0\.5\*torch\.nn\.functional\.mse_loss\(x, x_hat, reduction='sum'\)/.test(notebook));
  assert.ok(/l1 \/= K/.test(notebook));
  assert.equal(c.loss.likelihood, 'gaussian');
  assert.equal(c.loss.beta, 1);
  // Pixels divided by 255 and 28x28 images from the mnist-in-csv data.
  assert.ok(/reshape\(\(5421,1,28,28\)\)\/255/.test(notebook));
  assert.equal(c.data.imageHeight, 28);
  assert.equal(c.data.imageWidth, 28);
  // PyTorch's default initialisation, which the notebook relies on.
  assert.equal(c.model.init, 'torch');
});

test('mlp-bernoulli is the PyTorch examples VAE', () => {
  const c = findPreset('mlp-bernoulli')!.config;
  assert.deepEqual([c.model.encoderHidden, c.model.latentDim, c.model.decoderHidden], [[400], 20, [400]]);
  assert.deepEqual(
    [c.model.sigma, c.loss.likelihood, c.optim.optimizer, c.optim.learningRate, c.optim.batchSize, c.optim.epochs],
    ['logvar', 'bernoulli', 'adam', 1e-3, 128, 10],
  );
  assert.deepEqual(c.data.labels, []);
});

test('paper-mnist is that VAE on the standard split, binarized, measured with NLL_1000 on the whole test set', () => {
  const c = findPreset('paper-mnist')!.config;
  const classic = findPreset('mlp-bernoulli')!.config;
  assert.deepEqual(c.model, classic.model);
  assert.deepEqual(c.loss, classic.loss);
  assert.deepEqual(c.optim, classic.optim);
  assert.deepEqual([c.model.encoder, c.model.decoder, c.model.init], ['mlp', 'mlp', 'torch']);
  assert.deepEqual(
    [c.data.source, c.data.binarization, c.data.labels, c.data.limit, c.data.testPath],
    ['builtin-mnist', 'dynamic', [], 0, ''],
  );
  assert.equal(evaluationSplit(c.data), 'test');
  assert.deepEqual([c.run.evalSamples, c.run.evalImages], [1000, 10000]);
  assert.equal(validateConfig(c).ok, true);
});

test('validation names every bad field and refuses unknown ones', () => {
  const r = validateConfig({ optim: { learningRate: 0, batchSize: 2.5 }, model: { sigma: 'exp' }, lossx: {} });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const fields = r.error.fields!.map((f) => f.field).sort();
  assert.deepEqual(fields, ['lossx', 'model.sigma', 'optim.batchSize', 'optim.learningRate']);
  assert.match(r.error.message, /optim\.learningRate must be greater than 0/);
  assert.match(r.error.message, /model\.sigma must be one of abs, softplus, logvar/);
});

test('cross-field rules: file sources need a path, deconv needs multiples of 4', () => {
  const csv = validateConfig({ data: { source: 'csv' } });
  assert.ok(!csv.ok && csv.error.field === 'data.path');
  const deconv = validateConfig({
    data: { source: 'csv', path: 'x.csv', imageHeight: 30, imageWidth: 30 },
    model: { decoder: 'deconv' },
  });
  assert.ok(!deconv.ok && deconv.error.field === 'model.decoder');
});

test('--set assignments are typed by the field table', () => {
  assert.deepEqual(parseAssignment('optim.learningRate=1e-3'), { ok: true, value: { path: 'optim.learningRate', value: 0.001 } });
  assert.deepEqual(parseAssignment('data.labels=3,5'), { ok: true, value: { path: 'data.labels', value: [3, 5] } });
  assert.equal(parseAssignment('optim.epochs=ten').ok, false);
  assert.equal(parseAssignment('nope=1').ok, false);
  assert.equal(parseAssignment('optim.epochs').ok, false);
});
