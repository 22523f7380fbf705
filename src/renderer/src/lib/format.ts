// How numbers, durations and dates read across the UI. One place, so a loss shows the same digits in
// the table, the progress line and the chart tooltip.

const countFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** Losses are nats per image, usually tens to hundreds: two decimals tell runs apart. */
export function formatLoss(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 10_000 ? n.toExponential(3) : n.toFixed(2);
}

/** Learning rates span decades: 0.001 reads better as 1e-3. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const rounded = Number(n.toPrecision(6));
  return rounded !== 0 && Math.abs(rounded) < 0.01 ? rounded.toExponential() : String(rounded);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  return formatDuration(seconds * 1000);
}

export function formatRate(imagesPerSec: number | null | undefined): string {
  if (imagesPerSec === null || imagesPerSec === undefined || !Number.isFinite(imagesPerSec)) return '—';
  return `${formatCount(imagesPerSec >= 100 ? Math.round(imagesPerSec) : Number(imagesPerSec.toFixed(1)))} img/s`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const dayYearFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** Day and time apart, for a narrow table column; the year only when it is not this one. */
export function formatDayAndTime(ms: number, now = Date.now()): { day: string; time: string } {
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return { day: (sameYear ? dayFormat : dayYearFormat).format(d), time: timeFormat.format(d) };
}

export function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return dateFormat.format(new Date(ms));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
