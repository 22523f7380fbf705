// Which rows of a long list to put in the DOM: those in the viewport plus a few either side. Rows
// have one fixed height, so this is arithmetic on the scroll offset. Written by hand because it is
// this small; a virtualisation library (e.g. @tanstack/virtual-core) would add measuring of
// variable rows that the table, with its one-line rows, does not need.

/** The Runs table's row height in px; its CSS uses the same value through --row-h. */
export const TABLE_ROW_H = 34;

/** How many rows a table `viewportHeight` px high puts in the DOM at the top, its overscan included. */
export function firstScreenRows(viewportHeight: number, rowHeight = TABLE_ROW_H, overscan = 8): number {
  return Math.max(1, Math.ceil(viewportHeight / rowHeight) + overscan);
}

export interface WindowRange {
  /** First row index in the DOM. */
  start: number;
  /** One past the last. */
  end: number;
}

export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): WindowRange {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewportHeight)) / rowHeight);
  return { start: Math.max(0, Math.min(count, first - overscan)), end: Math.min(count, last + overscan) };
}

/**
 * The most rows visibleRange ever puts in the DOM for a viewport this high, wherever it is scrolled:
 * the viewport's rows, one more when a row is cut at each edge, and the overscan either side. The
 * Runs table keeps this many row elements and reuses them (row i in element i mod capacity).
 */
export function windowCapacity(viewportHeight: number, rowHeight: number, overscan = 8): number {
  return Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1 + 2 * overscan;
}

/** The scroll offset that brings row `index` fully into view, or null when it already is. */
export function scrollToShow(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number | null {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return null;
}
