// chart.js setup for Compare's overlaid loss curves: one colour per run, the smoothed curve bold over
// its faint raw one, held-out epochs as points; or, when runs are grouped, one colour per group: its
// mean curve over a shaded band (± std or min–max), its runs faint beneath on request. Same approach as the run view's chart (pre-parsed
// sorted points, LTTB decimation, no animation); hovering is drawn by the component, since runs
// log on different x grids and chart.js' own tooltip matches points by index.

import { Chart, Filler, type ChartDataset, type ScaleOptionsByType } from 'chart.js';
import type { XAxis } from '../compare/series.ts';
import { durationTickStep } from '../compare/series.ts';
import { PALETTE_SIZE } from '../compare/colors.ts';
import { bandEdges, type BandMode, type BandPoint } from '../compare/group-series.ts';
import { formatCount, formatDuration } from '../format.ts';
import type { XY } from '../loss-series.ts';
// Importing the run view's chart module registers the line chart's controllers and scales.
import { FAST_LINE_OPTIONS, withAlpha, yScale, type ChartColors } from './loss-chart.ts';
import { keepZoom, zoomOptions } from './zoom.ts';

// The band is a fill between its lower and upper edge.
Chart.register(Filler);

export interface PlottedRun {
  runId: number;
  /** Palette slot: the colour is --run-<slot>. */
  slot: number;
  raw: XY[];
  smoothed: XY[];
  /** Held-out curves have a point per epoch: mark each one. */
  markPoints: boolean;
}

/** A group as the chart draws it. */
export interface PlottedGroup {
  id: string;
  slot: number;
  band: BandPoint[];
  /** Its runs' curves, drawn faint beneath the band; empty unless asked for. */
  members: XY[][];
  markPoints: boolean;
}

export interface CompareChartView {
  xAxis: XAxis;
  logScale: boolean;
  bandMode: BandMode;
  /** The y axis' title and tick labels when it is not a loss (β, a learning rate). */
  y?: { title: string; format: (v: number) => string };
}

/** The run colours of the current scheme, as canvas needs them (#rrggbb, not var()). */
export function readRunColors(el: Element): string[] {
  const style = getComputedStyle(el);
  return Array.from({ length: PALETTE_SIZE }, (_, i) => style.getPropertyValue(`--run-${i}`).trim());
}

export const X_AXIS_LABELS: Record<XAxis, string> = { step: 'Step', epoch: 'Epoch', images: 'Images seen', wall: 'Wall time' };

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const epochFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** How an x value reads on the axis and in the hover box. */
export function formatX(axis: XAxis, x: number, forTicks = false): string {
  switch (axis) {
    case 'step':
      return formatCount(x);
    case 'epoch':
      return epochFormat.format(x);
    case 'images':
      return forTicks ? compact.format(x) : formatCount(x);
    case 'wall':
      return formatDuration(x * 1000);
  }
}

type RunDataset = ChartDataset<'line', XY[]>;

function datasetsFor(runs: readonly PlottedRun[], runColors: readonly string[], colors: ChartColors): RunDataset[] {
  const out: RunDataset[] = [];
  for (const run of runs) {
    const color = runColors[run.slot] || colors.text;
    const smoothed = run.smoothed.length > 0;
    out.push({
      label: `run ${run.runId}`,
      data: run.raw,
      borderColor: smoothed ? withAlpha(color, 0.18) : color,
      backgroundColor: color,
      borderWidth: smoothed ? 1 : 2,
      pointRadius: run.markPoints ? 3.5 : 0,
      pointBackgroundColor: colors.surface,
      pointBorderColor: color,
      pointBorderWidth: 2,
      tension: 0,
      spanGaps: true,
      order: 2,
    });
    if (smoothed) {
      out.push({
        label: `run ${run.runId} (smoothed)`,
        data: run.smoothed,
        borderColor: color,
        borderWidth: 2,
        pointRadius: 0,
        tension: 0,
        spanGaps: true,
        order: 1,
      });
    }
  }
  return out;
}

function groupDatasets(
  groups: readonly PlottedGroup[],
  view: CompareChartView,
  runColors: readonly string[],
  colors: ChartColors,
) {
  const out: RunDataset[] = [];
  for (const group of groups) {
    const color = runColors[group.slot % PALETTE_SIZE] || colors.text;
    for (const [i, points] of group.members.entries()) {
      out.push({
        label: `${group.id} run ${i}`,
        data: points,
        borderColor: withAlpha(color, 0.22),
        borderWidth: 1,
        pointRadius: 0,
        tension: 0,
        spanGaps: true,
        fill: false,
        order: 3,
      });
    }
    const edges = group.band.map((p) => ({ x: p.x, ...bandEdges(p, view.bandMode, view.logScale) }));
    // Lower edge, then the upper one filled down to it ('-1': the dataset just before).
    out.push({
      label: `${group.id} low`,
      data: edges.map((e) => ({ x: e.x, y: e.lo })),
      borderWidth: 0,
      pointRadius: 0,
      tension: 0,
      fill: false,
      order: 2,
    });
    out.push({
      label: `${group.id} high`,
      data: edges.map((e) => ({ x: e.x, y: e.hi })),
      borderWidth: 0,
      pointRadius: 0,
      tension: 0,
      backgroundColor: withAlpha(color, 0.2),
      fill: '-1',
      order: 2,
    });
    out.push({
      label: `${group.id} mean`,
      data: group.band.map((p) => ({ x: p.x, y: p.mean })),
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2.25,
      pointRadius: group.markPoints ? 3 : 0,
      pointBackgroundColor: colors.surface,
      pointBorderColor: color,
      pointBorderWidth: 2,
      tension: 0,
      fill: false,
      order: 1,
    });
  }
  return out;
}

function xScale(axis: XAxis, colors: ChartColors, maxX: number): ScaleOptionsByType<'linear'> {
  return {
    type: 'linear',
    min: 0,
    // The curves end at the right edge, not at the next round number past the longest run.
    ...(maxX > 0 ? { max: maxX } : {}),
    grid: { color: colors.grid },
    border: { color: colors.border },
    ticks: {
      color: colors.muted,
      maxTicksLimit: 10,
      ...(axis === 'step' || axis === 'images' ? { precision: 0 } : {}),
      ...(axis === 'wall' ? { stepSize: durationTickStep(maxX) } : {}),
      callback: (v: number | string) => formatX(axis, Number(v), true),
    },
    title: { display: true, text: X_AXIS_LABELS[axis].toLowerCase(), color: colors.muted },
  } as unknown as ScaleOptionsByType<'linear'>;
}

export function createCompareChart(canvas: HTMLCanvasElement): Chart<'line', XY[]> {
  return new Chart<'line', XY[]>(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      ...FAST_LINE_OPTIONS,
      events: [],
      scales: {},
      plugins: {
        decimation: { enabled: true, algorithm: 'lttb' },
        legend: { display: false },
        tooltip: { enabled: false },
        zoom: zoomOptions('xy'),
      },
    },
  });
}

export function updateCompareChart(
  chart: Chart<'line', XY[]>,
  runs: readonly PlottedRun[],
  view: CompareChartView,
  colors: ChartColors,
  runColors: readonly string[],
  groups: readonly PlottedGroup[] = [],
): void {
  chart.data.datasets = [...datasetsFor(runs, runColors, colors), ...groupDatasets(groups, view, runColors, colors)];
  let maxX = 0;
  for (const run of runs) maxX = Math.max(maxX, run.raw[run.raw.length - 1]?.x ?? 0);
  for (const group of groups) maxX = Math.max(maxX, group.band[group.band.length - 1]?.x ?? 0);
  const y = yScale(colors, view.logScale);
  if (view.y) {
    const custom = view.y;
    y.title = { ...y.title, text: custom.title };
    // On a log axis every minor tick would be labelled and collide: only the 1-2-5 ones are, as chart.js does.
    const labelled = (v: number) =>
      !view.logScale || [1, 2, 5].includes(Number((v / 10 ** Math.floor(Math.log10(v))).toFixed(6)));
    y.ticks = { ...y.ticks, callback: (v: number | string) => (labelled(Number(v)) ? custom.format(Number(v)) : '') };
  }
  chart.options.scales = { x: xScale(view.xAxis, colors, maxX), y };
  keepZoom(chart);
  chart.update();
}
