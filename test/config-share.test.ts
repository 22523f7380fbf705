// "Copy settings": the JSON config file and the CLI command generated from a run's config read back
// to exactly that config, through the same parsing the CLI does (parseAssignment, validateConfig,
// and buildConfig itself), and the command survives a real shell's word splitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setPath, type ExperimentConfig } from '../src/shared/config.ts';
import { cliArgs, cliCommand, configFileObject, configFileText, copyName, shellQuote } from '../src/shared/config-share.ts';
import { DEFAULT_CONFIG, findPreset } from '../src/shared/presets.ts';
import { parseAssignment, validateConfig } from '../src/shared/validate.ts';
import { buildConfig } from '../src/main/cli/config-input.ts';
import { presetConfig, tempDir } from './helpers.ts';

const CASES: [string, ExperimentConfig][] = [
  ['the preset itself', presetConfig('quick')],
  [
    'a changed quick run',
    presetConfig('quick', {
      'model.latentDim': 8,
      'loss.beta': 4,
      'optim.learningRate': 0.0003,
      'model.encoderHidden': [512, 128],
      'data.labels': [3, 5],
      'run.name': "Bob's β=4 run (z8)",
      'run.seed': 7,
    }),
  ],
  ['a seed-notebook run', presetConfig('seed-notebook', { 'optim.epochs': 1, 'data.limit': 300, 'loss.beta': 1e-7 })],
  ['an emptied list', presetConfig('seed-notebook', { 'data.labels': [] })],
];

function fromSets(config: ExperimentConfig): ExperimentConfig {
  const { preset, sets } = cliArgs(config);
  let built = findPreset(preset)!.config;
  for (const s of sets) {
    const parsed = parseAssignment(s);
    assert.ok(parsed.ok, `${s}: ${parsed.ok ? '' : parsed.error.message}`);
    built = setPath(built, parsed.value.path, parsed.value.value);
  }
  const checked = validateConfig(built, findPreset(preset)!.config);
  assert.ok(checked.ok, checked.ok ? '' : checked.error.message);
  return checked.value;
}

for (const [name, config] of CASES) {
  test(`--set list and JSON reproduce the exact config: ${name}`, (t) => {
    assert.deepEqual(fromSets(config), config);
    const json = JSON.parse(configFileText(config)) as unknown;
    // `--config FILE` alone applies the file over the CLI's default preset.
    const checked = validateConfig(json, findPreset('quick')!.config);
    assert.ok(checked.ok, checked.ok ? '' : checked.error.message);
    assert.deepEqual(checked.value, config);
    // And through the CLI's own config building, from a file on disk and from the arguments.
    const file = join(tempDir(t), 'settings.json');
    writeFileSync(file, configFileText(config));
    assert.deepEqual(buildConfig({ configFile: file, sets: [] }), config);
    const { preset, sets } = cliArgs(config);
    assert.deepEqual(buildConfig({ preset, sets }), config);
  });
}

test('only the settings that differ are listed', () => {
  assert.deepEqual(cliArgs(presetConfig('quick')), { preset: 'quick', sets: [] });
  assert.equal(cliCommand(presetConfig('quick')), 'npm run train -- --preset quick');
  const changed = presetConfig('quick', { 'loss.beta': 4, 'model.encoderHidden': [512, 128] });
  assert.equal(cliCommand(changed), 'npm run train -- --preset quick --set model.encoderHidden=512,128 --set loss.beta=4');
  assert.deepEqual(configFileObject(changed), { preset: 'quick', model: { encoderHidden: [512, 128] }, loss: { beta: 4 } });
  // A seed-notebook config keeps its preset on the command line and lists nothing it did not change.
  assert.equal(cliCommand(presetConfig('seed-notebook')), 'npm run train -- --preset seed-notebook');
});

test('a custom config is rebuilt from the default preset, all but its preset label', () => {
  const custom = { ...DEFAULT_CONFIG, loss: { ...DEFAULT_CONFIG.loss, beta: 2 } };
  const { preset } = cliArgs(custom);
  assert.equal(preset, 'quick');
  assert.deepEqual({ ...fromSets(custom), preset: 'custom' }, custom);
  // The JSON file names its preset, so it is exact.
  const checked = validateConfig(configFileObject(custom), findPreset('quick')!.config);
  assert.ok(checked.ok);
  assert.deepEqual(checked.value, custom);
});

test('shell quoting survives a real shell', () => {
  const words = ["run.name=Bob's run", 'a b', 'plain=1,2', '$HOME', 'x"y', '*', ''];
  const out = execFileSync('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
  assert.deepEqual(out.split('\n').slice(0, -1), words);
  assert.equal(shellQuote('loss.beta=4'), 'loss.beta=4');
});

test('a copy is named after its run', () => {
  assert.equal(copyName('z8 β4'), 'z8 β4 (copy)');
  assert.equal(copyName(''), '');
  assert.equal(copyName('x'.repeat(300)).length, 200);
});
