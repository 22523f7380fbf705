// Paints the latent scatter on a 2-D canvas context: grid and ticks, one dot per encoded image in
// its label's colour, and the markers on top (selected image, interpolation ends A and B, the
// decoder's current point). Plain canvas calls: a few thousand dots draw in a millisecond or two,
// where a chart library would spend that on bookkeeping.

import { readChartColors, type ChartColors } from '../chart/loss-chart.ts';
import { labelColor } from './palette.ts';
import {
  clamp,
  equalAspect,
  formatTick,
  makeScale,
  niceTicks,
  type Extent,
  type PlotBox,
  type Scale,
} from './scatter-geometry.ts';

/** The loss chart's theme colours (read from the CSS variables), plus the accent for the markers. */
export type ScatterColors = Omit<ChartColors, 'series'> & { accent: string };

export function readScatterColors(el: Element): ScatterColors {
  return { ...readChartColors(el), accent: getComputedStyle(el).getPropertyValue('--accent').trim() };
}

export interface ScatterScene {
  width: number;
  height: number;
  extent: Extent;
  n: number;
  xy: Float64Array;
  labels: readonly number[] | null;
  axisTitles: [string, string];
  /** A 1-D latent space: the y axis is a jitter with no scale. */
  strip: boolean;
  selected: number | null;
  a: number | null;
  b: number | null;
  /** The decoder's point on these axes. */
  marker: [number, number] | null;
}

export const PLOT_MARGIN = { left: 44, right: 12, top: 12, bottom: 38 };

export function plotBox(width: number, height: number): PlotBox {
  return {
    left: PLOT_MARGIN.left,
    top: PLOT_MARGIN.top,
    width: Math.max(10, width - PLOT_MARGIN.left - PLOT_MARGIN.right),
    height: Math.max(10, height - PLOT_MARGIN.top - PLOT_MARGIN.bottom),
  };
}

function drawAxes(ctx: CanvasRenderingContext2D, scene: ScatterScene, box: PlotBox, scale: Scale, colors: ScatterColors): void {
  const { extent } = scene;
  const xTicks = niceTicks(extent.xMin, extent.xMax, Math.max(3, Math.round(box.width / 80)));
  const yTicks = scene.strip ? [] : niceTicks(extent.yMin, extent.yMax, Math.max(3, Math.round(box.height / 60)));
  ctx.lineWidth = 1;
  ctx.strokeStyle = colors.grid;
  ctx.beginPath();
  for (const t of xTicks) {
    const x = Math.round(scale.x(t)) + 0.5;
    ctx.moveTo(x, box.top);
    ctx.lineTo(x, box.top + box.height);
  }
  for (const t of yTicks) {
    const y = Math.round(scale.y(t)) + 0.5;
    ctx.moveTo(box.left, y);
    ctx.lineTo(box.left + box.width, y);
  }
  ctx.stroke();
  ctx.strokeStyle = colors.border;
  ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.width - 1, box.height - 1);

  ctx.fillStyle = colors.muted;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of xTicks) ctx.fillText(formatTick(t, xTicks), scale.x(t), box.top + box.height + 5);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yTicks) ctx.fillText(formatTick(t, yTicks), box.left - 6, scale.y(t));

  ctx.fillStyle = colors.text;
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  ctx.fillText(scene.axisTitles[0], box.left + box.width / 2, scene.height - 2);
  if (!scene.strip) {
    ctx.save();
    ctx.translate(12, box.top + box.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(scene.axisTitles[1], 0, 0);
    ctx.restore();
  }
}

function ring(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  r: number,
  stroke: string,
  fill: string | null,
  width = 2,
): void {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, Math.PI * 2);
  if (fill) {
    ctx.fillStyle = fill;
    ctx.fill();
  }
  ctx.lineWidth = width;
  ctx.strokeStyle = stroke;
  ctx.stroke();
}

function endLabel(ctx: CanvasRenderingContext2D, px: Float64Array, i: number, text: string, colors: ScatterColors): void {
  const x = px[2 * i]!;
  const y = px[2 * i + 1]!;
  ring(ctx, x, y, 9, colors.accent, colors.surface);
  ctx.fillStyle = colors.accent;
  ctx.font = '600 11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x, y + 0.5);
}

function crosshair(ctx: CanvasRenderingContext2D, x: number, y: number, colors: ScatterColors): void {
  ctx.lineWidth = 2;
  ctx.strokeStyle = colors.surface;
  ctx.beginPath();
  ctx.moveTo(x - 9, y);
  ctx.lineTo(x + 9, y);
  ctx.moveTo(x, y - 9);
  ctx.lineTo(x, y + 9);
  ctx.stroke();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = colors.text;
  ctx.stroke();
  ring(ctx, x, y, 5, colors.text, null, 1.5);
}

/**
 * Draws the scene at CSS-pixel coordinates (the caller scales the context by devicePixelRatio) and
 * returns each point's pixel position, interleaved, for hit testing.
 */
export function drawScatter(ctx: CanvasRenderingContext2D, scene: ScatterScene, colors: ScatterColors): Float64Array {
  const box = plotBox(scene.width, scene.height);
  // A strip's vertical axis is only a jitter: it stretches to the box instead.
  const extent = scene.strip ? scene.extent : equalAspect(scene.extent, box.width, box.height);
  const scale = makeScale(extent, box);
  ctx.clearRect(0, 0, scene.width, scene.height);
  drawAxes(ctx, { ...scene, extent }, box, scale, colors);

  const px = new Float64Array(scene.n * 2);
  for (let i = 0; i < scene.n; i++) {
    px[2 * i] = scale.x(scene.xy[2 * i]!);
    px[2 * i + 1] = scale.y(scene.xy[2 * i + 1]!);
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.width, box.height);
  ctx.clip();
  // Smaller, fainter dots as the count grows, so dense regions still show their structure.
  const r = scene.n > 2000 ? 1.6 : scene.n > 600 ? 2.2 : 3;
  ctx.globalAlpha = scene.n > 2000 ? 0.6 : 0.8;
  const single = colors.accent;
  for (let i = 0; i < scene.n; i++) {
    ctx.fillStyle = scene.labels ? labelColor(scene.labels[i]!) : single;
    ctx.beginPath();
    ctx.arc(px[2 * i]!, px[2 * i + 1]!, r, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.globalAlpha = 1;

  // Held at the frame when the decoder's point lies beyond the axes, so it never goes missing.
  if (scene.marker) {
    const mx = clamp(scale.x(scene.marker[0]), box.left + 4, box.left + box.width - 4);
    const my = scene.strip ? box.top + box.height / 2 : clamp(scale.y(scene.marker[1]), box.top + 4, box.top + box.height - 4);
    crosshair(ctx, mx, my, colors);
  }
  if (scene.a !== null && scene.a < scene.n) endLabel(ctx, px, scene.a, 'A', colors);
  if (scene.b !== null && scene.b < scene.n) endLabel(ctx, px, scene.b, 'B', colors);
  if (scene.selected !== null && scene.selected < scene.n) {
    const i = scene.selected;
    ring(ctx, px[2 * i]!, px[2 * i + 1]!, 6.5, colors.surface, null, 4);
    ring(ctx, px[2 * i]!, px[2 * i + 1]!, 6.5, colors.text, null, 2);
  }
  ctx.restore();
  return px;
}
