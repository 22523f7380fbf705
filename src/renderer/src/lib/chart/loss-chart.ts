// chart.js setup for the loss chart. Built for long runs: points arrive pre-parsed and sorted
// (parsing off, normalized), LTTB decimation draws ~one point per pixel however many were logged,
// and nothing animates, so an update per event batch stays cheap at 100,000 points.

import {
  Chart,
  Decimation,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ScaleOptionsByType,
} from 'chart.js';
import { formatLoss } from '../format.ts';
import { LOSS_PARTS, type LossPart, type LossSeries, type XY } from '../loss-series.ts';
import { keepZoom, zoomOptions } from './zoom.ts';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Decimation, Tooltip);

export interface ChartColors {
  series: Record<LossPart, string>;
  grid: string;
  text: string;
  muted: string;
  surface: string;
  border: string;
}

export function readChartColors(el: Element): ChartColors {
  const style = getComputedStyle(el);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    series: { total: v('--series-total'), recon: v('--series-recon'), kl: v('--series-kl') },
    grid: v('--grid-line'),
    text: v('--text'),
    muted: v('--muted'),
    surface: v('--surface'),
    border: v('--border-strong'),
  };
}

/**
 * Options every streaming line chart here shares: points arrive parsed and sorted, nothing
 * animates (a redraw per event batch must stay cheap), and the chart fills its sized container.
 */
export const FAST_LINE_OPTIONS = {
  parsing: false,
  normalized: true,
  animation: false,
  responsive: true,
  maintainAspectRatio: false,
} as const;

/** Creates a chart when a component mounts and destroys it when it goes; `set` holds it meanwhile. */
export function chartLifecycle<C extends { destroy(): void }>(create: () => C, set: (chart: C | null) => void): () => void {
  const chart = create();
  set(chart);
  return () => {
    set(null);
    chart.destroy();
  };
}

export const PART_LABELS: Record<LossPart, string> = { total: '−ELBO', recon: 'Reconstruction', kl: 'KL' };

type Variant = 'raw' | 'smoothed' | 'heldOut';
const VARIANTS: readonly Variant[] = ['raw', 'smoothed', 'heldOut'];
type LossDataset = ChartDataset<'line', XY[]> & { part: LossPart; variant: Variant };

export interface LossChartView {
  visible: Record<LossPart, boolean>;
  smoothing: number;
  logScale: boolean;
}

/** The theme's series colours are #rrggbb; canvas needs an explicit rgba() for a faded one. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) return color;
  const [r, g, b] = m.slice(1).map((h) => parseInt(h, 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

function styleDataset(ds: LossDataset, colors: ChartColors, view: LossChartView): void {
  const color = colors.series[ds.part];
  const smoothing = view.smoothing > 0;
  ds.hidden = !view.visible[ds.part] || (ds.variant === 'smoothed' && !smoothing);
  ds.borderColor = ds.variant === 'raw' && smoothing ? withAlpha(color, 0.2) : color;
  // Lower order draws on top: held-out points over the smoothed curve over the raw one.
  ds.order = ds.variant === 'heldOut' ? 0 : ds.variant === 'smoothed' ? 1 : 2;
  ds.backgroundColor = color;
  ds.borderWidth = ds.variant === 'raw' ? (smoothing ? 1 : 1.5) : 2;
  ds.borderDash = ds.variant === 'heldOut' ? [6, 4] : [];
  ds.pointRadius = ds.variant === 'heldOut' ? 4 : 0;
  ds.pointHoverRadius = ds.variant === 'heldOut' ? 5 : 3;
  ds.pointBackgroundColor = colors.surface;
  ds.pointBorderColor = color;
  ds.pointBorderWidth = 2;
}

const tickFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function yScale(colors: ChartColors, logScale: boolean): ScaleOptionsByType<'linear' | 'logarithmic'> {
  return {
    type: logScale ? 'logarithmic' : 'linear',
    grid: { color: colors.grid },
    border: { color: colors.border },
    // A log axis keeps chart.js' own ticks, which label only the round 1-2-5 values.
    // includeBounds off: a zoomed axis has fractional ends (565.46), which would be labelled too.
    ticks: logScale
      ? { color: colors.muted, autoSkip: true, includeBounds: false }
      : {
          color: colors.muted,
          maxTicksLimit: 8,
          includeBounds: false,
          callback: (v: number | string) => tickFormat.format(Number(v)),
        },
    title: { display: true, text: 'nats per image', color: colors.muted },
  } as unknown as ScaleOptionsByType<'linear' | 'logarithmic'>;
}

/** The step axis of the run page's charts: from 0, whole steps only. */
export function stepAxis(colors: ChartColors, maxTicks = 10) {
  return {
    type: 'linear' as const,
    min: 0,
    grid: { color: colors.grid },
    border: { color: colors.border },
    ticks: { color: colors.muted, maxTicksLimit: maxTicks, precision: 0, includeBounds: false },
    title: { display: true, text: 'step', color: colors.muted },
  };
}

export function createLossChart(canvas: HTMLCanvasElement, colors: ChartColors): Chart<'line', XY[]> {
  const datasets: LossDataset[] = [];
  for (const part of LOSS_PARTS) {
    for (const variant of VARIANTS) {
      const suffix = variant === 'heldOut' ? ' (held-out)' : variant === 'smoothed' ? ' (smoothed)' : '';
      datasets.push({ label: `${PART_LABELS[part]}${suffix}`, part, variant, data: [], tension: 0, spanGaps: true });
    }
  }
  return new Chart<'line', XY[]>(canvas, {
    type: 'line',
    data: { datasets },
    options: {
      ...FAST_LINE_OPTIONS,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: stepAxis(colors),
        y: yScale(colors, false),
      },
      plugins: {
        decimation: { enabled: true, algorithm: 'lttb' },
        legend: { display: false },
        zoom: zoomOptions('xy'),
        tooltip: {
          // The faint raw curve under a smoothed one would double every tooltip line.
          filter: (item) => {
            const ds = item.dataset as LossDataset;
            const smoothedShown = item.chart.data.datasets.some((d) => !d.hidden && (d as LossDataset).variant === 'smoothed');
            return !(ds.variant === 'raw' && smoothedShown);
          },
          callbacks: {
            title: (items) => (items[0] ? `step ${items[0].parsed.x}` : ''),
            label: (item) => `${item.dataset.label}: ${formatLoss(item.parsed.y)}`,
          },
        },
      },
    },
  });
}

const appliedStyles = new WeakMap<Chart, string>();

/** Points, styles and scales from the series and the view; one redraw without animation. */
export function updateLossChart(chart: Chart<'line', XY[]>, series: LossSeries, view: LossChartView, colors: ChartColors): void {
  for (const ds of chart.data.datasets as LossDataset[]) {
    ds.data = series[ds.variant][ds.part];
    styleDataset(ds, colors, view);
  }
  const scales = chart.options.scales!;
  const x = scales.x as ScaleOptionsByType<'linear'>;
  x.grid.color = colors.grid;
  x.border.color = colors.border;
  x.ticks.color = colors.muted;
  x.title.color = colors.muted;
  scales.y = yScale(colors, view.logScale);
  keepZoom(chart);
  // chart.js keeps point options shared between points and refreshes them only in a non-direct
  // update: a plain update (still without animation) when the look changed, the cheap direct
  // one when only points arrived.
  const styles = JSON.stringify([view.visible, view.smoothing > 0, view.logScale, colors]);
  if (appliedStyles.get(chart) !== styles) {
    appliedStyles.set(chart, styles);
    chart.update();
  } else {
    chart.update('none');
  }
}
