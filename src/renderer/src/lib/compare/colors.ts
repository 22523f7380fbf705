// One colour per compared run (or per group, when Compare groups runs), from a fixed palette of ten:
// the same run wears the same colour in the chips, the chart, the tables and the image rows. Beyond
// ten runs colours repeat (fifty runs cannot get fifty tellable hues; grouping is the answer there).
// The colours themselves are CSS variables (--run-0 … --run-9 in app.css), so each scheme gets
// shades that read on its background.

export const PALETTE_SIZE = 10;

/** The CSS colour of a palette slot, for inline styles. */
export function slotColor(slot: number): string {
  return `var(--run-${slot % PALETTE_SIZE})`;
}

/**
 * Palette slots for the runs, in order. A run that was already shown keeps its slot, so removing
 * one run does not repaint the others; a new run takes the lowest free slot (once all are taken,
 * slots are reused in turn).
 */
export function assignSlots(runIds: readonly number[], previous: ReadonlyMap<number, number> = new Map()): Map<number, number> {
  const slots = new Map<number, number>();
  const taken = new Set<number>();
  for (const id of runIds) {
    const slot = previous.get(id);
    if (slot !== undefined && slot < PALETTE_SIZE && !taken.has(slot)) {
      slots.set(id, slot);
      taken.add(slot);
    }
  }
  let next = 0;
  for (const id of runIds) {
    if (slots.has(id)) continue;
    while (taken.has(next % PALETTE_SIZE) && taken.size < PALETTE_SIZE) next++;
    slots.set(id, next % PALETTE_SIZE);
    taken.add(next % PALETTE_SIZE);
    next++;
  }
  return slots;
}
