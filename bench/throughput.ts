// `npm run bench [-- --json] [-- --seconds N] [-- --rounds R] [-- --backend NAME] [-- --python PATH] [-- --case NAME] [-- --threading data|kernels]`:
// training throughput of the bench's models (bench/cases.ts) at 1 thread and at all cores, on every
// backend that loads here; on wasm, the same models in PyTorch (bench/torch_vae.py, when Debian's
// python3-torch imports), measured alternately in this one run (ours, torch, ours, torch, ...) and
// reported as ratios against the targets, with GFLOP/s against a matrix-product peak. Also
// the cost of logging to the store and the tensor count across epochs. Each backend and thread
// count runs in its own child process (one tfjs instance each). It prints numbers and asserts
// nothing, so it is not part of `npm test`.

import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parameterCount } from '../src/shared/model-size.ts';
import { BENCH_CASES, type BenchCase } from './cases.ts';
import { trainingFlopsPerImage } from './flops.ts';
import { LineChild } from './line-child.ts';
import { DEFAULT_PYTHON, blasNote, parseBuild, parseMatmul, parseMeasure, startTorch, torchSpec } from './torch-compare.ts';
import {
  addTo,
  formatTable,
  matmulLine,
  table,
  verdicts,
  type CaseRows,
  type Matmul,
  type MatmulRate,
  tableNotes,
} from './throughput-report.ts';
import type { CaseResult } from './throughput-child.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '2' },
    backend: { type: 'string', multiple: true },
    python: { type: 'string', default: DEFAULT_PYTHON },
    case: { type: 'string', multiple: true },
    // How our runs use their threads (run.threading): 'data' is the default a run takes.
    threading: { type: 'string', default: 'data' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const backends = values.backend ?? ['tensorflow', 'wasm', 'cpu'];
const cases = BENCH_CASES.filter((c) => !values.case || values.case.includes(c.name));
const cores = availableParallelism();
const threadCounts = [...new Set([1, cores])];
const childScript = fileURLToPath(new URL('./throughput-child.ts', import.meta.url));
const say = (s: string) => {
  if (!values.json) process.stderr.write(`${s}\n`);
};
const out: string[] = [];
say(
  `Ours at ${cores} threads: ${values.threading === 'data' ? 'each batch split among the threads (run.threading data, the default; batch 1 trains on one thread)' : "XNNPACK's pool splits each product (run.threading kernels)"}.`,
);
const json: Record<string, unknown> = { date: new Date().toISOString(), cores, loadAverageAtStart: loadavg() };

interface Ours {
  child: LineChild;
  note: string;
  threads: number;
  threadsNote: string;
}

async function startOurs(backend: string, threads: number): Promise<Ours | string> {
  const child = new LineChild(process.execPath, ['--import', 'tsx', childScript, backend, String(threads), values.threading]);
  const line = await child.nextLine();
  const r =
    line === null
      ? null
      : (JSON.parse(line) as { ok: boolean; note?: string; error?: string; threads?: number; threadsNote?: string });
  if (!r?.ok) {
    child.close();
    return r?.error ?? child.whyEnded();
  }
  return { child, note: r.note ?? '', threads: r.threads ?? 1, threadsNote: r.threadsNote ?? '' };
}

async function ask<T>(o: Ours, req: object): Promise<T> {
  const { ok, error, ...rest } = JSON.parse(await o.child.request(req)) as { ok: boolean; error?: string };
  if (!ok) throw new Error(`${JSON.stringify(req)}: ${error}`);
  return rest as T;
}

/** Children per thread count; a count this build cannot train at maps to a note instead. */
async function startAll(backend: string): Promise<Map<number, Ours | string> | string> {
  const byThreads = new Map<number, Ours | string>();
  for (const t of threadCounts) {
    if (backend === 'cpu' && t > 1) {
      byThreads.set(t, 'threads: 1 (the cpu backend is single-threaded JavaScript)');
      continue;
    }
    const o = await startOurs(backend, t);
    if (typeof o === 'string') return o;
    if (o.threads < t) {
      o.child.close();
      byThreads.set(t, o.threadsNote);
    } else byThreads.set(t, o);
  }
  return byThreads;
}

function emptyRows(c: BenchCase): CaseRows {
  return {
    name: c.name,
    flopsPerImage: trainingFlopsPerImage(c.config),
    params: { ours: parameterCount(c.config), torch: null },
    byThreads: new Map(threadCounts.map((t) => [t, { ours: null, oursNote: '', torch: null }])),
  };
}

async function benchBackend(backend: string, torch: Awaited<ReturnType<typeof startTorch>> | null): Promise<void> {
  say(`measuring ${backend}…`);
  const children = await startAll(backend);
  if (typeof children === 'string') {
    out.push(`\n${backend}: unavailable: ${children}`);
    (json.backends as object[]).push({ backend, available: false, note: children });
    return;
  }
  const live = [...children.values()].filter((o): o is Ours => typeof o !== 'string');
  // The pure-JS cpu backend trains conv-64 at a step a minute: leave that model to the others.
  const ours = backend === 'cpu' ? cases.filter((c) => !c.name.startsWith('conv-64')) : cases;
  const rows = ours.map(emptyRows);
  for (const [t, o] of children) if (typeof o === 'string') for (const r of rows) r.byThreads.get(t)!.oursNote = o;
  const withTorch = torch?.available ? torch : null;
  const mm: Matmul = { size: 1024, torch: new Map(), ours: new Map() };
  if (backend === 'wasm') {
    for (const o of live) mm.ours.set(o.threads, await ask<MatmulRate>(o, { op: 'matmul', size: 1024, seconds: 2 }));
    if (withTorch)
      for (const t of threadCounts)
        mm.torch.set(t, parseMatmul(await withTorch.child.request({ op: 'matmul', threads: t, size: 1024, seconds: 2 })));
  }
  if (withTorch && backend === 'wasm')
    for (const r of rows) {
      const c = cases.find((x) => x.name === r.name)!;
      say(`  torch: building ${r.name}`);
      r.params.torch = parseBuild(await withTorch.child.request({ op: 'build', name: r.name, spec: torchSpec(c.config) }));
    }
  // Rounds exist to alternate with torch; the other backends are measured once.
  const backendRounds = backend === 'wasm' ? rounds : 1;
  for (let round = 1; round <= backendRounds; round++) {
    for (const r of rows) {
      for (const t of threadCounts) {
        const slot = r.byThreads.get(t)!;
        const o = children.get(t);
        if (o && typeof o !== 'string') {
          say(`  round ${round}: ${backend} ${r.name} at ${t} thread(s)`);
          const m = await ask<CaseResult>(o, { op: 'measure', name: r.name, seconds });
          if (m.params !== r.params.ours)
            throw new Error(`${r.name}: built ${m.params} parameters, model-size.ts says ${r.params.ours}`);
          slot.ours = addTo(slot.ours, m.steps * m.batchSize, m.seconds, m.steps, m.coresBusy);
        }
        if (withTorch && backend === 'wasm' && r.params.torch === r.params.ours) {
          say(`  round ${round}: torch ${r.name} at ${t} thread(s)`);
          const m = parseMeasure(
            await withTorch.child.request({ op: 'measure', name: r.name, threads: t, seconds, minSteps: 2 }),
          );
          const batch = cases.find((x) => x.name === r.name)!.config.optim.batchSize;
          slot.torch = addTo(slot.torch, m.steps * batch, m.seconds, m.steps, m.coresBusy);
        }
      }
    }
  }
  const first = live[0]!;
  out.push(`\n== ${backend}: ${first.note}`);
  out.push(formatTable(table(rows)), ...tableNotes(rows));
  if (backend === 'wasm') {
    out.push(`\n${matmulLine(mm, cores)}`);
    if (withTorch) out.push('', ...verdicts(rows, mm, cores));
  }
  const logging = await ask<{ microsPerRow: number }>(first, { op: 'logging' });
  const tensors = await ask<{ counts: number[] }>(first, { op: 'tensors' });
  const flat = tensors.counts.every((n) => n === tensors.counts[0]);
  out.push(
    `\nlogging one step row to SQLite (batched): ${logging.microsPerRow.toFixed(1)} µs a row (target < 2% of a step)`,
    `tf.memory().numTensors after epochs 1, 2, 3: ${tensors.counts.join(', ')} (${flat ? 'flat' : 'GROWING'})`,
    `load average now ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (${cores} cores)`,
  );
  (json.backends as object[]).push({
    backend,
    available: true,
    note: first.note,
    cases: rows.map((r) => ({ ...r, byThreads: Object.fromEntries(r.byThreads) })),
    matmul: { size: mm.size, torch: Object.fromEntries(mm.torch), ours: Object.fromEntries(mm.ours) },
    loggingMicrosPerRow: logging.microsPerRow,
    tensors: tensors.counts,
  });
  for (const o of live) o.child.close();
}

json.backends = [];
const torch = backends.includes('wasm') ? await startTorch(values.python) : null;
if (torch) {
  const note = torch.available
    ? `PyTorch ${torch.hello.torch} (${values.python}), OPENBLAS_NUM_THREADS=1, BLAS: ${blasNote(torch.hello)}`
    : torch.note;
  out.push(note);
  json.torch = torch.available ? { ...torch.hello, note } : { available: false, note };
}
for (const backend of backends) {
  await benchBackend(backend, torch);
  // Each backend's part as soon as it is done: a long run interrupted later keeps what it measured.
  if (!values.json) process.stdout.write(`${out.splice(0).join('\n')}\n`);
}
if (torch?.available) torch.child.close();
const load = loadavg();
out.push(
  `\nload average at start ${(json.loadAverageAtStart as number[]).map((x) => x.toFixed(2)).join(' ')}, at end ${load.map((x) => x.toFixed(2)).join(' ')}; ${cores} cores; ${json.date as string}`,
);
json.loadAverageAtEnd = load;
process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : `${out.join('\n')}\n`);
