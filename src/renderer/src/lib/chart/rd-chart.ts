// chart.js setup for the rate–distortion plane: a scatter of runs (or group means) at (held-out KL,
// held-out reconstruction), with two drawing plugins chart.js lacks: dashed lines of equal −ELBO
// (the diagonals recon + KL = c, labelled) under the points, and ± standard-error bars for groups.

import { Chart, LinearScale, PointElement, ScatterController, Tooltip, type Plugin } from 'chart.js';
import { isoElboLines, type RdPoint } from '../analysis/rate-distortion.ts';
import { formatValue } from '../analysis/axes.ts';
import type { ChartColors } from './loss-chart.ts';

Chart.register(ScatterController, PointElement, LinearScale, Tooltip);

export interface RdDatum {
  x: number;
  y: number;
  point: RdPoint;
}

interface RdPluginOptions {
  color?: string;
  text?: string;
}

const isoLines: Plugin<'scatter'> = {
  id: 'rdIso',
  beforeDatasetsDraw(chart) {
    const { x, y } = chart.scales;
    if (!x || !y) return;
    const opts = (chart.options.plugins as { rdIso?: RdPluginOptions }).rdIso ?? {};
    const lines = isoElboLines({ x0: x.min, x1: x.max, y0: y.min, y1: y.max }, 8);
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = opts.color ?? '#999';
    ctx.fillStyle = opts.text ?? '#666';
    ctx.setLineDash([5, 4]);
    ctx.lineWidth = 1;
    ctx.font = '11px system-ui, sans-serif';
    for (const line of lines) {
      const x0 = x.getPixelForValue(line.from.x);
      const y0 = y.getPixelForValue(line.from.y);
      const x1 = x.getPixelForValue(line.to.x);
      const y1 = y.getPixelForValue(line.to.y);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      // Labelled where points rarely are: the trade-off curve bows towards the lower left, so the
      // end on the right edge (else the one on the top edge) is clear of them.
      const label = `−ELBO ${formatValue(line.c)}`;
      if (line.to.x >= x.max - 1e-9) {
        ctx.textAlign = 'right';
        ctx.textBaseline = 'bottom';
        ctx.fillText(label, x1 - 4, y1 - 3);
      } else if (line.from.y >= y.max - 1e-9) {
        ctx.textAlign = 'left';
        ctx.textBaseline = 'top';
        ctx.fillText(label, x0 + 6, y0 + 3);
      }
    }
    ctx.restore();
  },
};

const errorBars: Plugin<'scatter'> = {
  id: 'rdErrors',
  afterDatasetsDraw(chart) {
    const { x, y } = chart.scales;
    if (!x || !y) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.lineWidth = 1.2;
    chart.data.datasets.forEach((ds) => {
      const colors = ds.borderColor as string[] | undefined;
      (ds.data as unknown as RdDatum[]).forEach((d, i) => {
        const { klErr, reconErr } = d.point;
        if (!(klErr > 0 || reconErr > 0)) return;
        ctx.strokeStyle = colors?.[i] ?? '#888';
        const cx = x.getPixelForValue(d.x);
        const cy = y.getPixelForValue(d.y);
        ctx.beginPath();
        ctx.moveTo(x.getPixelForValue(d.x - klErr), cy);
        ctx.lineTo(x.getPixelForValue(d.x + klErr), cy);
        ctx.moveTo(cx, y.getPixelForValue(d.y - reconErr));
        ctx.lineTo(cx, y.getPixelForValue(d.y + reconErr));
        ctx.stroke();
      });
    });
    ctx.restore();
  },
};

export function createRdChart(canvas: HTMLCanvasElement, onPick: (point: RdPoint) => void): Chart<'scatter', RdDatum[]> {
  return new Chart<'scatter', RdDatum[]>(canvas, {
    type: 'scatter',
    data: { datasets: [{ data: [] }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      onClick(_event, elements, chart) {
        const hit = elements[0];
        const datum = hit ? (chart.data.datasets[hit.datasetIndex]?.data[hit.index] as RdDatum | undefined) : undefined;
        if (datum) onPick(datum.point);
      },
      onHover(event, elements) {
        const target = event.native?.target as HTMLElement | undefined;
        if (target) target.style.cursor = elements.length > 0 ? 'pointer' : 'default';
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => (items[0]?.raw as RdDatum | undefined)?.point.label ?? '',
            label: (item) => {
              const p = (item.raw as RdDatum).point;
              const err = (e: number) => (e > 0 ? ` ± ${formatValue(e)}` : '');
              return [
                `KL (rate) ${formatValue(p.kl)}${err(p.klErr)} nats`,
                `Recon (distortion) ${formatValue(p.recon)}${err(p.reconErr)} nats`,
                `−ELBO ${formatValue(p.kl + p.recon)} nats`,
              ];
            },
          },
        },
      },
      scales: {},
    },
    plugins: [isoLines, errorBars],
  });
}

export function updateRdChart(
  chart: Chart<'scatter', RdDatum[]>,
  points: readonly RdPoint[],
  pointColors: readonly string[],
  box: { x0: number; x1: number; y0: number; y1: number },
  colors: ChartColors,
): void {
  const ds = chart.data.datasets[0]!;
  ds.data = points.map((point) => ({ x: point.kl, y: point.recon, point }));
  ds.backgroundColor = [...pointColors];
  ds.borderColor = [...pointColors];
  ds.pointRadius = points.length > 300 ? 3 : 5;
  ds.pointHoverRadius = 7;
  const axis = (title: string, min: number, max: number) => ({
    type: 'linear' as const,
    min,
    max,
    grid: { color: colors.grid },
    ticks: { color: colors.muted },
    title: { display: true, text: title, color: colors.text },
  });
  chart.options.scales = {
    x: axis('Rate: held-out KL (nats)', box.x0, box.x1),
    y: axis('Distortion: held-out reconstruction (nats)', box.y0, box.y1),
  };
  (chart.options.plugins as { rdIso?: RdPluginOptions }).rdIso = { color: colors.border, text: colors.muted };
  chart.update();
}
