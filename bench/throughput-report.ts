// Turns the bench's measurements into the printed comparison: ratios against PyTorch, the issue's
// targets met or not, GFLOP/s against the measured matrix-product peak, and for each target missed
// what the numbers say limits it. Pure: throughput.ts measures, this only reads numbers.

import { TORCH_TARGETS, verdict } from './torch-compare.ts';

/** One side's measurements of one case at one thread count, summed over the rounds. */
export interface Side {
  images: number;
  seconds: number;
  steps: number;
  /** CPU seconds over wall seconds, summed the same way. */
  cpuSeconds: number;
}
export const rate = (s: Side): number => s.images / s.seconds;
export const busy = (s: Side): number => s.cpuSeconds / s.seconds;

export function addTo(side: Side | null, images: number, seconds: number, steps: number, coresBusy: number): Side {
  const s = side ?? { images: 0, seconds: 0, steps: 0, cpuSeconds: 0 };
  return {
    images: s.images + images,
    seconds: s.seconds + seconds,
    steps: s.steps + steps,
    cpuSeconds: s.cpuSeconds + coresBusy * seconds,
  };
}

export interface CaseRows {
  name: string;
  flopsPerImage: number;
  params: { ours: number; torch: number | null };
  /** Per thread count asked for (1 and all cores): null where that side did not measure it. */
  byThreads: Map<number, { ours: Side | null; oursNote: string; torch: Side | null }>;
}

export interface MatmulRate {
  gflops: number;
  coresBusy: number;
}
export interface Matmul {
  size: number;
  /** By thread count. */
  torch: Map<number, MatmulRate>;
  ours: Map<number, MatmulRate>;
}

const g = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** The thread count at which a side measured its highest value of `by` (ours may have measured at one only). */
function best(rows: CaseRows, side: 'ours' | 'torch', by: (s: Side) => number): { threads: number; s: Side } | null {
  let found: { threads: number; s: Side } | null = null;
  for (const [threads, r] of rows.byThreads) {
    const s = r[side];
    if (s && (!found || by(s) > by(found.s))) found = { threads, s };
  }
  return found;
}

export function comparable(rows: CaseRows): boolean {
  return rows.params.torch === rows.params.ours;
}

export function table(cases: readonly CaseRows[]): string[][] {
  const out: string[][] = [
    ['case', 'threads', 'ours img/s', 'torch img/s', 'ours/torch', 'ours GFLOP/s', 'torch GFLOP/s', 'cores busy ours/torch'],
  ];
  for (const c of cases) {
    for (const [threads, r] of c.byThreads) {
      const ours = r.ours;
      const torch = comparable(c) ? r.torch : null;
      out.push([
        c.name,
        String(threads),
        ours ? rate(ours).toFixed(1) : r.oursNote ? 'n/a (*)' : '-',
        torch ? rate(torch).toFixed(1) : '-',
        ours && torch ? `${(rate(ours) / rate(torch)).toFixed(2)}x` : '-',
        ours ? g((rate(ours) * c.flopsPerImage) / 1e9) : '-',
        torch ? g((rate(torch) * c.flopsPerImage) / 1e9) : '-',
        `${ours ? busy(ours).toFixed(2) : '-'} / ${torch ? busy(torch).toFixed(2) : '-'}`,
      ]);
    }
  }
  return out;
}

/** The notes behind the table's "n/a (*)" cells, once each. */
export function tableNotes(cases: readonly CaseRows[]): string[] {
  const notes = new Set<string>();
  for (const c of cases) for (const r of c.byThreads.values()) if (!r.ours && r.oursNote) notes.add(`(*) ${r.oursNote}`);
  return [...notes];
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Images per CPU-second of one side: its speed per busy core, which the machine's load barely moves. */
const perCpu = (s: Side): number => s.images / s.cpuSeconds;
const perCpuGflops = (m: MatmulRate | undefined): number | undefined => (m ? m.gflops / m.coresBusy : undefined);

/**
 * Per case: ours at its best thread count against torch at ITS best (on a loaded machine torch's
 * all-core step can be slower than its one-thread step: its threads wait for each other whenever one
 * is descheduled), the target met or not, and where not, what limits it, in numbers.
 */
export function verdicts(cases: readonly CaseRows[], mm: Matmul, cores: number): string[] {
  const lines: string[] = [];
  const mmOurs = perCpuGflops(mm.ours.get(1));
  const mmTorch = perCpuGflops(mm.torch.get(1));
  for (const c of cases) {
    if (!comparable(c)) {
      lines.push(`${c.name}: NOT compared: parameter counts differ (ours ${c.params.ours}, torch ${c.params.torch ?? '?'})`);
      continue;
    }
    const ours = best(c, 'ours', rate);
    const torch = best(c, 'torch', rate);
    if (!ours || !torch) continue;
    const ratio = rate(ours.s) / rate(torch.s);
    const torchAll = c.byThreads.get(cores)?.torch;
    const plural = (n: number) => `${n} thread${n > 1 ? 's' : ''}`;
    let line =
      `${c.name}: ours ${rate(ours.s).toFixed(1)} img/s (${plural(ours.threads)}) vs torch's best ${rate(torch.s).toFixed(1)} ` +
      `(${plural(torch.threads)}) = ${ratio.toFixed(2)}x, ${verdict(c.name, ratio)}` +
      (torchAll && torch.threads !== cores
        ? ` (vs torch at ${plural(cores)}: ${(rate(ours.s) / rate(torchAll)).toFixed(2)}x)`
        : '');
    const target = TORCH_TARGETS[c.name];
    const ours1 = c.byThreads.get(1)?.ours;
    const torch1 = c.byThreads.get(1)?.torch;
    if ((target === undefined || ratio < target) && ours1 && torch1) {
      const perCore = perCpu(ours1) / perCpu(torch1);
      line += `\n  per busy core (both 1 thread, images per CPU-second): ours ${perCpu(ours1).toFixed(0)}, torch ${perCpu(torch1).toFixed(0)} = ${perCore.toFixed(2)}x`;
      if (ours.threads === 1)
        line += `; ours is fastest on 1 thread here, so all ${cores} cores could give at most ${(perCore * cores).toFixed(2)}x torch's one-core rate`;
      if (mmOurs && mmTorch) {
        const oursShare = (perCpu(ours1) * c.flopsPerImage) / 1e9 / mmOurs;
        const torchShare = (perCpu(torch1) * c.flopsPerImage) / 1e9 / mmTorch;
        line +=
          `\n  per-core GEMM limit: ${mm.size}² matmul per CPU-second, wasm SIMD128 (XNNPACK) ${g(mmOurs)} vs torch (OpenBLAS) ${g(mmTorch)} GFLOP/s ` +
          `= ${(mmOurs / mmTorch).toFixed(2)}x; this model's step reaches ${(100 * oursShare).toFixed(0)}% of that rate in ours, ` +
          `${(100 * torchShare).toFixed(0)}% in torch`;
      }
    }
    lines.push(line);
  }
  return lines;
}

export function matmulLine(mm: Matmul, cores: number): string {
  const each = (m: Map<number, MatmulRate>) =>
    [...m].map(([n, v]) => `${n} thread${n > 1 ? 's' : ''} ${g(v.gflops)} (${v.coresBusy.toFixed(2)} cores busy)`).join(', ');
  const t = each(mm.torch);
  const o = each(mm.ours);
  const peak = mm.torch.get(cores)?.gflops;
  return (
    `${mm.size}x${mm.size} matmul GFLOP/s: torch ${t || '-'}${peak ? ` (the practical peak here: ${g(peak)})` : ''}; ` +
    `ours (wasm XNNPACK) ${o || '-'}`
  );
}
