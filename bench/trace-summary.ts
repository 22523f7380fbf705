// `npx tsx bench/trace-summary.ts TRACE.json [--min-ms 50] [--top 25]`: what a page's main thread did in
// a Chromium trace (bench/runs-table.ts --trace): its tasks over --min-ms, each with the trace events
// inside it by total time (Layout, FunctionCall, GC...), and the sampled JavaScript functions by self
// time, inside those tasks and over the whole trace. DevTools shows the same, one task at a time; this
// prints it in a form that can be compared before and after a change. Build the page with
// VAE_NO_MINIFY=1 for function names.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: Record<string, unknown>;
}
interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'min-ms': { type: 'string', default: '50' }, top: { type: 'string', default: '25' } },
});
if (positionals.length !== 1) throw new Error('usage: trace-summary.ts TRACE.json [--min-ms N] [--top N]');
const minUs = Number(values['min-ms']) * 1000;
const top = Number(values.top);
const raw = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
const events = Array.isArray(raw) ? raw : raw.traceEvents;

// The page's main thread: the renderer main thread with the most events.
const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && (e.args?.name as string) === 'CrRendererMain');
const countOn = (pid: number, tid: number) => events.filter((e) => e.pid === pid && e.tid === tid).length;
const main = mains.map((m) => ({ pid: m.pid, tid: m.tid, n: countOn(m.pid, m.tid) })).sort((a, b) => b.n - a.n)[0];
if (!main) throw new Error(`${positionals[0]}: no CrRendererMain thread in the trace`);
const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined);
// Top-level tasks only: a task's own RunTask events nest inside it.
const tasks: TraceEvent[] = [];
for (const e of onMain
  .filter((x) => x.name === 'RunTask' || x.name === 'ThreadControllerImpl::RunTask')
  .sort((a, b) => a.ts - b.ts)) {
  const last = tasks.at(-1);
  if (!last || e.ts >= last.ts + last.dur!) tasks.push(e);
}
const long = tasks.filter((t) => t.dur! >= minUs);
const span = onMain.length ? (Math.max(...onMain.map((e) => e.ts + e.dur!)) - Math.min(...onMain.map((e) => e.ts))) / 1000 : 0;
const busy = tasks.reduce((a, t) => a + t.dur!, 0) / 1000;

// Sampled stacks (the v8 CPU profiler's chunks for the main thread's isolate): self time per function.
const nodes = new Map<number, ProfileNode>();
const samples: { ts: number; node: number }[] = [];
for (const e of events) {
  if (e.name !== 'ProfileChunk' || e.pid !== main.pid) continue;
  const data = (e.args?.data ?? {}) as { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] };
  for (const n of data.cpuProfile?.nodes ?? []) nodes.set(n.id, n);
  let ts = samples.at(-1)?.ts ?? 0;
  const deltas = data.timeDeltas ?? [];
  (data.cpuProfile?.samples ?? []).forEach((node, i) => {
    ts += deltas[i] ?? 0;
    samples.push({ ts, node });
  });
}
// Chunks carry deltas from the profile's start: anchor them at the 'Profile' event's startTime.
const profileStart = events.find((e) => e.name === 'Profile' && e.pid === main.pid)?.args?.data as
  { startTime?: number } | undefined;
const offset = profileStart?.startTime ?? 0;
for (const s of samples) s.ts += offset;
const label = (id: number) => {
  const f = nodes.get(id)?.callFrame;
  if (!f) return '?';
  const file = (f.url ?? '').split('/').pop() ?? '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
};
function selfTimes(inside: (ts: number) => boolean): [string, number][] {
  const byFn = new Map<string, number>();
  for (let i = 0; i + 1 < samples.length; i++) {
    const s = samples[i]!;
    if (!inside(s.ts)) continue;
    const name = label(s.node);
    if (name.startsWith('(idle)') || name.startsWith('(program)')) continue;
    byFn.set(name, (byFn.get(name) ?? 0) + (samples[i + 1]!.ts - s.ts) / 1000);
  }
  return [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top);
}
const ms = (v: number) => `${v.toFixed(1)} ms`;
const out: string[] = [];
out.push(
  `main thread ${main.pid}:${main.tid}: ${tasks.length} tasks over ${ms(span)}, busy ${ms(busy)}; ${long.length} tasks of ${ms(minUs / 1000)} or more; ${samples.length} samples`,
);
for (const t of long) {
  const inner = onMain.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur! <= t.ts + t.dur!);
  const byName = new Map<string, number>();
  for (const e of inner) {
    const fn = e.name === 'FunctionCall' ? ` ${(e.args?.data as { functionName?: string })?.functionName ?? ''}` : '';
    byName.set(e.name + fn, (byName.get(e.name + fn) ?? 0) + e.dur! / 1000);
  }
  out.push(`\ntask at ${ms((t.ts - onMain[0]!.ts) / 1000)}: ${ms(t.dur! / 1000)}`);
  for (const [name, d] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12)) out.push(`  ${ms(d).padStart(10)}  ${name}`);
  out.push('  sampled self time:');
  for (const [name, d] of selfTimes((ts) => ts >= t.ts && ts <= t.ts + t.dur!).slice(0, 12))
    out.push(`  ${ms(d).padStart(10)}  ${name}`);
}
out.push('\nsampled self time over the whole trace:');
for (const [name, d] of selfTimes(() => true)) out.push(`  ${ms(d).padStart(10)}  ${name}`);
process.stdout.write(`${out.join('\n')}\n`);
