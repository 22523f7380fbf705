// What `npm run sweep` prints: one line per run as it starts and ends with the sweep's counts, and at
// the end a summary (runs by status, the best run, mean ± std of each setting over its seeds) or one
// JSON document. Groups and statistics come from shared/run-groups, as in the app's views.

import { groupRuns, summarize } from '../../shared/run-groups.ts';
import { SEED_PATH, pointName, type SweepRecord } from '../../shared/sweep.ts';
import type { RunRecord, RunStatus } from '../../shared/training.ts';
import { terminalText } from './format.ts';

const METRIC = 'heldOut.total';
const ORDER: readonly RunStatus[] = ['completed', 'pruned', 'failed', 'interrupted', 'running', 'paused', 'queued'];

const nats = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : '-');

export function sweepHeader(sweep: SweepRecord): string {
  const d = sweep.definition;
  const pruning = d.pruning.kind === 'asha' ? `, successive halving (keeps the top 1/${d.pruning.reduction} at each rung)` : '';
  return `Sweep ${sweep.id} "${terminalText(sweep.name)}": ${sweep.total} runs, ${d.parallel} at a time${pruning}`;
}

/** "5/12 finished (3 completed, 1 pruned, 1 failed); 2 training, 5 queued". */
export function countsLine(sweep: SweepRecord): string {
  const c = sweep.counts;
  const finished = c.completed + c.pruned + c.failed;
  const ended = (['completed', 'pruned', 'failed'] as const).filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  const live = [
    c.running + c.paused > 0 ? `${c.running + c.paused} training` : '',
    c.queued > 0 ? `${c.queued} queued` : '',
    c.interrupted > 0 ? `${c.interrupted} interrupted` : '',
  ].filter(Boolean);
  return `  ${finished}/${sweep.total} finished${ended.length ? ` (${ended.join(', ')})` : ''}${live.length ? `; ${live.join(', ')}` : ''}`;
}

export function runStartLine(run: RunRecord, resumedAt: number): string {
  return `run ${run.id} "${terminalText(run.name)}" ${resumedAt > 0 ? `resumed at step ${resumedAt}` : 'started'}`;
}

export function runEndLine(run: RunRecord): string {
  const why = run.statusMessage ? `: ${terminalText(run.statusMessage)}` : '';
  const metric = run.status === 'completed' ? `, held-out −ELBO ${nats(run.finalHeldOut?.total)}` : '';
  return `run ${run.id} "${terminalText(run.name)}" ${run.status}${metric}${why}`;
}

/** The run with the lowest final held-out −ELBO among those that completed (a pruned run stopped early). */
function bestRun(runs: readonly RunRecord[]): RunRecord | null {
  let best: RunRecord | null = null;
  for (const r of runs) {
    const v = r.finalHeldOut?.total;
    if (r.status !== 'completed' || v === undefined || !Number.isFinite(v)) continue;
    if (!best || v < best.finalHeldOut!.total) best = r;
  }
  return best;
}

interface GroupSummary {
  label: string;
  values: Record<string, unknown>;
  runs: number;
  /** Over completed runs only: a pruned run's last value is from an earlier epoch. */
  completed: number;
  pruned: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

function groupSummaries(sweep: SweepRecord, runs: readonly RunRecord[]): GroupSummary[] {
  const keys = sweep.definition.axes.map((a) => a.path).filter((p) => p !== SEED_PATH);
  return groupRuns(runs, keys).map((g) => {
    const s = summarize(
      g.runs.filter((r) => r.status === 'completed'),
      METRIC,
    );
    return {
      label: keys.length ? pointName(g.values) : 'all runs',
      values: g.values,
      runs: g.runs.length,
      completed: g.runs.filter((r) => r.status === 'completed').length,
      pruned: g.runs.filter((r) => r.status === 'pruned').length,
      mean: s?.mean ?? null,
      std: s && Number.isFinite(s.std) ? s.std : null,
      min: s?.min ?? null,
      max: s?.max ?? null,
    };
  });
}

export function summaryText(sweep: SweepRecord, runs: readonly RunRecord[]): string {
  const byStatus = ORDER.filter((s) => sweep.counts[s] > 0).map((s) => `${sweep.counts[s]} ${s}`);
  const lines = [
    `Sweep ${sweep.id} "${terminalText(sweep.name)}" ${sweep.status}${sweep.statusMessage ? ` (${terminalText(sweep.statusMessage)})` : ''}`,
    `  runs      ${sweep.total}: ${byStatus.join(', ') || 'none started'}`,
  ];
  const best = bestRun(runs);
  lines.push(
    best
      ? `  best      run ${best.id} "${terminalText(best.name)}", held-out −ELBO ${nats(best.finalHeldOut?.total)}`
      : '  best      - (no run has completed)',
  );
  const groups = groupSummaries(sweep, runs);
  const seeds = sweep.definition.seeds;
  if (groups.length > 0) {
    lines.push('', `Held-out −ELBO by setting (completed runs${seeds > 1 ? `, mean ± std over ${seeds} seeds` : ''}):`);
    const width = Math.max(...groups.map((g) => terminalText(g.label).length));
    for (const g of groups) {
      const stat = g.mean === null ? '-' : `${nats(g.mean)}${g.std === null ? '' : ` ± ${nats(g.std)}`}`;
      const extra = [g.completed < g.runs ? `${g.completed} of ${g.runs} completed` : '', g.pruned ? `${g.pruned} pruned` : '']
        .filter(Boolean)
        .join(', ');
      lines.push(`  ${terminalText(g.label).padEnd(width)}  ${stat}${extra ? `  (${extra})` : ''}`);
    }
  }
  return lines.join('\n');
}

export function summaryJson(sweep: SweepRecord, runs: readonly RunRecord[], database: string) {
  const best = bestRun(runs);
  return {
    sweepId: sweep.id,
    name: sweep.name,
    status: sweep.status,
    message: sweep.statusMessage,
    total: sweep.total,
    counts: sweep.counts,
    best: best && { runId: best.id, name: best.name, heldOut: best.finalHeldOut },
    runs: runs.map((r) => ({
      runId: r.id,
      sweepIndex: r.sweepIndex,
      name: r.name,
      status: r.status,
      message: r.statusMessage,
      epoch: r.epoch,
      step: r.step,
      train: r.finalTrain,
      heldOut: r.finalHeldOut,
    })),
    groups: groupSummaries(sweep, runs),
    definition: sweep.definition,
    database,
  };
}
