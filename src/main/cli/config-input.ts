// Builds an experiment config from CLI inputs: a preset, then a JSON file, then `--set` overrides,
// then the --data/--labels/--backend shortcuts. Every problem is reported with where it came from
// (the file and line of a JSON syntax error, the field of a bad value).

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackendChoice, ExperimentConfig } from '../../shared/config.ts';
import { findPreset, PRESETS } from '../../shared/presets.ts';
import { AppFailure, type AppError } from '../../shared/result.ts';
import { parseAssignment, validateConfig } from '../../shared/validate.ts';
import { setPath } from '../../shared/config.ts';
import { dataSourceForFile } from '../../shared/data-file.ts';

export interface ConfigInputs {
  preset?: string;
  configFile?: string;
  sets: string[];
  data?: string;
  labels?: string;
  /** The test split's file; '' for none (no test file found beside --data is used either). */
  test?: string;
  backend?: string;
}

/** What buildConfig decided about the test split, for the CLI to say. */
export interface BuiltConfig {
  config: ExperimentConfig;
  /** A test file found beside --data and used, so the person learns of it; null otherwise. */
  foundTest: string | null;
}

function fail(error: AppError): never {
  throw new AppFailure(error);
}

/** "Unexpected token } in JSON at position 120" -> line and column, which is what an editor shows. */
function jsonErrorLocation(text: string, message: string): string {
  const match = /position (\d+)/.exec(message);
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` line ${line}, column ${column}:`;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail({
      code: 'invalid-argument',
      message: code === 'ENOENT' ? `config file not found: ${file}` : `cannot read config file ${file}: ${(e as Error).message}`,
    });
  }
  // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse refuses as a token.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    fail({ code: 'invalid-config', message: `${file}:${jsonErrorLocation(text, message)} invalid JSON (${message})` });
  }
}

/** The config the CLI inputs describe (see buildConfigFinding for the test file found beside --data). */
export function buildConfig(inputs: ConfigInputs): ExperimentConfig {
  return buildConfigFinding(inputs, null).config;
}

/**
 * As buildConfig, and an IDX `--data` file given without `--test` gets the test split found beside
 * it by `findTest` (MNIST's `train-*` beside `t10k-*`), which the run then evaluates on.
 */
export function buildConfigFinding(inputs: ConfigInputs, findTest: ((path: string) => string | null) | null): BuiltConfig {
  const presetId = inputs.preset ?? 'quick';
  const preset = findPreset(presetId);
  if (!preset)
    fail({
      code: 'invalid-argument',
      message: `unknown preset "${presetId}"; choose one of ${PRESETS.map((p) => p.id).join(', ')}`,
      field: 'preset',
    });
  let config = preset.config;
  if (inputs.configFile) {
    const checked = validateConfig(readConfigFile(inputs.configFile), config);
    if (!checked.ok) fail({ ...checked.error, message: `${inputs.configFile}: ${checked.error.message}` });
    config = checked.value;
  }
  let overrides: ExperimentConfig = config;
  for (const assignment of inputs.sets) {
    const parsed = parseAssignment(assignment);
    if (!parsed.ok) fail(parsed.error);
    overrides = setPath(overrides, parsed.value.path, parsed.value.value);
  }
  if (inputs.data) {
    // A folder is an image folder, kept as an absolute path: the run's config must find it again from any directory.
    const folder = statSync(inputs.data, { throwIfNoEntry: false })?.isDirectory() === true;
    const source = folder ? 'folder' : dataSourceForFile(inputs.data);
    overrides = setPath(setPath(overrides, 'data.source', source), 'data.path', folder ? resolve(inputs.data) : inputs.data);
  }
  if (inputs.labels) overrides = setPath(overrides, 'data.labelsPath', inputs.labels);
  let foundTest: string | null = null;
  if (inputs.test !== undefined) {
    // A test folder, like a training folder, is kept absolute so the stored run finds it from anywhere.
    const testFolder = inputs.test !== '' && statSync(inputs.test, { throwIfNoEntry: false })?.isDirectory() === true;
    overrides = setPath(overrides, 'data.testPath', testFolder ? resolve(inputs.test) : inputs.test);
  } else if (inputs.data && findTest && dataSourceForFile(inputs.data) === 'idx') {
    foundTest = findTest(inputs.data);
    if (foundTest !== null) overrides = setPath(overrides, 'data.testPath', foundTest);
  }
  if (inputs.backend) overrides = setPath(overrides, 'run.backend', inputs.backend as BackendChoice);
  const checked = validateConfig(overrides, config);
  if (!checked.ok) fail(checked.error);
  return { config: checked.value, foundTest };
}
