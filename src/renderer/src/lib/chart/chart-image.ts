// A chart as a PNG the way it looks on screen: chart.js draws on a transparent canvas (the card's
// colour shows through), so the image is composed over the theme's surface colour, or it would be
// dark lines on nothing in a dark-themed viewer.

export function chartPng(chart: { canvas: HTMLCanvasElement }): Promise<Blob> {
  const source = chart.canvas;
  const out = document.createElement('canvas');
  out.width = source.width;
  out.height = source.height;
  const ctx = out.getContext('2d');
  if (!ctx) return Promise.reject(new Error('this browser cannot draw on a canvas'));
  ctx.fillStyle = getComputedStyle(source).getPropertyValue('--surface').trim() || '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(source, 0, 0);
  return new Promise((resolve, reject) =>
    out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the chart could not be encoded as PNG'))), 'image/png'),
  );
}
