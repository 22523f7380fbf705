// `npm run bench:queue [-- --trials N] [--workers 1,2,3]`: sweeps on a queue, measured on this
// machine. Starts `npm run queue` (embedded PostgreSQL) in a temporary folder, then for each worker
// count runs an N-trial sweep (a small MLP on a 1,000-image IDX file, 2 epochs) with that many
// `npm run worker` processes, and the same sweep trained locally (`--parallel` that many), and prints
// trials per hour of each, from the sweep's start to its summary, and their ratio: measured in the
// same run, the ratio says what the queue costs even on a machine busy with other work. Then
// the coordinator's cost of taking in one step: reading a trial's rows from PostgreSQL
// (snapshot.ts) and writing them to SQLite (ingest.ts), per step. Prints numbers; asserts nothing.
// Each worker trains one trial at a time on one core, so on a 2-core machine a third worker mostly
// waits for a core: read the scaling (each count's throughput over the first count's) with that in
// mind, and the load average printed beside each row.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ingest, rewindToCheckpoint } from '../src/main/queue/ingest.ts';
import { readSnapshot } from '../src/main/queue/snapshot.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { idxImagesFile } from '../test/fixtures/idx-files.ts';

const { values } = parseArgs({
  options: { trials: { type: 'string', default: '6' }, workers: { type: 'string', default: '1,2,3' } },
});
const trials = Number(values.trials);
const counts = values.workers.split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'vae-bench-queue-'));
// As root, PostgreSQL runs as the postgres user, which must pass through the folder.
chmodSync(dir, 0o711);
const images = join(dir, 'images.idx');
writeFileSync(
  images,
  idxImagesFile(1000, 28, 28, (i, p) => (i * 7 + p * 13) % 256),
);
const children: ChildProcess[] = [];
/** Set once workers are told to stop (or everything is torn down): their exit is expected then. */
let stopping = false;

function cli(script: string, args: string[]): { child: ChildProcess; text: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/main/cli/${script}.ts`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, text: () => text, exited: new Promise((r) => child.once('exit', r)) };
}

const queue = cli('queue', ['--data', join(dir, 'queue'), '--port', '55433']);
let url = '';
while (!(url = /^(postgres:\/\/\S+)$/m.exec(queue.text())?.[1] ?? '')) {
  if (queue.child.exitCode !== null) throw new Error(queue.text());
  await new Promise((r) => setTimeout(r, 100));
}

const common = [
  ...['--set', 'data.source=idx', '--set', `data.path=${images}`, '--set', 'optim.epochs=2', '--set', 'optim.batchSize=20'],
  ...['--set', 'run.evalSamples=0', '--set', 'model.encoderHidden=32', '--set', 'model.decoderHidden=32'],
  ...['--seeds', String(trials)],
];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Runs one sweep to its end and returns its wall time in seconds. */
async function timedSweep(args: string[]): Promise<number> {
  const t0 = performance.now();
  const sweep = cli('sweep', [...args, ...common]);
  const code = await sweep.exited;
  if (code !== 0) throw new Error(sweep.text());
  return (performance.now() - t0) / 1000;
}

try {
  console.log(`load average at the start: ${load()}`);
  let first = 0;
  for (const n of counts) {
    const workers = Array.from({ length: n }, (_, i) => cli('worker', ['--queue', url, '--name', `b${i + 1}`]));
    // A worker that dies early would leave the sweep waiting for ever, and the figure meaningless.
    for (const w of workers)
      void w.exited.then((code) => {
        if (!stopping && code !== 0) {
          console.error(`a worker exited (${code ?? w.child.signalCode}) before the sweep ended:\n${w.text()}`);
          process.exit(1);
        }
      });
    // Workers are long-lived in use: the sweep starts once they listen (and the first to connect has
    // made the queue's tables, which two processes making them at once could trip over).
    while (!workers.every((w) => w.text().includes('taking trials'))) await new Promise((r) => setTimeout(r, 100));
    const queued = await timedSweep(['--db', join(dir, `store-${n}.db`), '--queue', url]);
    stopping = true;
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    stopping = false;
    const local = await timedSweep(['--db', join(dir, `local-${n}.db`), '--parallel', String(n)]);
    const perHour = (s: number) => (trials * 3600) / s;
    const rate = (s: number) => `${perHour(s).toFixed(0)} trials/h (${s.toFixed(1)} s)`;
    first ||= perHour(queued) / counts[0]!;
    console.log(`${n} worker${n === 1 ? ' ' : 's'} on the queue: ${rate(queued)}; locally, ${n} at a time: ${rate(local)}`);
    console.log(
      `  queue / local throughput: ${(local / queued).toFixed(2)}; queue throughput per worker vs ${counts[0]}: ${(perHour(queued) / n / first).toFixed(2)}  (load average now ${load()})`,
    );
  }

  // Ingestion: every trial of the last sweep read again from step 0 and written to a fresh store.
  const source = openDatabase(join(dir, `store-${counts.at(-1)}.db`));
  const target = openDatabase(join(dir, 'ingest.db'));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const key = (await pool.query<{ trial_id: string; run_id: number }>('SELECT trial_id, run_id FROM vae_queue.trials')).rows;
  const byRun = new Map(key.map((r) => [r.run_id, r.trial_id]));
  let steps = 0;
  let readMs = 0;
  let writeMs = 0;
  const cpu0 = process.cpuUsage();
  for (const run of source.runs.list().filter((r) => byRun.has(r.id))) {
    const copy = target.runs.create({ config: run.config, status: 'queued', ownerPid: process.pid });
    let cursor = rewindToCheckpoint(target, copy.id, -1, false);
    for (;;) {
      const r0 = performance.now();
      const snap = (await readSnapshot(pool, byRun.get(run.id)!, cursor))!;
      const r1 = performance.now();
      const result = ingest(target, copy.id, process.pid, cursor, snap);
      writeMs += performance.now() - r1;
      readMs += r1 - r0;
      cursor = result.cursor;
      if (result.kind !== 'rewound') {
        steps += snap.steps.length;
        break;
      }
    }
  }
  await pool.end();
  source.close();
  target.close();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `ingestion: ${steps} metric rows (with their epochs, images and checkpoints): ${((readMs * 1000) / steps).toFixed(0)} µs/row to read from PostgreSQL, ${((writeMs * 1000) / steps).toFixed(0)} µs/row to write to SQLite; coordinator CPU ${((cpu.user + cpu.system) / steps).toFixed(0)} µs/row`,
  );
  console.log(`load average at the end: ${load()}`);
} finally {
  stopping = true;
  for (const c of children.slice(1)) c.kill('SIGKILL');
  queue.child.kill('SIGTERM');
  await queue.exited;
  rmSync(dir, { recursive: true, force: true });
}
