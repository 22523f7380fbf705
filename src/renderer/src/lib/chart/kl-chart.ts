// chart.js setup for Compare's per-dimension KL bars: dimensions along x (ranked by KL or in index
// order), one bar per run in each, on a log axis so both busy dimensions (nats) and collapsed ones
// (thousandths) show; a dashed line marks the activity threshold and bars under it are faded.

import { BarController, BarElement, CategoryScale, Chart, type ChartDataset, type Plugin } from 'chart.js';
import { ACTIVE_KL, isActive } from '../latent/active-dims.ts';
import { withAlpha, type ChartColors } from './loss-chart.ts';
import { keepZoom, zoomOptions } from './zoom.ts';

Chart.register(BarController, BarElement, CategoryScale);

/** The log axis' floor: a dimension with (numerically) no KL at all still gets a visible stub. */
export const KL_FLOOR = 1e-4;

export interface KlBarsRun {
  runId: number;
  name: string;
  slot: number;
  /** KL per bar position (already ranked or in index order); shorter than the axis when the run has fewer dimensions. */
  values: number[];
}

const klFormat = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 });

export function formatKl(kl: number): string {
  return kl < 0.001 ? '< 0.001' : klFormat.format(kl);
}

/** The dashed threshold line, drawn across the plot at ACTIVE_KL. */
const thresholdLine: Plugin<'bar'> = {
  id: 'klThreshold',
  afterDatasetsDraw(chart) {
    // Before the first update there are no scales (and nothing to mark).
    const scale = chart.scales.y;
    if (!scale || chart.data.datasets.length === 0) return;
    const y = scale.getPixelForValue(ACTIVE_KL);
    const { left, right } = chart.chartArea;
    const color = (chart.options.plugins as { klThreshold?: { color?: string } }).klThreshold?.color ?? '#888';
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(right, y);
    ctx.stroke();
    // Labelled in the right margin, where no bar can hide it: which side of the line is which.
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.fillText('active', right + 6, y - 5);
    ctx.textBaseline = 'top';
    ctx.fillText('inactive', right + 6, y + 4);
    ctx.restore();
  },
};

export function createKlChart(canvas: HTMLCanvasElement): Chart<'bar', number[], string> {
  return new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      // Room for the threshold's labels beside the plot.
      layout: { padding: { right: 56 } },
      scales: {},
      plugins: { legend: { display: false }, zoom: zoomOptions('x') },
    },
    plugins: [thresholdLine],
  });
}

export function updateKlChart(
  chart: Chart<'bar', number[], string>,
  runs: readonly KlBarsRun[],
  ranked: boolean,
  colors: ChartColors,
  runColors: readonly string[],
): void {
  const length = Math.max(0, ...runs.map((r) => r.values.length));
  chart.data.labels = Array.from({ length }, (_, i) => String(ranked ? i + 1 : i));
  chart.data.datasets = runs.map((r): ChartDataset<'bar', number[]> => {
    const color = runColors[r.slot] || colors.text;
    return {
      label: r.name,
      data: r.values.map((v) => Math.max(KL_FLOOR, v)),
      // Faded under the threshold: a collapsed dimension reads as such without reading the axis.
      backgroundColor: r.values.map((v) => (isActive(v) ? color : withAlpha(color, 0.28))),
      borderColor: color,
      borderWidth: 0,
      barPercentage: 0.9,
      categoryPercentage: 0.85,
    };
  });
  chart.options.scales = {
    x: {
      grid: { display: false },
      border: { color: colors.border },
      ticks: { color: colors.muted, autoSkip: true, maxRotation: 0 },
      title: { display: true, text: ranked ? 'dimensions, ranked by KL' : 'latent dimension', color: colors.muted },
    },
    y: {
      type: 'logarithmic',
      min: KL_FLOOR,
      grid: { color: colors.grid },
      border: { color: colors.border },
      ticks: {
        color: colors.muted,
        callback: (v: number | string) => {
          const n = Number(v);
          // Only the decades: log axes otherwise label 2, 3, 4… between them.
          return Math.abs(Math.log10(n) - Math.round(Math.log10(n))) < 1e-9 ? klFormat.format(n) : '';
        },
      },
      title: { display: true, text: 'KL, nats per image', color: colors.muted },
    },
  };
  (chart.options.plugins as Record<string, unknown>).klThreshold = { color: colors.muted };
  keepZoom(chart);
  chart.options.plugins!.tooltip = {
    callbacks: {
      title: (items) => (items[0] ? (ranked ? `rank ${items[0].label}` : `dimension ${items[0].label}`) : ''),
      label: (item) => {
        const raw = runs[item.datasetIndex]?.values[item.dataIndex];
        return raw === undefined ? '' : `${item.dataset.label}: ${formatKl(raw)} nats${isActive(raw) ? '' : ' (inactive)'}`;
      },
    },
  };
  chart.update();
}
