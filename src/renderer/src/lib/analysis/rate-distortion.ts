// The rate–distortion plane: each run (or group mean) at (held-out KL, held-out reconstruction), both
// in nats per image. Their sum is the held-out negative ELBO, so lines of equal −ELBO are the
// diagonals recon + KL = c; a β or latent-size sweep traces the trade-off along them.

import { summarizeValues } from '../../../../shared/run-groups.ts';
import type { RunGroup } from '../../../../shared/run-groups.ts';
import { runValue, type RunValue } from '../../../../shared/run-values.ts';
import type { RunRecord } from '../../../../shared/training.ts';
import { niceStep } from './axes.ts';

export interface RdPoint {
  id: string;
  label: string;
  /** Rate: held-out KL (mean for a group). */
  kl: number;
  /** Distortion: held-out reconstruction (mean for a group). */
  recon: number;
  /** Standard errors of the mean for a group of two or more runs, else 0. */
  klErr: number;
  reconErr: number;
  /** The value coloured by (the setting chosen), shared by a group's runs or null. */
  color: RunValue;
  runIds: number[];
}

export interface RdData {
  points: RdPoint[];
  /** Runs (or groups) without held-out KL and reconstruction, by name. */
  leftOut: string[];
}

function heldOut(run: RunRecord): { kl: number; recon: number } | null {
  const kl = runValue(run, 'heldOut.kl');
  const recon = runValue(run, 'heldOut.recon');
  return typeof kl === 'number' && typeof recon === 'number' && Number.isFinite(kl) && Number.isFinite(recon)
    ? { kl, recon }
    : null;
}

export function rdPoints(runs: readonly RunRecord[], groups: readonly RunGroup[] | null, colorKey: string | null): RdData {
  const points: RdPoint[] = [];
  const leftOut: string[] = [];
  if (!groups) {
    for (const run of runs) {
      const h = heldOut(run);
      if (!h) leftOut.push(run.name);
      else
        points.push({
          id: `run:${run.id}`,
          label: run.name,
          ...h,
          klErr: 0,
          reconErr: 0,
          color: colorKey ? runValue(run, colorKey) : null,
          runIds: [run.id],
        });
    }
    return { points, leftOut };
  }
  for (const g of groups) {
    const measured = g.runs.map(heldOut).filter((h): h is { kl: number; recon: number } => h !== null);
    const kl = summarizeValues(measured.map((h) => h.kl));
    const recon = summarizeValues(measured.map((h) => h.recon));
    if (!kl || !recon) {
      leftOut.push(g.label);
      continue;
    }
    const se = (std: number, n: number) => (n > 1 && Number.isFinite(std) ? std / Math.sqrt(n) : 0);
    const colors = colorKey ? g.runs.map((r) => runValue(r, colorKey)) : [];
    points.push({
      id: `group:${g.id}`,
      label: `${g.label} (${measured.length} of ${g.runs.length})`,
      kl: kl.mean,
      recon: recon.mean,
      klErr: se(kl.std, kl.n),
      reconErr: se(recon.std, recon.n),
      color: colors.length > 0 && colors.every((c) => c === colors[0]) ? (colors[0] ?? null) : null,
      runIds: g.runs.map((r) => r.id),
    });
  }
  return { points, leftOut };
}

export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface IsoLine {
  c: number;
  /** The segment of recon + KL = c inside the box. */
  from: { x: number; y: number };
  to: { x: number; y: number };
}

/** Lines of equal −ELBO at round values crossing the box, clipped to it (about `count` of them). */
export function isoElboLines(box: Box, count = 5): IsoLine[] {
  const cMin = box.x0 + box.y0;
  const cMax = box.x1 + box.y1;
  if (!(cMax > cMin)) return [];
  const step = niceStep(cMax - cMin, count);
  const out: IsoLine[] = [];
  for (let c = Math.ceil(cMin / step) * step; c <= cMax; c += step) {
    const value = Number(c.toPrecision(12));
    // y = c - x, clipped to x in [x0, x1] and y in [y0, y1].
    const xa = Math.max(box.x0, value - box.y1);
    const xb = Math.min(box.x1, value - box.y0);
    if (xb <= xa) continue;
    out.push({ c: value, from: { x: xa, y: value - xa }, to: { x: xb, y: value - xb } });
  }
  return out;
}

/**
 * The box around the points (with their error bars), padded and widened to round values so the
 * axes end on a tick, never below zero (rate and distortion are both ≥ 0).
 */
export function rdBox(points: readonly RdPoint[], pad = 0.05): Box | null {
  if (points.length === 0) return null;
  const xs = points.flatMap((p) => [p.kl - p.klErr, p.kl + p.klErr]);
  const ys = points.flatMap((p) => [p.recon - p.reconErr, p.recon + p.reconErr]);
  const widen = (lo: number, hi: number): [number, number] => {
    const span = hi - lo || Math.max(1, Math.abs(hi) * 0.1);
    const step = niceStep(span * (1 + 2 * pad), 6);
    return [Math.max(0, Math.floor((lo - span * pad) / step) * step), Math.ceil((hi + span * pad) / step) * step];
  };
  const [x0, x1] = widen(Math.min(...xs), Math.max(...xs));
  const [y0, y1] = widen(Math.min(...ys), Math.max(...ys));
  return { x0, x1, y0, y1 };
}
