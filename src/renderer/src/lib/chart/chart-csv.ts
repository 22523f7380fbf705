// A chart's plotted data as CSV: one row per x, one column per series (blank where a series has no
// point at that x: runs log on different grids). Written here rather than with a CSV library: the
// only quoting needed is RFC 4180's, for labels with commas or quotes.

export interface ChartSeries {
  label: string;
  points: readonly { x: number | string; y: number | null }[];
}

export interface ChartTable {
  xLabel: string;
  series: ChartSeries[];
}

/** The chart.js data this reads: line datasets of {x, y}, or bar datasets of numbers over labels. */
export interface ChartDataLike {
  labels?: readonly unknown[];
  datasets: readonly {
    label?: string;
    hidden?: boolean;
    data: readonly unknown[];
    /** Where chart.js' decimation keeps every point while it draws fewer. */
    _data?: readonly unknown[];
  }[];
}

function isPoint(v: unknown): v is { x: number; y: number | null } {
  return typeof v === 'object' && v !== null && 'x' in v && 'y' in v;
}

/** The shown datasets of a chart as series: hidden ones are not what the reader sees. */
export function tableFromChart(data: ChartDataLike, xLabel: string, hiddenAt?: (index: number) => boolean): ChartTable {
  const series: ChartSeries[] = [];
  data.datasets.forEach((ds, i) => {
    if (hiddenAt ? hiddenAt(i) : ds.hidden) return;
    const raw = ds._data ?? ds.data;
    const points = raw.flatMap((v, j): ChartSeries['points'][number][] => {
      if (isPoint(v)) return [{ x: v.x, y: v.y }];
      if (typeof v === 'number' || v === null) {
        const label = data.labels?.[j];
        return [{ x: typeof label === 'string' || typeof label === 'number' ? String(label) : String(j), y: v }];
      }
      return [];
    });
    series.push({ label: ds.label ?? `series ${i + 1}`, points });
  });
  return { xLabel, series };
}

function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Numbers in full precision; x values in the order first seen, numeric ones sorted. */
export function tableToCsv(table: ChartTable): string {
  const xs: (number | string)[] = [];
  const seen = new Set<number | string>();
  for (const s of table.series)
    for (const p of s.points)
      if (!seen.has(p.x)) {
        seen.add(p.x);
        xs.push(p.x);
      }
  if (xs.every((x) => typeof x === 'number')) xs.sort((a, b) => Number(a) - Number(b));
  const columns = table.series.map((s) => new Map(s.points.map((p) => [p.x, p.y])));
  const lines = [[table.xLabel, ...table.series.map((s) => s.label)].map(cell).join(',')];
  for (const x of xs) {
    const values = columns.map((c) => {
      const y = c.get(x);
      return y === undefined || y === null || !Number.isFinite(y) ? '' : String(y);
    });
    lines.push([cell(String(x)), ...values].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
