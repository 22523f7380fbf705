// `npx tsx bench/trace-frames.ts TRACE.json [--json]`: where each animation frame's CPU goes, in a Chromium
// trace of a scroll (bench/runs-table.ts --trace). Frames are the page's requestAnimationFrame callbacks
// (FireAnimationFrame on its main thread); every trace event of the renderer's threads and of the
// display compositor (the GPU process's VizCompositorThread) that starts between two of them counts
// for the frame. Time is THREAD time (the events' tdur, self time: children's taken out), so a frame
// that waited for a core on a loaded machine shows as late but not as costly; both are printed.
// Work per frame, by kind, as DevTools names them: script, style, layout, paint (recording display
// lists), layerize/prepaint, commit, compositor thread, raster (software: the tests launch Chromium
// with --disable-gpu, so tiles are drawn by the CPU in the renderer's worker threads), display
// (the GPU process drawing the final frame in software), GC.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean' } } });
if (positionals.length !== 1) throw new Error('usage: trace-frames.ts TRACE.json [--json]');
const raw = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as { traceEvents: TraceEvent[] } | TraceEvent[];
const events = Array.isArray(raw) ? raw : raw.traceEvents;

const threadName = new Map<string, string>();
const processName = new Map<number, string>();
for (const e of events) {
  if (e.ph !== 'M') continue;
  if (e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, String(e.args?.name));
  if (e.name === 'process_name') processName.set(e.pid, String(e.args?.name));
}
const xs = events.filter((e) => e.ph === 'X' && e.dur !== undefined);
const count = (pid: number, tid: number) => xs.filter((e) => e.pid === pid && e.tid === tid).length;
const mainKey = [...threadName]
  .filter(([, n]) => n === 'CrRendererMain')
  .map(([k]) => k)
  .sort(
    (a, b) => count(...(a.split(':').map(Number) as [number, number])) - count(...(b.split(':').map(Number) as [number, number])),
  )
  .at(-1);
if (!mainKey) throw new Error(`${positionals[0]}: no CrRendererMain thread in the trace`);
const rendererPid = Number(mainKey.split(':')[0]);

const KINDS = [
  'script',
  'gc',
  'style',
  'layout',
  'prepaint',
  'paint',
  'commit',
  'main-other',
  'compositor',
  'raster',
  'display',
] as const;
type Kind = (typeof KINDS)[number];

function mainKind(name: string): Kind {
  if (/GC|Sweep|Mark|Scavenge/.test(name)) return 'gc';
  if (/^(FunctionCall|EvaluateScript|FireAnimationFrame|EventDispatch|RunMicrotasks|TimerFire|v8\.|V8\.)/.test(name))
    return 'script';
  if (name === 'UpdateLayoutTree' || name === 'RecalculateStyles' || name === 'ParseAuthorStyleSheet') return 'style';
  if (
    name === 'Layout' ||
    name === 'HitTest' ||
    name === 'ScrollLayer' ||
    name === 'IntersectionObserverController::computeIntersections'
  )
    return 'layout';
  if (name === 'PrePaint' || name === 'Layerize' || name === 'UpdateLayer' || name === 'UpdateLayerTree') return 'prepaint';
  if (name === 'Paint' || name === 'PaintImage' || name === 'PaintSetup') return 'paint';
  if (name === 'Commit') return 'commit';
  return 'main-other';
}
function kindOf(e: TraceEvent): Kind | null {
  const thread = threadName.get(`${e.pid}:${e.tid}`) ?? '';
  if (e.pid === rendererPid) {
    if (thread === 'CrRendererMain') return mainKind(e.name);
    if (thread === 'Compositor') return 'compositor';
    if (thread.startsWith('ThreadPool') || thread.startsWith('CompositorTileWorker'))
      return /GC|Sweep|Mark/.test(e.name) ? 'gc' : 'raster';
    return null;
  }
  if (processName.get(e.pid) === 'GPU Process' && (thread === 'VizCompositorThread' || thread === 'CrGpuMain')) return 'display';
  return null;
}

// Self thread time: an event's tdur less its children's on the same thread (events nest by time).
const selfUs = new Map<TraceEvent, number>();
const byThread = new Map<string, TraceEvent[]>();
for (const e of xs) {
  const k = `${e.pid}:${e.tid}`;
  if (!byThread.has(k)) byThread.set(k, []);
  byThread.get(k)!.push(e);
}
for (const list of byThread.values()) {
  list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const stack: TraceEvent[] = [];
  for (const e of list) {
    while (stack.length && e.ts >= stack.at(-1)!.ts + stack.at(-1)!.dur!) stack.pop();
    selfUs.set(e, e.tdur ?? e.dur!);
    const parent = stack.at(-1);
    if (parent) selfUs.set(parent, selfUs.get(parent)! - (e.tdur ?? e.dur!));
    stack.push(e);
  }
}

const frameStarts = xs
  .filter((e) => `${e.pid}:${e.tid}` === mainKey && e.name === 'FireAnimationFrame')
  .map((e) => e.ts)
  .sort((a, b) => a - b);
if (frameStarts.length < 3) throw new Error(`${positionals[0]}: fewer than 3 animation frames in the trace`);
const nFrames = frameStarts.length - 1;
const work = Array.from({ length: nFrames }, () => Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>);
const paints = new Array<number>(nFrames).fill(0);
const tiles = new Array<number>(nFrames).fill(0);
for (const e of xs) {
  const kind = kindOf(e);
  if (!kind || e.ts < frameStarts[0]! || e.ts >= frameStarts.at(-1)!) continue;
  // Binary search: the frame whose start is the last at or before the event.
  let lo = 0;
  let hi = nFrames - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frameStarts[mid]! <= e.ts) lo = mid;
    else hi = mid - 1;
  }
  work[lo]![kind] += Math.max(0, selfUs.get(e)!) / 1000;
  if (e.name === 'Paint' && e.pid === rendererPid) paints[lo]!++;
  if (e.name === 'RasterTask') tiles[lo]!++;
}
const intervals = frameStarts.slice(1).map((t, i) => (t - frameStarts[i]!) / 1000);
const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
const pct = (v: number[], p: number) => sorted(v)[Math.min(v.length - 1, Math.floor(p * v.length))] ?? NaN;
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
const interval = pct(intervals, 0.5);
const late = intervals.map((d) => d > interval * 1.5);
const total = work.map((w) => KINDS.reduce((a, k) => a + w[k], 0));
const mainTotal = work.map((w) => KINDS.slice(0, 8).reduce((a, k) => a + w[k as Kind], 0));

const rows = KINDS.map((k) => {
  const v = work.map((w) => w[k]);
  return {
    kind: k,
    meanMs: mean(v),
    p50Ms: pct(v, 0.5),
    p95Ms: pct(v, 0.95),
    lateMeanMs: mean(v.filter((_, i) => late[i])),
    onTimeMeanMs: mean(v.filter((_, i) => !late[i])),
  };
});
const summary = {
  frames: nFrames,
  late: late.filter(Boolean).length,
  intervalP50Ms: interval,
  cpuPerFrame: { meanMs: mean(total), p50Ms: pct(total, 0.5), p95Ms: pct(total, 0.95), maxMs: Math.max(...total) },
  mainPerFrame: {
    meanMs: mean(mainTotal),
    p50Ms: pct(mainTotal, 0.5),
    p95Ms: pct(mainTotal, 0.95),
    maxMs: Math.max(...mainTotal),
  },
  // A frame whose own work, on one thread, cannot fit in the interval: the lateness is the page's.
  framesOverBudgetOnMain: mainTotal.filter((v) => v > interval).length,
  paintsPerFrame: mean(paints),
  tilesPerFrame: mean(tiles),
  byKind: rows,
};
if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  const f = (v: number) => (Number.isNaN(v) ? '   -  ' : v.toFixed(2).padStart(6));
  const out = [
    `${summary.frames} frames (interval p50 ${interval.toFixed(1)} ms), ${summary.late} late (> 1.5 x p50)`,
    `CPU per frame (thread time, all threads): mean ${f(summary.cpuPerFrame.meanMs)} p50 ${f(summary.cpuPerFrame.p50Ms)} p95 ${f(summary.cpuPerFrame.p95Ms)} max ${f(summary.cpuPerFrame.maxMs)} ms`,
    `main thread per frame:                   mean ${f(summary.mainPerFrame.meanMs)} p50 ${f(summary.mainPerFrame.p50Ms)} p95 ${f(summary.mainPerFrame.p95Ms)} max ${f(summary.mainPerFrame.maxMs)} ms; ${summary.framesOverBudgetOnMain} frames over the interval on the main thread alone`,
    `paint events per frame ${summary.paintsPerFrame.toFixed(1)}, tiles rastered per frame ${summary.tilesPerFrame.toFixed(1)}`,
    `kind          mean    p50    p95   late  on-time  (ms of thread time per frame)`,
    ...rows.map((r) => `${r.kind.padEnd(11)} ${f(r.meanMs)} ${f(r.p50Ms)} ${f(r.p95Ms)} ${f(r.lateMeanMs)} ${f(r.onTimeMeanMs)}`),
    `costliest frames on the main thread (thread time by kind, ms):`,
    ...mainTotal
      .map((v, i) => ({ v, i }))
      .sort((a, b) => b.v - a.v)
      .slice(0, 5)
      .map(
        ({ v, i }) =>
          `  frame ${i}: ${v.toFixed(1)} (interval ${intervals[i]!.toFixed(1)}): ` +
          KINDS.filter((k) => work[i]![k] >= 0.5)
            .map((k) => `${k} ${work[i]![k].toFixed(1)}`)
            .join(', '),
      ),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}
