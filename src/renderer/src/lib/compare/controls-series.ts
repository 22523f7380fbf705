// Compare's training-controls curves: per run, the β, learning rate or objective each logged step
// used (stored since migration 006), against step or epoch. β and the rate are schedules, drawn as
// logged; the objective is as noisy as the loss, so it is smoothed like the loss chart's.

import { hasScheduledControls } from '../../../../shared/schedules.ts';
import type { StepMetric } from '../../../../shared/training.ts';
import type { PlottedRun } from '../chart/compare-chart.ts';
import { Ema } from '../ema.ts';
import type { XY } from '../loss-series.ts';
import type { CompareRun } from './compare-run.ts';
import { stepsPerEpoch, type XAxis } from './series.ts';

export type ControlQuantity = 'beta' | 'learningRate' | 'objective';
export type ControlAxis = Extract<XAxis, 'step' | 'epoch'>;

export const QUANTITY_LABELS: Record<ControlQuantity, string> = {
  beta: 'β',
  learningRate: 'Learning rate',
  objective: 'Objective',
};

export type NamedControlRun = PlottedRun & { name: string };

/** Raw and (for the objective) smoothed points of one run's logged controls; steps before 006 have none. */
export function controlCurve(
  steps: readonly StepMetric[],
  quantity: ControlQuantity,
  perEpoch: number,
  axis: ControlAxis,
  smoothing: number,
): { raw: XY[]; smoothed: XY[] } {
  const ema = quantity === 'objective' && smoothing > 0 ? new Ema(smoothing) : null;
  const raw: XY[] = [];
  const smoothed: XY[] = [];
  for (const s of steps) {
    if (!s.controls) continue;
    const y = s.controls[quantity];
    const x = axis === 'epoch' && perEpoch > 0 ? s.step / perEpoch : s.step;
    const avg = ema?.next(y);
    if (Number.isFinite(y)) raw.push({ x, y });
    if (avg !== undefined && Number.isFinite(avg)) smoothed.push({ x, y: avg });
  }
  return { raw, smoothed };
}

/** Each loaded run's curve of `quantity`, in its palette slot. */
export function plotControls(
  runs: readonly CompareRun[],
  quantity: ControlQuantity,
  axis: ControlAxis,
  smoothing: number,
): NamedControlRun[] {
  return runs.flatMap((r) => {
    if (r.detail.state !== 'ready') return [];
    const d = r.detail.value;
    const perEpoch = stepsPerEpoch({ config: r.run.config, totalSteps: d.run.totalSteps, steps: d.steps, epochs: d.epochs });
    const curve = controlCurve(d.steps, quantity, perEpoch, axis, smoothing);
    return [{ runId: r.id, name: r.run.name, slot: r.slot, ...curve, markPoints: false }];
  });
}

/** Whether the panel is worth showing: some compared run schedules β or the rate, or changes the objective. */
export function anyScheduledControls(runs: readonly CompareRun[]): boolean {
  return runs.some((r) => hasScheduledControls(r.run.config));
}
