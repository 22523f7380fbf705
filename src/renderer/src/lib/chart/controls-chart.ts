// The run page's training-controls chart: what the optimizer minimised (the objective, beside the
// negative ELBO it departs from under a KL schedule, free bits or IWAE), and β and the learning rate
// per step on their own axes. Same streaming setup as the loss chart (parsed points, decimation, no
// animation); rebuilt from the aggregate on each batch, which is cheap at the few series it draws.

import { Chart, type ChartDataset, type ScaleOptionsByType } from 'chart.js';
import { Ema } from '../ema.ts';
import { formatLoss, formatNumber } from '../format.ts';
import type { XY } from '../loss-series.ts';
import type { StepPoint } from '../run-aggregate.ts';
import { FAST_LINE_OPTIONS, stepAxis, withAlpha, yScale, type ChartColors } from './loss-chart.ts';
import { keepZoom, zoomOptions } from './zoom.ts';

export type ControlSeries = 'objective' | 'elbo' | 'beta' | 'rate';
type ControlsDataset = ChartDataset<'line', XY[]> & { series: ControlSeries };

export const CONTROL_LABELS: Record<ControlSeries, string> = {
  objective: 'Objective',
  elbo: '−ELBO',
  beta: 'β',
  rate: 'Learning rate',
};

export interface ControlPoints {
  objective: XY[];
  elbo: XY[];
  beta: XY[];
  rate: XY[];
}

/** The steps' controls as points; the two losses EMA-smoothed like the loss chart's default. */
export function controlPoints(steps: readonly StepPoint[], smoothing: number): ControlPoints {
  const out: ControlPoints = { objective: [], elbo: [], beta: [], rate: [] };
  const objective = new Ema(smoothing);
  const elbo = new Ema(smoothing);
  for (const p of steps) {
    const c = p.controls;
    if (!c) continue;
    const o = objective.next(c.objective);
    const e = elbo.next(p.total);
    if (Number.isFinite(o)) out.objective.push({ x: p.step, y: o });
    if (Number.isFinite(e)) out.elbo.push({ x: p.step, y: e });
    out.beta.push({ x: p.step, y: c.beta });
    out.rate.push({ x: p.step, y: c.learningRate });
  }
  return out;
}

function colorOf(series: ControlSeries, colors: ChartColors): string {
  if (series === 'objective') return colors.series.recon;
  if (series === 'elbo') return withAlpha(colors.series.total, 0.5);
  if (series === 'beta') return colors.series.kl;
  return colors.series.total;
}

function sideScale(colors: ChartColors, title: string, log: boolean): ScaleOptionsByType<'linear' | 'logarithmic'> {
  const base = yScale(colors, log);
  return {
    ...base,
    title: { display: true, text: title, color: colors.muted },
    ticks: { ...base.ticks, callback: (v: number | string) => formatNumber(Number(v)) },
  } as unknown as ScaleOptionsByType<'linear' | 'logarithmic'>;
}

export function createControlsChart(
  canvas: HTMLCanvasElement,
  kind: 'objective' | 'schedule',
  colors: ChartColors,
): Chart<'line', XY[]> {
  const series: ControlSeries[] = kind === 'objective' ? ['objective', 'elbo'] : ['beta', 'rate'];
  const datasets: ControlsDataset[] = series.map((s) => ({
    label: CONTROL_LABELS[s],
    series: s,
    data: [],
    tension: 0,
    spanGaps: true,
    pointRadius: 0,
    borderWidth: 2,
    yAxisID: s === 'rate' ? 'y2' : 'y',
    // β and the rate change in steps: drawn as steps, so a reduction shows where it happened.
    stepped: s === 'beta' || s === 'rate' ? 'before' : false,
  }));
  const scales: Record<string, object> = {
    x: stepAxis(colors, 8),
    y: kind === 'objective' ? yScale(colors, false) : { ...sideScale(colors, 'β', false), min: 0 },
  };
  if (kind === 'schedule')
    scales.y2 = { ...sideScale(colors, 'learning rate', false), position: 'right', min: 0, grid: { display: false } };
  return new Chart<'line', XY[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      ...FAST_LINE_OPTIONS,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: scales,
      plugins: {
        decimation: { enabled: true, algorithm: 'lttb' },
        legend: { display: false },
        zoom: zoomOptions('x'),
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? `step ${items[0].parsed.x}` : ''),
            label: (item) => {
              const s = (item.dataset as ControlsDataset).series;
              const y = item.parsed.y ?? NaN;
              return `${item.dataset.label}: ${s === 'objective' || s === 'elbo' ? formatLoss(y) : formatNumber(y)}`;
            },
          },
        },
      },
    },
  });
}

export function updateControlsChart(chart: Chart<'line', XY[]>, points: ControlPoints, colors: ChartColors): void {
  for (const ds of chart.data.datasets as ControlsDataset[]) {
    ds.data = points[ds.series];
    ds.borderColor = colorOf(ds.series, colors);
    ds.backgroundColor = colorOf(ds.series, colors);
    ds.borderDash = ds.series === 'elbo' ? [5, 4] : [];
  }
  keepZoom(chart);
  chart.update('none');
}
