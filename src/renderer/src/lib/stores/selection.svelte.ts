// The runs picked for bulk actions and for comparing, shared by the Runs view and Compare: ticking
// runs in the table and removing or adding them in Compare change the same set. Insertion order is
// kept, so "Compare" opens the runs in the order they were picked (the first is the reference).

import { SvelteSet } from 'svelte/reactivity';
import { MAX_COMPARE } from '../route.ts';

class Selection {
  readonly ids = new SvelteSet<number>();

  get list(): number[] {
    return [...this.ids];
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  set(id: number, on: boolean): void {
    if (on) this.ids.add(id);
    else this.ids.delete(id);
  }

  /** The run last ticked or unticked by a click: one end of a shift-click range. */
  private anchor: number | null = null;

  /**
   * A click on a run's box: with shift, every run listed between the last clicked one and this one
   * (in `order`, the table's order) takes this box's state; without, only this run does.
   */
  click(id: number, on: boolean, shift: boolean, order: readonly number[]): void {
    const from = shift && this.anchor !== null ? order.indexOf(this.anchor) : -1;
    const to = order.indexOf(id);
    if (from >= 0 && to >= 0) {
      for (let i = Math.min(from, to); i <= Math.max(from, to); i++) this.set(order[i]!, on);
    } else {
      this.set(id, on);
    }
    this.anchor = id;
  }

  /** Makes the selection exactly `ids`, in that order (touching nothing when it already is). */
  replace(ids: readonly number[]): void {
    const current = this.list;
    if (current.length === ids.length && current.every((id, i) => id === ids[i])) return;
    this.ids.clear();
    for (const id of ids) this.ids.add(id);
  }

  /** Drops runs that no longer exist. */
  retain(existing: ReadonlySet<number>): void {
    for (const id of [...this.ids]) if (!existing.has(id)) this.ids.delete(id);
  }

  /** The runs Compare opens with: the first MAX_COMPARE picked. */
  get forCompare(): number[] {
    return this.list.slice(0, MAX_COMPARE);
  }
}

export const selection = new Selection();
