// Validates an untrusted experiment config (from a form, a JSON file, `--set`, or a renderer payload)
// against the field table in config.ts, plus the rules that span fields. Unknown keys are errors,
// so a typo in a config file is reported rather than silently ignored.

import { type ExperimentConfig, type FieldSpec, FIELDS, fieldSpec, getPath, setPath } from './config.ts';
import { watchesValidation } from './data-split.ts';
import { modelSizeErrors } from './model-size.ts';
import { DEFAULT_CONFIG, PRESETS } from './presets.ts';
import type { FieldError, Result } from './result.ts';

/** What is wrong with `value` for the setting `spec` ("must be at most 512"), or null when it is fine. */
export function checkFieldValue(spec: FieldSpec, value: unknown): string | null {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
      if (spec.kind === 'integer' && !Number.isInteger(value)) return 'must be a whole number';
      if (spec.exclusiveMin ? value <= spec.min : value < spec.min)
        return `must be ${spec.exclusiveMin ? 'greater than' : 'at least'} ${spec.min}`;
      if (value > spec.max) return `must be at most ${spec.max}`;
      return null;
    }
    case 'enum':
      if (typeof value !== 'string' || !spec.options.includes(value)) return `must be one of ${spec.options.join(', ')}`;
      return null;
    case 'intList': {
      if (!Array.isArray(value)) return 'must be a list of whole numbers';
      if (value.length < spec.minLength) return `needs at least ${spec.minLength} value(s)`;
      if (value.length > spec.maxLength) return `takes at most ${spec.maxLength} values`;
      for (const v of value) {
        if (typeof v !== 'number' || !Number.isInteger(v)) return 'must be a list of whole numbers';
        if (v < spec.min || v > spec.max) return `values must be between ${spec.min} and ${spec.max}`;
      }
      return null;
    }
    case 'string':
      if (typeof value !== 'string') return 'must be text';
      if (value.length > spec.maxLength) return `must be at most ${spec.maxLength} characters`;
      return null;
  }
}

/** What `preset` may be: a preset's id, or `custom` for a config built from the defaults. */
export const PRESET_IDS: readonly string[] = [DEFAULT_CONFIG.preset, ...PRESETS.map((p) => p.id)];

function unknownKeys(input: unknown, template: unknown, prefix: string, out: FieldError[]): void {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return;
  for (const key of Object.keys(input)) {
    const path = prefix ? `${prefix}.${key}` : key;
    // Own keys only: `toString`, `constructor` or `__proto__` are found on every object's prototype.
    const t = Object.hasOwn(template as object, key) ? (template as Record<string, unknown>)[key] : undefined;
    if (t === undefined) out.push({ field: path, message: 'is not a known setting' });
    else if (t && typeof t === 'object' && !Array.isArray(t)) {
      const v = (input as Record<string, unknown>)[key];
      if (!v || typeof v !== 'object' || Array.isArray(v)) out.push({ field: path, message: 'must be an object' });
      else unknownKeys(v, t, path, out);
    }
  }
}

function crossFieldErrors(c: ExperimentConfig): FieldError[] {
  const out: FieldError[] = [];
  if (c.data.source !== 'builtin-mnist' && c.data.path.trim() === '')
    out.push({ field: 'data.path', message: `is required when the data set is ${c.data.source}` });
  if (c.data.source !== 'builtin-mnist' && c.data.testPath.trim() !== '' && c.data.testPath.trim() === c.data.path.trim())
    out.push({
      field: 'data.testPath',
      message: 'is the training file: evaluating on the images trained on measures no generalisation',
    });
  if (c.data.source === 'builtin-mnist' && (c.data.imageHeight !== 28 || c.data.imageWidth !== 28))
    out.push({ field: 'data.imageHeight', message: 'built-in MNIST images are 28x28' });
  if (c.data.channels === 2) out.push({ field: 'data.channels', message: 'is 1 (grayscale) or 3 (RGB)' });
  // CSV, IDX and built-in MNIST hold one channel per pixel; only an image folder is decoded to RGB.
  if (c.data.channels === 3 && c.data.source !== 'folder')
    out.push({ field: 'data.channels', message: `${c.data.source} data is grayscale: 3 channels need an image folder` });
  if (c.model.encoder === 'seed-conv') {
    // Two valid convs (5x5, 3x3) each followed by a 2x2 pool must leave at least one pixel.
    const after = (n: number) => Math.floor((Math.floor((n - 4) / 2) - 2) / 2);
    if (after(c.data.imageHeight) < 1 || after(c.data.imageWidth) < 1)
      out.push({ field: 'model.encoder', message: 'seed-conv needs images of at least 14x14' });
  }
  if (c.model.decoder === 'deconv') {
    const doublings = c.model.deconvChannels.length;
    const factor = 2 ** doublings;
    const { imageHeight: h, imageWidth: w } = c.data;
    if (h % factor !== 0 || w % factor !== 0)
      out.push({
        field: 'model.decoder',
        message:
          `deconv doubles the size once per deconvChannels entry (${doublings}), so image height and width must be ` +
          `multiples of ${factor}; ${h}x${w} is not (use fewer entries or another size)`,
      });
  }
  if (c.loss.freeBits > 0 && c.loss.objective === 'iwae')
    out.push({ field: 'loss.freeBits', message: 'applies to the elbo objective only; set it to 0 for iwae' });
  if (watchesValidation(c) && c.data.validationFraction === 0)
    out.push({
      field: 'data.validationFraction',
      message:
        'must be above 0 when a run with a test split uses early stopping or reduce-on-plateau: they would watch the test split',
    });
  const { lrSchedule, lrMin, learningRate } = c.optim;
  if ((lrSchedule === 'cosine' || lrSchedule === 'plateau') && lrMin >= learningRate)
    out.push({
      field: 'optim.lrMin',
      message: `must be below the learning rate (${learningRate}) for the ${lrSchedule} schedule`,
    });
  return out;
}

/**
 * Fills missing fields from the defaults, then checks every field. Partial input is allowed so a
 * config file can name only what differs from the defaults (or from `base`, e.g. a preset).
 */
export function validateConfig(input: unknown, base: ExperimentConfig = DEFAULT_CONFIG): Result<ExperimentConfig> {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    return { ok: false, error: { code: 'invalid-config', message: 'config must be a JSON object' } };
  const errors: FieldError[] = [];
  unknownKeys(input, base, '', errors);
  let merged = base;
  for (const spec of FIELDS) {
    const v = getPath(input, spec.path);
    if (v !== undefined) merged = setPath(merged, spec.path, v);
  }
  const preset = (input as Record<string, unknown>).preset;
  if (preset !== undefined) {
    if (typeof preset !== 'string') errors.push({ field: 'preset', message: 'must be text' });
    else if (!PRESET_IDS.includes(preset))
      errors.push({
        field: 'preset',
        message: `"${preset.slice(0, 80)}" is not a preset; presets are ${PRESET_IDS.join(', ')}`,
      });
    else merged = { ...merged, preset };
  }
  for (const spec of FIELDS) {
    const problem = checkFieldValue(spec, getPath(merged, spec.path));
    if (problem) errors.push({ field: spec.path, message: problem });
  }
  if (errors.length === 0) errors.push(...crossFieldErrors(merged));
  if (errors.length === 0) errors.push(...modelSizeErrors(merged));
  const first = errors[0];
  if (first) {
    return {
      ok: false,
      error: {
        code: 'invalid-config',
        message: errors.map((e) => `${e.field} ${e.message}`).join('; '),
        field: first.field,
        fields: errors,
      },
    };
  }
  return { ok: true, value: merged };
}

// Number() also reads 0x10, 0b1, 0o7 and Infinity, and turns 1e400 into Infinity: none of them is
// what someone typing a setting means, so only plain decimals that stay finite are numbers here.
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * Parses a CLI `key=value` override into a typed value using the field table, so
 * `optim.learningRate=1e-3` becomes a number and `data.labels=3,5` a list.
 */
export function parseAssignment(assignment: string): Result<{ path: string; value: unknown }> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return { ok: false, error: { code: 'invalid-argument', message: `--set expects key=value, got "${assignment}"` } };
  const path = assignment.slice(0, eq).trim();
  const raw = assignment.slice(eq + 1).trim();
  const spec = fieldSpec(path);
  if (!spec) {
    const known = FIELDS.map((f) => f.path).join(', ');
    return { ok: false, error: { code: 'invalid-argument', message: `unknown setting "${path}"; known: ${known}`, field: path } };
  }
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const n = parseDecimal(raw);
      if (n === null)
        return {
          ok: false,
          error: {
            code: 'invalid-argument',
            message: `--set ${path}: "${raw}" is not a decimal number (e.g. 16, 0.001 or 1e-3)`,
            field: path,
          },
        };
      return { ok: true, value: { path, value: n } };
    }
    case 'intList': {
      if (raw === '') return { ok: true, value: { path, value: [] } };
      const parts = raw.split(',').map((s) => s.trim());
      const nums = parts.map(parseDecimal);
      const bad = parts.findIndex((_, i) => nums[i] === null || !Number.isInteger(nums[i]));
      if (bad >= 0)
        return {
          ok: false,
          error: {
            code: 'invalid-argument',
            message: `--set ${path}: "${parts[bad]}" in "${raw}" is not a decimal whole number (e.g. data.labels=3,5)`,
            field: path,
          },
        };
      return { ok: true, value: { path, value: nums } };
    }
    default:
      return { ok: true, value: { path, value: raw } };
  }
}
