// `npm run sweep` flags into a SweepDefinition: a --config file first, then each flag over it. Values
// of --grid parse with the setting's type exactly as --set does; whatever is wrong with an axis after
// that (an unknown setting, a value out of range) is expandSweep's to say, so the CLI, the form and a
// config file get the same message naming the axis and the value.

import { readFileSync } from 'node:fs';
import { fieldSpec } from '../../shared/config.ts';
import {
  MAX_REDUCTION,
  MIN_REDUCTION,
  defaultParallel,
  expandSweep,
  type SweepAxis,
  type SweepDefinition,
  type SweepPoint,
} from '../../shared/sweep.ts';
import { parseAssignment, parseDecimal } from '../../shared/validate.ts';
import { UsageError } from './common.ts';

export interface SweepFlags {
  config?: string;
  preset?: string;
  name?: string;
  grid?: string[];
  range?: string[];
  random?: string;
  'draw-seed'?: string;
  seeds?: string;
  set?: string[];
  parallel?: string;
  prune?: string;
  'prune-reduction'?: string;
}

function wholeNumber(flag: string, text: string, min: number, max = Infinity): number {
  const n = parseDecimal(text);
  if (n === null || !Number.isInteger(n) || n < min || n > max) {
    const expected = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${flag} expects a whole number ${expected}, got "${text}"`);
  }
  return n;
}

function readDefinitionFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `sweep file not found: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte order mark, which JSON.parse refuses.
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new UsageError(`${file}: invalid JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`${file}: a sweep file holds one JSON object (see the README's Sweeps section)`);
  return parsed as Record<string, unknown>;
}

/** `path=a,b,c` (a list setting's values separated by `;`, e.g. model.encoderHidden=256;512,256). */
function gridAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--grid expects setting=v1,v2,..., got "${text}"`);
  const path = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const spec = fieldSpec(path);
  const pieces = (spec?.kind === 'intList' ? raw.split(';') : raw.split(',')).map((s) => s.trim());
  const values = pieces.map((piece) => {
    // An unknown setting is expandSweep's to name; its values are kept as given.
    if (!spec) return parseDecimal(piece) ?? piece;
    const parsed = parseAssignment(`${path}=${piece}`);
    if (!parsed.ok) throw new UsageError(parsed.error.message.replace(/^--set /, '--grid '));
    return parsed.value.value as number | string | number[];
  });
  return { path, values };
}

/** `path=from:to:count[:log|linear]`. */
function rangeAxis(text: string): SweepAxis {
  const eq = text.indexOf('=');
  const parts = eq > 0 ? text.slice(eq + 1).split(':') : [];
  const [from, to, count] = parts.slice(0, 3).map((p) => parseDecimal(p.trim()));
  const scale = parts[3]?.trim() ?? 'linear';
  if (parts.length < 3 || parts.length > 4 || from == null || to == null || count == null)
    throw new UsageError(`--range expects setting=from:to:count[:log], e.g. optim.learningRate=1e-4:1e-2:5:log; got "${text}"`);
  if (scale !== 'log' && scale !== 'linear') throw new UsageError(`--range ${text}: the scale is log or linear, not "${scale}"`);
  return { path: text.slice(0, eq).trim(), range: { from, to, count, scale } };
}

/** Sets `path` in a partial config (the sweep's base), creating its group. */
function setBase(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [group, key] = path.split('.') as [string, string];
  const section = base[group];
  const next = section && typeof section === 'object' && !Array.isArray(section) ? { ...section } : {};
  return { ...base, [group]: { ...next, [key]: value } };
}

/**
 * The definition the flags describe, checked and expanded; every problem is a UsageError, raised
 * before anything is stored. `cores` gives --parallel's default.
 */
export function sweepFromFlags(flags: SweepFlags, cores: number): { definition: SweepDefinition; points: SweepPoint[] } {
  const input: Record<string, unknown> = flags.config ? readDefinitionFile(flags.config) : {};
  const source = flags.config ? `${flags.config}: ` : '';
  if (flags.preset !== undefined) input.preset = flags.preset;
  if (flags.name !== undefined) input.name = flags.name;
  if (flags.seeds !== undefined) input.seeds = wholeNumber('seeds', flags.seeds, 0);
  if (flags.random !== undefined) {
    input.method = 'random';
    input.draws = wholeNumber('random', flags.random, 1);
  }
  if (flags['draw-seed'] !== undefined) {
    if (input.method !== 'random') throw new UsageError('--draw-seed goes with --random N');
    input.drawSeed = wholeNumber('draw-seed', flags['draw-seed'], 0);
  }
  if (flags.parallel !== undefined) input.parallel = wholeNumber('parallel', flags.parallel, 1);
  else if (input.parallel === undefined) input.parallel = defaultParallel(cores);
  if (flags.prune !== undefined) {
    if (flags.prune !== 'asha' && flags.prune !== 'none') throw new UsageError(`--prune is asha or none, not "${flags.prune}"`);
    const reduction = (input.pruning as { reduction?: unknown } | undefined)?.reduction ?? 3;
    input.pruning = { kind: flags.prune, reduction };
  }
  if (flags['prune-reduction'] !== undefined) {
    const pruning = input.pruning as { kind?: unknown } | undefined;
    if (pruning?.kind !== 'asha') throw new UsageError('--prune-reduction goes with --prune asha');
    const reduction = wholeNumber('prune-reduction', flags['prune-reduction'], MIN_REDUCTION, MAX_REDUCTION);
    input.pruning = { ...pruning, reduction };
  }
  const fileBase = input.base ?? {};
  if (!fileBase || typeof fileBase !== 'object' || Array.isArray(fileBase))
    throw new UsageError(`${source}base must be a JSON object of settings, e.g. { "optim": { "epochs": 2 } }`);
  let base = fileBase as Record<string, unknown>;
  for (const assignment of flags.set ?? []) {
    const parsed = parseAssignment(assignment);
    if (!parsed.ok) throw new UsageError(parsed.error.message);
    base = setBase(base, parsed.value.path, parsed.value.value);
  }
  input.base = base;
  // A flag's axis replaces the file's axis over the same setting, else joins the list.
  const axes = Array.isArray(input.axes) ? [...(input.axes as SweepAxis[])] : [];
  for (const axis of [...(flags.grid ?? []).map(gridAxis), ...(flags.range ?? []).map(rangeAxis)]) {
    const at = axes.findIndex((a) => a?.path === axis.path);
    if (at >= 0) axes[at] = axis;
    else axes.push(axis);
  }
  input.axes = axes;

  const expanded = expandSweep(input);
  if (!expanded.ok) throw new UsageError(`${source}${expanded.error.message}`);
  const { definition, points } = expanded.value;
  if (definition.pruning.kind === 'asha' && points.some((p) => p.config.data.heldOutFraction === 0))
    throw new UsageError('--prune asha ranks runs by held-out −ELBO, but data.heldOutFraction is 0: there is no held-out set');
  return expanded.value;
}
