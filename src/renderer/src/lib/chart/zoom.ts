// Zoom and pan for every chart: Ctrl + wheel (or a pinch) zooms, a drag pans, within the data's own
// range. Plain wheel still scrolls the page, which holds several charts. chartjs-plugin-zoom is
// registered once here; the chart modules import this file.

import { Chart } from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';

Chart.register(zoomPlugin);

/** Fired on a chart's canvas when its zoom or pan changes, for a toolbar to show "Reset zoom". */
export const ZOOM_EVENT = 'chartzoom';

const notify = ({ chart }: { chart: Chart }) => chart.canvas.dispatchEvent(new CustomEvent(ZOOM_EVENT));

export function zoomOptions(mode: 'x' | 'xy') {
  return {
    zoom: {
      wheel: { enabled: true, modifierKey: 'ctrl' as const },
      pinch: { enabled: true },
      mode,
      onZoomComplete: notify,
    },
    pan: { enabled: true, mode, onPanComplete: notify },
    limits: {
      x: { min: 'original' as const, max: 'original' as const },
      y: { min: 'original' as const, max: 'original' as const },
    },
  };
}

/**
 * The update functions rebuild scale options from the data; a zoomed scale keeps its zoomed range
 * across those rebuilds (a live run's chart updates with every batch of steps).
 */
export function keepZoom(chart: Chart): void {
  const bounds = chart.getZoomedScaleBounds();
  const scales = chart.options.scales ?? {};
  for (const [id, range] of Object.entries(bounds)) {
    const scale = scales[id];
    if (range && scale) {
      scale.min = range.min;
      scale.max = range.max;
    }
  }
}

export function isZoomed(chart: Pick<Chart, 'isZoomedOrPanned'>): boolean {
  return chart.isZoomedOrPanned();
}
