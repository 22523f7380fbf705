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
