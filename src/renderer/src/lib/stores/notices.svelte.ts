// The status area's state: messages (errors stay until dismissed, others fade) and the long
// operations under way. Every failed Result the UI receives is reported here, so nothing fails silently.

import type { Result } from '../../../../shared/result.ts';

export type NoticeKind = 'error' | 'info';

export interface Notice {
  id: number;
  kind: NoticeKind;
  message: string;
}

export interface BusyOperation {
  id: number;
  label: string;
}

const INFO_MS = 4000;
const BUSY_DELAY_MS = 300;
/** Enough to read; more would bury the screen after a burst of failures. */
const MAX_NOTICES = 5;

class Notices {
  items = $state<Notice[]>([]);
  busy = $state<BusyOperation[]>([]);
  private nextId = 1;

  private push(kind: NoticeKind, message: string): number {
    const id = this.nextId++;
    this.items = [...this.items.filter((n) => !(n.kind === kind && n.message === message)), { id, kind, message }].slice(
      -MAX_NOTICES,
    );
    return id;
  }

  /** Returns the notice's id, for a caller that can tell when it no longer applies. */
  error(message: string): number {
    return this.push('error', message);
  }

  info(message: string): void {
    const id = this.push('info', message);
    setTimeout(() => this.dismiss(id), INFO_MS);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }

  /**
   * Shows `label` while the call runs and reports its failure as "label: reason". `quiet` leaves the
   * failure to the caller (e.g. config errors shown next to their fields) but still returns it.
   */
  async track<T>(label: string, call: Promise<Result<T>>, options: { quiet?: boolean } = {}): Promise<Result<T>> {
    const id = this.nextId++;
    // Quick calls would only flash the banner: show it once a call has taken a noticeable time.
    const timer = setTimeout(() => (this.busy = [...this.busy, { id, label }]), BUSY_DELAY_MS);
    try {
      const result = await call;
      if (!result.ok && !options.quiet) this.error(`${label.replace(/…$/, '')} failed: ${result.error.message}`);
      return result;
    } finally {
      clearTimeout(timer);
      this.busy = this.busy.filter((b) => b.id !== id);
    }
  }
}

export const notices = new Notices();
