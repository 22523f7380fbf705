// The names a filter term's key may take (run fields, aliases, setting paths, metric keys), what
// kind of value each compares, and the nearest name to a misspelt one.

import { fieldSpec } from './config.ts';
import { KEY_ALIASES, allKeys, metricSpec, resolveKey } from './run-values.ts';
import { RUN_STATUSES } from './training.ts';

/** Filter words that are not settings or metrics: what a run is, rather than what it trained with. */
export const RUN_FIELDS = ['status', 'tag', 'sweep', 'name', 'notes', 'preset', 'id'] as const;
export type RunField = (typeof RUN_FIELDS)[number];

// Plain edit distance for "did you mean": ten lines, not worth a dependency in src/shared.
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Every name a filter key may be written as: run fields, aliases, setting paths and metric keys. */
export function queryKeyNames(): string[] {
  return [...RUN_FIELDS, ...Object.keys(KEY_ALIASES), ...allKeys()];
}

export function closestName(name: string, names: readonly string[]): string | null {
  const lower = name.toLowerCase();
  let best: string | null = null;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const n of names) {
    const d = editDistance(lower, n.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [n, d];
  }
  return best;
}

/** A setting or metric key for what was typed, forgiving case (`Latent`, `heldout.total`). */
export function resolveQueryKey(name: string): string | null {
  const direct = resolveKey(name) ?? resolveKey(name.toLowerCase());
  if (direct) return direct;
  const lower = name.toLowerCase();
  return allKeys().find((k) => k.toLowerCase() === lower) ?? null;
}

export type ValueKind = { type: 'number' } | { type: 'text'; options?: readonly string[] };

export function kindOf(key: string): ValueKind {
  if (metricSpec(key)) return { type: 'number' };
  const spec = fieldSpec(key);
  if (spec?.kind === 'number' || spec?.kind === 'integer') return { type: 'number' };
  if (spec?.kind === 'enum') return { type: 'text', options: spec.options };
  return { type: 'text' };
}

export function fieldKind(field: RunField): ValueKind {
  if (field === 'sweep' || field === 'id') return { type: 'number' };
  if (field === 'status') return { type: 'text', options: RUN_STATUSES };
  return { type: 'text' };
}
