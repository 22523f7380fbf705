// "Save CSV" on a chart: every plotted point (not the decimated few chart.js draws), one column per
// shown series on the union of their x values, labels quoted when they need it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromChart, tableToCsv } from '../src/renderer/src/lib/chart/chart-csv.ts';

test('line series on different x grids share one x column, blanks where a series has no point', () => {
  const data = {
    datasets: [
      {
        label: 'run 1',
        data: [
          { x: 0, y: 10 },
          { x: 2, y: 8.25 },
        ],
      },
      {
        label: 'run 2, "wide"',
        data: [
          { x: 1, y: 9 },
          { x: 2, y: 1e-7 },
        ],
      },
      { label: 'hidden', hidden: true, data: [{ x: 5, y: 1 }] },
    ],
  };
  const csv = tableToCsv(tableFromChart(data, 'step'));
  assert.equal(csv, 'step,run 1,"run 2, ""wide"""\r\n0,10,\r\n1,,9\r\n2,8.25,1e-7\r\n');
});

test('decimated datasets give every point, and visibility can come from the chart', () => {
  const drawn = [
    { x: 0, y: 3 },
    { x: 3, y: 0 },
  ];
  const all = [
    { x: 0, y: 3 },
    { x: 1, y: 2 },
    { x: 2, y: 1 },
    { x: 3, y: 0 },
  ];
  const data = {
    datasets: [
      { label: 'a', data: drawn, _data: all },
      { label: 'b', data: drawn },
    ],
  };
  const table = tableFromChart(data, 'x', (i) => i === 1);
  assert.deepEqual(
    table.series.map((s) => s.label),
    ['a'],
  );
  assert.equal(tableToCsv(table).split('\r\n').length - 2, 4);
});

test('bar charts read their category labels, and missing or non-finite values stay blank', () => {
  const data = { labels: ['0', '1', '2'], datasets: [{ label: 'kl', data: [0.5, null, Number.NaN] }] };
  assert.equal(tableToCsv(tableFromChart(data, 'dimension')), 'dimension,kl\r\n0,0.5\r\n1,\r\n2,\r\n');
});
