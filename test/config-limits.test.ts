// Limits on trusted-but-wrong config input: keys that happen to be names of built-in object members,
// `--set` numbers that only look like numbers, presets that do not exist, and models too large to train.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PRESETS } from '../src/shared/presets.ts';
import { MODEL_LIMITS, parameterCount } from '../src/shared/model-size.ts';
import { parseAssignment, validateConfig } from '../src/shared/validate.ts';
import { DEFAULT_CONFIG } from '../src/shared/presets.ts';
import { buildDecoder, buildEncoder, imageShapeOf } from '../src/main/engine/model.ts';

function fieldsOf(input: unknown): string[] {
  const r = validateConfig(input);
  assert.equal(r.ok, false, `expected ${JSON.stringify(input)} to be refused`);
  return (!r.ok && r.error.fields?.map((f) => `${f.field} ${f.message}`)) || [];
}

test('keys named like built-in object members are unknown settings, at any depth', () => {
  for (const key of ['toString', 'constructor', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__proto__']) {
    assert.deepEqual(fieldsOf(JSON.parse(`{"${key}": 1}`)), [`${key} is not a known setting`]);
    assert.deepEqual(fieldsOf(JSON.parse(`{"model": {"${key}": 1}}`)), [`model.${key} is not a known setting`]);
  }
});

test('a config with "__proto__" pollutes nothing and is reported with its path', () => {
  const input: unknown = JSON.parse('{"__proto__": {"polluted": true}, "optim": {"__proto__": {"epochs": 99999}}}');
  assert.deepEqual(fieldsOf(input), ['__proto__ is not a known setting', 'optim.__proto__ is not a known setting']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  // And the value under it is not read as a setting either.
  const r = validateConfig(JSON.parse('{"optim": {"__proto__": {"epochs": 7}}, "run": {"toString": "x"}}'));
  assert.equal(r.ok, false);
  assert.equal(DEFAULT_CONFIG.optim.epochs, 5);
});

test('preset must name a preset; the message lists them', () => {
  const r = validateConfig({ preset: 'turbo' });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.field, 'preset');
  for (const p of PRESETS) assert.match(r.error.message, new RegExp(p.id));
  assert.match(r.error.message, /preset "turbo" is not a preset/);
  for (const id of ['custom', ...PRESETS.map((p) => p.id)]) assert.ok(validateConfig({ preset: id }).ok, id);
});

test('--set numbers are decimal: hex, binary, octal, overflow, empty, Infinity and NaN are refused with key and value', () => {
  for (const raw of ['0x10', '0b1', '0o7', '1e400', '-1e400', '', 'Infinity', '-Infinity', 'NaN', '1_000', '١٢', ' ']) {
    const r = parseAssignment(`optim.batchSize=${raw}`);
    assert.equal(r.ok, false, `"${raw}" accepted`);
    if (r.ok) continue;
    assert.equal(r.error.field, 'optim.batchSize');
    assert.ok(r.error.message.includes('optim.batchSize'), r.error.message);
    assert.ok(r.error.message.includes(`"${raw.trim()}"`), r.error.message);
  }
  for (const raw of ['0x3', '0b1', '1e400', 'Infinity']) {
    const r = parseAssignment(`data.labels=1,${raw}`);
    assert.equal(r.ok, false, `list item "${raw}" accepted`);
    if (!r.ok) assert.ok(r.error.message.includes(raw), r.error.message);
  }
  const ok: [string, number][] = [
    ['16', 16],
    ['0.001', 0.001],
    ['1e-3', 0.001],
    ['+2', 2],
    ['-0.5', -0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1E3', 1000],
  ];
  for (const [raw, value] of ok)
    assert.deepEqual(parseAssignment(`optim.learningRate=${raw}`), { ok: true, value: { path: 'optim.learningRate', value } });
  assert.deepEqual(parseAssignment('data.labels=3, 5'), { ok: true, value: { path: 'data.labels', value: [3, 5] } });
});

test('model size has an upper bound a desktop can train, said in the message', () => {
  for (const p of PRESETS) assert.ok(parameterCount(p.config) <= MODEL_LIMITS.parameters, p.id);
  const huge = fieldsOf({ model: { encoder: 'mlp', encoderHidden: [8192, 8192, 8192, 8192] } });
  assert.equal(huge.length, 1);
  assert.match(huge[0]!, /^model /);
  assert.match(huge[0]!, /parameters/);
  assert.match(huge[0]!, new RegExp(MODEL_LIMITS.parameters.toLocaleString('en-US')));

  const wide = validateConfig({
    data: { source: 'csv', path: 'x.csv', imageHeight: 256, imageWidth: 256 },
    optim: { batchSize: 4096 },
  });
  assert.equal(wide.ok, false);
  if (!wide.ok) {
    assert.equal(wide.error.field, 'optim.batchSize');
    assert.match(wide.error.message, /at most \d+ for this model/);
  }
  // Field bounds say their limit.
  assert.deepEqual(fieldsOf({ model: { latentDim: 100000 } }), ['model.latentDim must be at most 512']);
  assert.deepEqual(fieldsOf({ optim: { epochs: 1e6 } }), ['optim.epochs must be at most 10000']);
  assert.deepEqual(fieldsOf({ data: { source: 'csv', path: 'x.csv', imageHeight: 4096 } }), [
    'data.imageHeight must be at most 256',
  ]);
});

test('parameterCount matches the layers the engine builds', () => {
  const configs = [
    ...PRESETS.map((p) => p.config),
    DEFAULT_CONFIG,
    {
      ...DEFAULT_CONFIG,
      model: { ...DEFAULT_CONFIG.model, encoder: 'seed-conv' as const, decoder: 'deconv' as const, latentDim: 3 },
    },
    {
      ...DEFAULT_CONFIG,
      data: { ...DEFAULT_CONFIG.data, source: 'csv' as const, path: 'x', imageHeight: 36, imageWidth: 20 },
      model: { ...DEFAULT_CONFIG.model, encoder: 'seed-conv' as const, decoder: 'seed' as const },
    },
  ];
  for (const c of configs) {
    const image = imageShapeOf(c.data);
    const enc = buildEncoder(c.model, image, 1);
    const dec = buildDecoder(c.model, image, 1);
    assert.equal(parameterCount(c), enc.countParams() + dec.countParams(), JSON.stringify(c.model));
    enc.dispose();
    dec.dispose();
  }
});
