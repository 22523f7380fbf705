// A brush of the parallel-coordinates plot and how brushes are remembered: kept apart from the store
// (which needs Svelte's reactivity) so the reading of stored text, which older builds or a person may
// have written, is plain and tested.

/** An inclusive range on a numeric key, or the set of text values kept on a categorical one. */
export type BrushRange = { kind: 'range'; lo: number; hi: number } | { kind: 'values'; values: string[] };

export function validBrush(v: unknown): BrushRange | null {
  if (typeof v !== 'object' || v === null) return null;
  const b = v as Record<string, unknown>;
  if (b.kind === 'range') {
    const { lo, hi } = b;
    if (typeof lo === 'number' && typeof hi === 'number' && Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)
      return { kind: 'range', lo, hi };
    return null;
  }
  if (b.kind === 'values' && Array.isArray(b.values) && b.values.length > 0 && b.values.every((x) => typeof x === 'string'))
    return { kind: 'values', values: [...b.values] };
  return null;
}

export function serializeBrushes(brushes: Iterable<[string, BrushRange]>): string {
  return JSON.stringify([...brushes]);
}

/** Stored brushes, each checked; anything unreadable is dropped rather than trusted. */
export function parseBrushes(raw: string | null): [string, BrushRange][] {
  if (raw === null) return [];
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const out: [string, BrushRange][] = [];
  for (const entry of data) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') continue;
    const brush = validBrush(entry[1]);
    if (brush) out.push([entry[0], brush]);
  }
  return out;
}
