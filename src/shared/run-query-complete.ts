// Completion for the filter language (run-query.ts): what the word under the cursor could become.
// Before an operator it offers keys (run fields, aliases, setting paths, metrics); after one, the
// values that key can take: statuses, enum options, and the tags, sweeps, presets and setting
// values present in the runs at hand.

import { fieldSpec } from './config.ts';
import { PRESETS } from './presets.ts';
import { KEY_ALIASES, allKeys, keyLabel, metricSpec, runValue } from './run-values.ts';
import { RUN_FIELDS, resolveQueryKey } from './run-query.ts';
import { RUN_STATUSES, type RunRecord } from './training.ts';

export interface Completion {
  /** What the list shows. */
  label: string;
  /** A word on what it is ("setting", "3 runs"). */
  detail: string;
  /** Replaces text[from, to). */
  insert: string;
  from: number;
  to: number;
}

/** How many suggestions a list shows: more is a wall to read, not a choice. */
export const MAX_COMPLETIONS = 12;

const FIELD_HELP: Record<(typeof RUN_FIELDS)[number], string> = {
  status: 'run status',
  tag: 'has the tag',
  sweep: 'sweep number',
  name: 'name contains',
  notes: 'notes contain',
  preset: 'preset',
  id: 'run number',
};
const FIELD_INSERT: Record<(typeof RUN_FIELDS)[number], string> = {
  status: 'status:',
  tag: 'tag:',
  sweep: 'sweep:',
  name: 'name~',
  notes: 'notes~',
  preset: 'preset:',
  id: 'id=',
};

const OPERATOR = /(>=|<=|!=|=|>|<|~|:)/;

function quoteIfNeeded(value: string): string {
  return /[\s()"]/.test(value) ? `"${value.replace(/"/g, '')}"` : value;
}

function countBy(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function keyCompletions(prefix: string, from: number, to: number): Completion[] {
  const lower = prefix.toLowerCase();
  const out: Completion[] = [];
  const seen = new Set<string>();
  const add = (label: string, insert: string, detail: string) => {
    if (seen.has(label)) return;
    seen.add(label);
    out.push({ label, insert, detail, from, to });
  };
  for (const f of RUN_FIELDS) if (f.startsWith(lower)) add(f, FIELD_INSERT[f], FIELD_HELP[f]);
  const keyInsert = (name: string, key: string) => (fieldSpec(key)?.kind === 'enum' ? `${name}=` : name);
  for (const [alias, key] of Object.entries(KEY_ALIASES))
    if (alias.startsWith(lower)) add(alias, keyInsert(alias, key), keyLabel(key));
  // Full paths match on any dotted part: `lea` finds optim.learningRate.
  for (const key of allKeys()) {
    const parts = key.toLowerCase().split('.');
    if (key.toLowerCase().startsWith(lower) || parts.some((p) => p.startsWith(lower)))
      add(key, keyInsert(key, key), keyLabel(key));
  }
  return out;
}

function valueCompletions(
  keyText: string,
  valuePrefix: string,
  runs: readonly RunRecord[],
  from: number,
  to: number,
): Completion[] {
  const field = RUN_FIELDS.find((f) => f === keyText.toLowerCase());
  const key = field ? null : resolveQueryKey(keyText);
  let candidates: [string, string][] = [];
  const counted = (values: Iterable<string>) =>
    [...countBy(values)]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0], undefined, { numeric: true }))
      .map(([v, n]): [string, string] => [v, n === 1 ? '1 run' : `${n} runs`]);
  if (field === 'status') candidates = RUN_STATUSES.map((s) => [s, 'status']);
  else if (field === 'tag') candidates = counted(runs.flatMap((r) => r.tags));
  else if (field === 'sweep') candidates = counted(runs.flatMap((r) => (r.sweepId === null ? [] : [String(r.sweepId)])));
  else if (field === 'preset')
    candidates = counted([...runs.map((r) => r.preset), ...PRESETS.map((p) => p.id)]).map(([v, d]) => [
      v,
      runs.some((r) => r.preset === v) ? d : 'preset',
    ]);
  else if (key) {
    const spec = fieldSpec(key);
    if (spec?.kind === 'enum') candidates = spec.options.map((o) => [o, spec.label]);
    else if (spec || metricSpec(key))
      // Metrics are measured, not chosen: only settings have values worth offering.
      candidates = spec
        ? counted(
            runs.flatMap((r) => {
              const v = runValue(r, key);
              return v === null || v === '' ? [] : [String(v)];
            }),
          )
        : [];
  }
  const lower = valuePrefix.replace(/"/g, '').toLowerCase();
  return candidates
    .filter(([v]) => v.toLowerCase().startsWith(lower) && v.toLowerCase() !== lower)
    .map(([v, detail]) => ({ label: v, insert: quoteIfNeeded(v), detail, from, to }));
}

/**
 * Suggestions for the word at `cursor` in `text`; each replaces text[from, to). The runs given
 * supply the tags, sweep numbers and setting values worth offering.
 */
export function completeQuery(text: string, cursor: number, runs: readonly RunRecord[] = []): Completion[] {
  const at = Math.max(0, Math.min(cursor, text.length));
  let start = at;
  while (start > 0 && !/[\s()]/.test(text[start - 1]!)) start--;
  let end = at;
  while (end < text.length && !/[\s()]/.test(text[end]!)) end++;
  // `-tag:x` is `tag:x` negated: complete what follows the minus.
  if (text[start] === '-' && start < at) start++;
  const before = text.slice(start, at);
  const op = OPERATOR.exec(before);
  const found =
    op === null
      ? keyCompletions(before, start, end)
      : valueCompletions(
          before.slice(0, op.index),
          before.slice(op.index + op[0].length),
          runs,
          start + op.index + op[0].length,
          end,
        );
  // A word that is already a complete suggestion offers nothing, so Enter is not swallowed.
  const word = text.slice(start, end).toLowerCase();
  if (op === null && word === '') return found.filter((c) => !c.label.includes('.')).slice(0, MAX_COMPLETIONS);
  if (found.some((c) => c.label.toLowerCase() === word || c.insert.toLowerCase() === word)) return [];
  return found.slice(0, MAX_COMPLETIONS);
}
