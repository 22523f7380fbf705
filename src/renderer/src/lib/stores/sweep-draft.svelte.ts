// The sweep being configured, beside the single-run draft (whose preset and settings are the sweep's
// base). Like that draft it outlives the form, so a look at a running sweep and back keeps the axes.

import { fieldSpec } from '../../../../shared/config.ts';
import type { FieldError } from '../../../../shared/result.ts';
import { DEFAULT_SWEEP, defaultParallel } from '../../../../shared/sweep.ts';
import {
  newAxis,
  previewSweep,
  queueUrlFor,
  sweepableFields,
  takeQueueUrl,
  type AxisDraft,
  type QueueDraft,
  type SweepExecutor,
  type SweepFormState,
} from '../sweep-form.ts';
import { app } from './app.svelte.ts';
import { draft } from './draft.svelte.ts';

export type FormMode = 'single' | 'sweep';

class SweepDraft {
  mode = $state<FormMode>('single');
  form = $state<SweepFormState>({
    name: '',
    axes: [],
    method: 'grid',
    draws: '10',
    drawSeed: '1',
    seeds: '1',
    parallel: '',
    pruning: false,
    reduction: String(DEFAULT_SWEEP.pruning.reduction),
  });
  /** Where the runs train. The queue's password is held here, in memory, only until the page closes. */
  executor = $state<SweepExecutor>('local');
  queue = $state<QueueDraft>({ url: '', password: '' });
  /** Errors the server reported for the last launch; cleared by any edit. */
  serverErrors = $state.raw<FieldError[]>([]);

  /** Until the user types a number, "runs at once" follows the machine's cores. */
  parallelText = $derived(this.form.parallel !== '' ? this.form.parallel : String(defaultParallel(app.info?.cores ?? 2)));
  preview = $derived(previewSweep({ ...this.form, parallel: this.parallelText }, draft.presetId, draft.config));
  /** The base config's own problems, which the sweep inherits. */
  baseProblems = $derived(draft.problems);
  /** The queue URL to launch with, or what is wrong with the queue fields; null on this machine. */
  queueUrl = $derived(this.executor === 'queue' ? queueUrlFor(this.queue, this.form.pruning) : null);
  ready = $derived(
    this.preview.ok && this.baseProblems.length === 0 && this.serverErrors.length === 0 && (this.queueUrl?.ok ?? true),
  );

  setExecutor(executor: SweepExecutor): void {
    this.executor = executor;
    this.serverErrors = [];
  }

  setQueueUrl(typed: string): void {
    this.queue = takeQueueUrl(typed, this.queue);
    this.serverErrors = [];
  }

  setQueuePassword(password: string): void {
    this.queue = { ...this.queue, password };
    this.serverErrors = [];
  }

  /** Adds an axis for the first sweepable setting not yet used (or `path`). */
  addAxis(path?: string): void {
    const used = new Set(this.form.axes.map((a) => a.path));
    const spec = sweepableFields().find((f) => (path ? f.path === path : !used.has(f.path)));
    if (!spec) return;
    this.form.axes.push(newAxis(spec, draft.config));
    this.serverErrors = [];
  }

  removeAxis(index: number): void {
    this.form.axes.splice(index, 1);
    this.serverErrors = [];
  }

  /** Switching an axis to another setting starts it afresh: "2, 8, 16" means nothing to an enum. */
  changeAxisPath(index: number, path: string): void {
    const spec = sweepableFields().find((f) => f.path === path);
    if (!spec || !this.form.axes[index]) return;
    this.form.axes[index] = newAxis(spec, draft.config);
    this.serverErrors = [];
  }

  updateAxis(index: number, patch: Partial<AxisDraft>): void {
    const axis = this.form.axes[index];
    if (!axis) return;
    this.form.axes[index] = { ...axis, ...patch };
    this.serverErrors = [];
  }

  set<K extends keyof SweepFormState>(key: K, value: SweepFormState[K]): void {
    this.form[key] = value;
    this.serverErrors = [];
  }

  labelOf(path: string): string {
    return fieldSpec(path)?.label ?? path;
  }
}

export const sweepDraft = new SweepDraft();
