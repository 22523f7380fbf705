// The sweep mode of the New experiment form: the axes as typed (text, toggles, range fields) become
// a SweepDefinition, and expandSweep's verdict on it is sorted back to the axis it is about, so each
// axis shows its own problem and the launch bar the rest. Pure: the store and the components hold
// the state, this module only turns it into a definition and explains it.

import { FIELDS, getPath, type ExperimentConfig, type FieldSpec } from '../../../shared/config.ts';
import { DEFAULT_CONFIG, findPreset } from '../../../shared/presets.ts';
import type { FieldError } from '../../../shared/result.ts';
import {
  DEFAULT_SWEEP,
  SEED_PATH,
  countSweepRuns,
  expandSweep,
  type SweepAxis,
  type SweepDefinition,
  type SweepMethod,
} from '../../../shared/sweep.ts';
import { parseDecimal } from '../../../shared/validate.ts';
import { parseQueueUrl, type QueueUrlParts } from '../../../shared/queue-url.ts';

export type SweepableField = Exclude<FieldSpec, { kind: 'string' }>;

/**
 * Settings an axis can vary: every number, integer, choice and integer list of the schema. The seed
 * is left out because the Seeds setting is its axis, and text (file paths, the name) cannot be swept.
 */
export function sweepableFields(): SweepableField[] {
  return FIELDS.filter((f): f is SweepableField => f.kind !== 'string' && f.path !== SEED_PATH);
}

export interface AxisDraft {
  path: string;
  mode: 'list' | 'range';
  /** List mode: "2, 8, 16" (integer lists: "512 256; 400", one list per `;`). */
  text: string;
  /** List mode of a choice setting: the options switched on. */
  options: string[];
  from: string;
  to: string;
  count: string;
  scale: 'linear' | 'log';
}

export interface SweepFormState {
  name: string;
  axes: AxisDraft[];
  method: SweepMethod;
  draws: string;
  drawSeed: string;
  seeds: string;
  parallel: string;
  pruning: boolean;
  /** Successive halving's reduction factor, as typed: the best 1/r go on at each rung. */
  reduction: string;
}

export function isNumeric(spec: FieldSpec | undefined): boolean {
  return spec?.kind === 'number' || spec?.kind === 'integer';
}

/** A new axis for `spec`, prefilled from the base config's value so it starts close to sensible. */
export function newAxis(spec: SweepableField, config: ExperimentConfig): AxisDraft {
  const current = getPath(config, spec.path);
  const axis: AxisDraft = { path: spec.path, mode: 'list', text: '', options: [], from: '', to: '', count: '3', scale: 'linear' };
  if (spec.kind === 'enum') axis.options = spec.options.slice(0, 2);
  else if (spec.kind === 'intList') axis.text = Array.isArray(current) ? current.join(' ') : '';
  else if (typeof current === 'number') {
    axis.text = String(current);
    axis.from = String(current);
    axis.to = String(current);
  }
  return axis;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * "2, 8, 16" to [2, 8, 16] for a number setting (commas or spaces between values); "512 256; 400"
 * to [[512, 256], [400]] for an integer list (lists between semicolons, numbers by spaces or commas).
 * Decimal only, as the form's own fields: "0x10" is a typo here, not 16. Range and schema limits are
 * expandSweep's to check; this only reads the text.
 */
export function parseAxisText(spec: SweepableField, text: string): Parsed<(number | number[])[]> {
  if (spec.kind === 'enum') return { ok: false, message: 'takes its options as toggles' };
  if (spec.kind === 'intList') {
    const lists = text.split(';').map((s) => s.trim());
    if (lists.every((s) => s === '')) return { ok: false, message: 'needs at least one list, e.g. "512 256; 400"' };
    const out: number[][] = [];
    for (const list of lists) {
      if (list === '' && lists.length > 1) continue;
      const parts = list.split(/[\s,]+/).filter(Boolean);
      const nums: number[] = [];
      for (const p of parts) {
        const n = parseDecimal(p);
        if (n === null || !Number.isInteger(n)) return { ok: false, message: `"${p}" is not a whole number` };
        nums.push(n);
      }
      out.push(nums);
    }
    return { ok: true, value: out };
  }
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { ok: false, message: 'needs at least one value, e.g. "2, 8, 16"' };
  const values: number[] = [];
  for (const p of parts) {
    const n = parseDecimal(p);
    if (n === null) return { ok: false, message: `"${p}" is not a number (e.g. 16, 0.001 or 1e-3)` };
    if (!values.includes(n)) values.push(n);
  }
  return { ok: true, value: values };
}

/** The axis as a definition holds it, or what in its text cannot be read. */
export function axisFromDraft(draft: AxisDraft): Parsed<SweepAxis> {
  const spec = sweepableFields().find((f) => f.path === draft.path);
  if (!spec) return { ok: false, message: 'choose a setting' };
  if (spec.kind === 'enum') {
    // Options in the schema's order, whatever order they were clicked in.
    const values = spec.options.filter((o) => draft.options.includes(o));
    return values.length > 0
      ? { ok: true, value: { path: spec.path, values } }
      : { ok: false, message: 'switch on at least one option' };
  }
  if (draft.mode === 'range' && isNumeric(spec)) {
    const from = parseDecimal(draft.from.trim());
    const to = parseDecimal(draft.to.trim());
    const count = parseDecimal(draft.count.trim());
    if (from === null) return { ok: false, message: `from "${draft.from}" is not a number` };
    if (to === null) return { ok: false, message: `to "${draft.to}" is not a number` };
    if (count === null || !Number.isInteger(count)) return { ok: false, message: `count "${draft.count}" is not a whole number` };
    return { ok: true, value: { path: spec.path, range: { from, to, count, scale: draft.scale } } };
  }
  const values = parseAxisText(spec, draft.text);
  return values.ok ? { ok: true, value: { path: spec.path, values: values.value } } : values;
}

/** "10" to 10; anything else to NaN, which expandSweep then names. */
function wholeNumber(text: string): number {
  const n = parseDecimal(text.trim());
  return n !== null && Number.isInteger(n) ? n : Number.NaN;
}

/** The settings of `config` that differ from its preset's: the sweep's base, as a config file would hold it. */
export function baseOverrides(presetId: string, config: ExperimentConfig): Record<string, unknown> {
  const preset = findPreset(presetId)?.config ?? DEFAULT_CONFIG;
  const base: Record<string, Record<string, unknown>> = {};
  for (const f of FIELDS) {
    const v = getPath(config, f.path);
    if (JSON.stringify(v) === JSON.stringify(getPath(preset, f.path))) continue;
    const [section, key] = f.path.split('.') as [string, string];
    (base[section] ??= {})[key] = v;
  }
  return base;
}

export interface SweepPreview {
  /** The definition as it would be sent (axes that could not be read are left out). */
  definition: SweepDefinition;
  /** Runs it makes, or null while an axis cannot be read. */
  count: number | null;
  /** The first runs' names. */
  names: string[];
  /** Problems of each axis, by index. */
  axisErrors: Record<number, string>;
  /** Problems not about one axis (seeds, parallel, the base settings, the whole). */
  otherErrors: FieldError[];
  ok: boolean;
}

const AXIS_FIELD = /^axes\[(\d+)\]$/;

export function previewSweep(form: SweepFormState, presetId: string, config: ExperimentConfig, firstNames = 4): SweepPreview {
  const axisErrors: Record<number, string> = {};
  const axes: SweepAxis[] = [];
  form.axes.forEach((draft, i) => {
    const axis = axisFromDraft(draft);
    if (axis.ok) axes.push(axis.value);
    else axisErrors[i] = axis.message;
  });
  const definition: SweepDefinition = {
    ...DEFAULT_SWEEP,
    name: form.name,
    preset: presetId,
    base: baseOverrides(presetId, config),
    axes,
    method: form.method,
    draws: wholeNumber(form.draws),
    drawSeed: wholeNumber(form.drawSeed),
    seeds: wholeNumber(form.seeds),
    parallel: wholeNumber(form.parallel),
    // Off, the factor means nothing: a half-typed one must not hold the launch back.
    pruning: form.pruning
      ? { kind: 'asha', reduction: wholeNumber(form.reduction) }
      : { kind: 'none', reduction: DEFAULT_SWEEP.pruning.reduction },
  };
  const readable = Object.keys(axisErrors).length === 0;
  const counted = countSweepRuns(definition);
  const count = readable && Number.isFinite(counted) ? counted : null;
  if (!readable) return { definition, count, names: [], axisErrors, otherErrors: [], ok: false };
  const expanded = expandSweep(definition);
  if (expanded.ok)
    return {
      definition: expanded.value.definition,
      count: expanded.value.points.length,
      names: expanded.value.points.slice(0, firstNames).map((p) => p.name),
      axisErrors,
      otherErrors: [],
      ok: true,
    };
  const otherErrors: FieldError[] = [];
  for (const e of expanded.error.fields ?? [{ field: '', message: expanded.error.message }]) {
    const m = AXIS_FIELD.exec(e.field);
    // The axis shows its setting's name beside the message: "loss.beta: " would say it twice.
    const axis = m ? definition.axes[Number(m[1])] : undefined;
    if (m)
      axisErrors[Number(m[1])] ??=
        axis && e.message.startsWith(`${axis.path}: `) ? e.message.slice(axis.path.length + 2) : e.message;
    else otherErrors.push(e);
  }
  return { definition, count, names: [], axisErrors, otherErrors, ok: false };
}

/** The sweep-level fields' labels, for the launch bar's list of problems. */
export const SWEEP_FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  draws: 'Draws',
  drawSeed: 'Draw seed',
  seeds: 'Seeds',
  parallel: 'Runs at once',
  pruning: 'Pruning',
  'pruning.reduction': 'Reduction factor',
  axes: 'Axes',
  method: 'Method',
  queueUrl: 'Job queue',
};

const SHARES: Record<number, string> = { 2: 'half', 3: 'third', 4: 'quarter' };

/** What successive halving with factor `reduction` does, in the words of the form's pruning section. */
export function pruningSummary(reduction: number): string {
  const share = SHARES[reduction] ?? `1/${reduction}`;
  return (
    `At epochs 1, ${reduction}, ${reduction * reduction}, …, runs outside the best ${share} of held-out −ELBO so far ` +
    'stop as “pruned”; the best run always finishes.'
  );
}

/** Where a sweep's runs train: in this workbench's processes, or on the workers of a job queue. */
export type SweepExecutor = 'local' | 'queue';

export interface QueueDraft {
  /** The queue's URL as shown: never with its password, which lives in `password`. */
  url: string;
  password: string;
}

/**
 * What the URL field keeps when `typed` is entered: a pasted URL's password moves to the password
 * field (decoded), so the URL on screen never shows it.
 */
export function takeQueueUrl(typed: string, current: QueueDraft): QueueDraft {
  const parsed = parseQueueUrl(typed);
  if (!parsed.ok || parsed.value.password === '' || parsed.value.password === '***') return { ...current, url: typed };
  let password = parsed.value.password;
  try {
    password = decodeURIComponent(password);
  } catch {
    // Not percent-encoded after all: taken as typed.
  }
  return { url: withoutPassword(parsed.value), password };
}

function withoutPassword(p: QueueUrlParts): string {
  return `postgres://${p.user}@${p.host}:${p.port}/${p.database}${p.query}`;
}

/** The URL the server connects with (the password put back, encoded), or what is wrong with the fields. */
export function queueUrlFor(draft: QueueDraft, pruning: boolean): Parsed<string> {
  if (pruning) return { ok: false, message: QUEUE_PRUNING_MESSAGE };
  const parsed = parseQueueUrl(draft.url);
  if (!parsed.ok) return { ok: false, message: `The queue URL ${parsed.message}.` };
  const p = parsed.value;
  // Without a password here, the server may take it from VAE_QUEUE_URL (src/main/queue/app-queue.ts).
  const auth = draft.password === '' ? p.user : `${p.user}:${encodeURIComponent(draft.password)}`;
  return { ok: true, value: `postgres://${auth}@${p.host}:${p.port}/${p.database}${p.query}` };
}

export const QUEUE_PRUNING_MESSAGE =
  '"Stop weak runs early" is not available on a queue: its workers cannot wait at a rung for the judge. Turn it off, or train on this machine.';
