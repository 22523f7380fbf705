// What the parallel-coordinates plot remembers between visits: the axis order, per set of axes (the same sweep or selection of runs finds its layout again; a different set starts
// fresh). Stored as versioned JSON; anything unreadable, from an older version or naming other axes
// is ignored field by field rather than trusted. (Brushes are remembered by the brush store, which
// every view shares.)

export const LAYOUT_VERSION = 1;

export interface PlotLayout {
  order: string[];
}

/** The storage key for a set of axes (order-independent). */
export function layoutKey(keys: readonly string[]): string {
  return `vae-workbench.parallel.v${LAYOUT_VERSION}:${[...keys].sort().join('|')}`;
}

export function serializeLayout(layout: PlotLayout): string {
  return JSON.stringify({ version: LAYOUT_VERSION, order: layout.order });
}

/**
 * The saved layout for these axes, or null when there is none or it is not ours to read. The order
 * keeps only known axes (new ones go at the end).
 */
export function parseLayout(raw: string | null, keys: readonly string[]): PlotLayout | null {
  if (raw === null) return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (d.version !== LAYOUT_VERSION) return null;
  const known = new Set(keys);
  const saved = Array.isArray(d.order) ? d.order.filter((k): k is string => typeof k === 'string' && known.has(k)) : [];
  const order = [...new Set(saved)];
  for (const k of keys) if (!order.includes(k)) order.push(k);
  return { order };
}

/** The order with `key` moved to position `index` (clamped at the ends). */
export function moveKeyTo(order: readonly string[], key: string, index: number): string[] {
  const from = order.indexOf(key);
  if (from === -1) return [...order];
  const to = Math.max(0, Math.min(order.length - 1, index));
  const next = [...order];
  next.splice(from, 1);
  next.splice(to, 0, key);
  return next;
}

/** The order with `key` moved by `delta` places (clamped at the ends): the axis buttons. */
export function moveKey(order: readonly string[], key: string, delta: number): string[] {
  return moveKeyTo(order, key, order.indexOf(key) + delta);
}

/**
 * Where an axis dragged from position `from` to `x` lands: after every other axis left of `x`.
 * `xs` are the axes' positions, left to right.
 */
export function dropIndex(xs: readonly number[], from: number, x: number): number {
  return xs.filter((ax, j) => j !== from && ax < x).length;
}

/** Where to mark that landing place: halfway between the axes it falls between (or past an end). */
export function dropMarkX(xs: readonly number[], from: number, index: number): number {
  const others = xs.filter((_, j) => j !== from);
  if (others.length === 0) return xs[from] ?? 0;
  const gap = others.length > 1 ? others[1]! - others[0]! : 40;
  const left = others[index - 1];
  const right = others[index];
  if (left === undefined) return right! - gap / 2;
  if (right === undefined) return left + gap / 2;
  return (left + right) / 2;
}

/** The smallest interface of Web Storage used, so tests can pass a Map-backed one. */
export interface LayoutStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadLayout(storage: LayoutStorage | null, keys: readonly string[]): PlotLayout | null {
  try {
    return parseLayout(storage?.getItem(layoutKey(keys)) ?? null, keys);
  } catch {
    // Storage can be disabled or throw (private mode); the plot then simply does not remember.
    return null;
  }
}

export function saveLayout(storage: LayoutStorage | null, keys: readonly string[], layout: PlotLayout): void {
  try {
    storage?.setItem(layoutKey(keys), serializeLayout(layout));
  } catch {
    // Full or disabled storage: not remembering is the only consequence.
  }
}
