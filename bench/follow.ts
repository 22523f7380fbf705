// How soon does the open app show what another process wrote to the shared database? The app core
// (as `npm run serve` runs it, without the WebSocket) follows a database while a child process
// (bench/follow-writer.ts) creates runs at irregular intervals and then trains one at 100 steps a
// second through the run service's batching metric writer. Prints, in milliseconds from the writer's
// commit (or, for steps, from the step's logging) to the client's event: median, 95th percentile and
// worst, plus what one idle poll costs (a PRAGMA data_version, no read of the database).
//
// Target: about a second. The poll interval (250 ms) bounds new runs and status changes; steps add
// the metric writer's batching (50 rows or 1 s).
//
//   npx tsx bench/follow.ts [--json]

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAppCore } from '../src/main/app-core.ts';
import { createChangeWatcher } from '../src/main/store/change-log.ts';
import type { WorkbenchEvent } from '../src/shared/contract.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vae-bench-follow-'));
const databasePath = path.join(dir, 'workbench.db');
const core = createAppCore({ databasePath, shell: 'browser' });

const runArrived = new Map<number, number>();
const stepArrived = new Map<number, number>();
core.connect((event: WorkbenchEvent) => {
  const at = Date.now();
  if (event.type === 'runs-updated') for (const r of event.runs) if (!runArrived.has(r.id)) runArrived.set(r.id, at);
  if (event.type === 'training') for (const e of event.events) if (e.type === 'step') stepArrived.set(e.step, at);
});

const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'follow-writer.ts'), databasePath], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
await new Promise((r) => child.once('exit', r));
await new Promise((r) => setTimeout(r, 1500));
const written = JSON.parse(out) as { progressRun: number; created: [number, number][]; steps: [number, number][] };

function summary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { count: sorted.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
}
const missing = (n: number) => (n === 0 ? '' : ` (${n} never arrived)`);
const runLatencies = written.created.filter(([id]) => runArrived.has(id)).map(([id, t]) => runArrived.get(id)! - t);
const stepLatencies = written.steps.filter(([s]) => stepArrived.has(s)).map(([s, t]) => stepArrived.get(s)! - t);

const watcher = createChangeWatcher(core.store.db);
const POLLS = 20_000;
const start = process.hrtime.bigint();
for (let i = 0; i < POLLS; i++) watcher.poll();
const idlePollMicros = Number(process.hrtime.bigint() - start) / 1000 / POLLS;
await core.close();
fs.rmSync(dir, { recursive: true, force: true });

const result = { newRun: summary(runLatencies), step: summary(stepLatencies), idlePollMicros };
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result));
} else {
  const line = (name: string, s: ReturnType<typeof summary>, total: number) =>
    `${name.padEnd(28)} median ${s.median} ms, p95 ${s.p95} ms, worst ${s.max} ms, n=${s.count}${missing(total - s.count)}`;
  console.log(line('new run -> client', result.newRun, written.created.length));
  console.log(line('logged step -> client', result.step, written.steps.length));
  console.log(`idle poll (data_version)     ${idlePollMicros.toFixed(2)} µs`);
}
