// A run's settings in the two forms people reuse them: a JSON config file for
// `npm run train -- --config FILE`, and the `npm run train -- --preset X --set a=b ...` command line
// that reproduces the run. Both name only what differs from their base, so they read as "what this
// run changed"; the tests parse them back (validateConfig, parseAssignment) to the exact config.

import { type ExperimentConfig, FIELDS, type FieldSpec, getPath, setPath } from './config.ts';
import { findPreset, PRESETS } from './presets.ts';

/** The preset `npm run train` starts from when none is named (src/main/cli/config-input.ts). */
export const CLI_DEFAULT_PRESET = 'quick';

function presetConfig(id: string): ExperimentConfig {
  const preset = findPreset(id) ?? findPreset(CLI_DEFAULT_PRESET) ?? PRESETS[0];
  if (!preset) throw new Error('no presets are defined');
  return preset.config;
}

export interface SettingChange {
  path: string;
  value: unknown;
  spec: FieldSpec;
}

/** Settings of `config` that differ from `base`, in form order. */
export function changedSettings(config: ExperimentConfig, base: ExperimentConfig): SettingChange[] {
  return FIELDS.flatMap((spec) => {
    const value = getPath(config, spec.path);
    return JSON.stringify(value) === JSON.stringify(getPath(base, spec.path)) ? [] : [{ path: spec.path, value, spec }];
  });
}

/**
 * The config as a JSON file's object: its preset's name and every setting that differs from the
 * preset `--config` applies it over when no `--preset` is given, so `npm run train -- --config FILE`
 * alone reproduces the run whatever preset it started from.
 */
export function configFileObject(config: ExperimentConfig): Record<string, unknown> {
  let out: Record<string, unknown> = { preset: config.preset };
  for (const c of changedSettings(config, presetConfig(CLI_DEFAULT_PRESET))) out = setPath(out, c.path, c.value);
  return out;
}

export function configFileText(config: ExperimentConfig): string {
  return `${JSON.stringify(configFileObject(config), null, 2)}\n`;
}

/** The text of a `--set` value as parseAssignment reads it back. */
function assignmentValue(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/**
 * The CLI arguments that rebuild `config`: its preset (or the CLI's default for a `custom` config,
 * which no `--preset` names) and one `--set` per setting that differs from it.
 */
export function cliArgs(config: ExperimentConfig): { preset: string; sets: string[] } {
  const preset = findPreset(config.preset) ? config.preset : CLI_DEFAULT_PRESET;
  const sets = changedSettings(config, presetConfig(preset)).map((c) => `${c.path}=${assignmentValue(c.value)}`);
  return { preset, sets };
}

// POSIX shell quoting: bare when every character is safe, else single quotes (a quote inside
// closes, escapes and reopens). Windows' cmd reads these too for everything but spaces in quotes.
const SHELL_SAFE = /^[\w.,:/=+@%-]+$/;

export function shellQuote(word: string): string {
  return SHELL_SAFE.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function cliCommand(config: ExperimentConfig): string {
  const { preset, sets } = cliArgs(config);
  return ['npm run train -- --preset', shellQuote(preset), ...sets.flatMap((s) => ['--set', shellQuote(s)])].join(' ');
}

/** The name a copy of a run starts with in the New experiment form. */
export function copyName(name: string, maxLength = 200): string {
  const suffix = ' (copy)';
  return name.trim() === '' ? '' : `${name.slice(0, maxLength - suffix.length)}${suffix}`;
}
