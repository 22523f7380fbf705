// Our side of `npm run bench`: one backend at one thread count, spoken to in JSON lines (see
// line-child.ts), so bench/throughput.ts can alternate its measurements with PyTorch's.
// Usage: node --import tsx bench/throughput-child.ts BACKEND THREADS [THREADING=data]
// Requests: {op: 'measure', name, seconds} | {op: 'matmul', size, seconds} | {op: 'logging'} | {op: 'tensors'}.
// The first line it writes (unasked) says whether the backend loaded: {ok, note, threads, threadsNote}.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../src/main/engine/backend.ts';
import { planThreads } from '../src/main/engine/data-parallel/plan.ts';
import { Trainer, TrainingDiverged } from '../src/main/engine/trainer.ts';
import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { syntheticDataset } from '../src/main/data/synthetic.ts';
import { runLoop } from '../src/main/runs/loop.ts';
import { CONTROL_RUN } from '../src/main/runs/protocol.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { BackendChoice, ExperimentConfig, ThreadingKind } from '../src/shared/config.ts';
import { findCase, withThreads, type BenchCase } from './cases.ts';

export interface CaseResult {
  name: string;
  batchSize: number;
  steps: number;
  seconds: number;
  imagesPerSec: number;
  msPerStep: number;
  /** Process CPU time over wall time: the cores the step really kept busy. */
  coresBusy: number;
  params: number;
}

const [backendArg = 'cpu', threadsArg = '1', threadingArg = 'data'] = process.argv.slice(2);
const threading = threadingArg as ThreadingKind;
/** The backend that loaded (set at start-up). */
let backendName: BackendName = 'cpu';

const trainers = new Map<string, Trainer>();

async function trainerFor(c: BenchCase): Promise<Trainer> {
  const existing = trainers.get(c.name);
  if (existing && !existing.done) return existing;
  existing?.dispose();
  await existing?.endDataParallel();
  const chosen = withThreads(c.config, Number(threadsArg)).config;
  const config = { ...chosen, run: { ...chosen.run, threading } };
  const source = c.synthetic ? { ...syntheticDataset(config.data, 256), test: null } : await loadDataset(config.data);
  const trainer = new Trainer(config, prepareSplit(source, config.data, config.run.seed));
  // As a run plans its threads: data-parallel shares of each batch, where the batch is large enough.
  const plan = planThreads(config, Number(threadsArg));
  if (plan.mode === 'data') await trainer.startDataParallel(backendName, plan.shares);
  for (let i = 0; i < 3; i++) trainer.trainStep(); // warm-up: kernel compilation, XNNPACK operator caches
  trainers.set(c.name, trainer);
  return trainer;
}

async function measure(name: string, seconds: number): Promise<CaseResult> {
  const c = findCase(name);
  let trainer = await trainerFor(c);
  let steps = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // The pure-JS cpu backend takes minutes for a few conv steps at batch 64: its time budget rules there.
  const minSteps = backendArg === 'cpu' ? 1 : c.minSteps;
  while (steps < minSteps || performance.now() - t0 < seconds * 1000) {
    try {
      trainer.trainStep();
    } catch (e) {
      // The notebook's learning rate (0.1) can diverge on a long run: start afresh, untimed steps aside.
      if (!(e instanceof TrainingDiverged)) throw e;
      trainer.dispose();
      await trainer.endDataParallel();
      trainers.delete(c.name);
      trainer = await trainerFor(c);
    }
    steps++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const batchSize = c.config.optim.batchSize;
  return {
    name,
    batchSize,
    steps,
    seconds: ms / 1000,
    imagesPerSec: (1000 * batchSize * steps) / ms,
    msPerStep: ms / steps,
    coresBusy: (cpu.user + cpu.system) / 1000 / ms,
    params: trainer.encoder.countParams() + trainer.decoder.countParams(),
  };
}

/** GFLOP/s of an n x n matrix product (2 n^3 FLOPs) through whatever BatchMatMul is registered. */
function matmul(size: number, seconds: number): { gflops: number; coresBusy: number } {
  const a = tf.randomUniform([size, size], 0, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], 0, 1, 'float32', 2);
  // Not inside tf.tidy: tidy walks a returned typed array element by element, 30x the product's cost.
  const once = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  once();
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (n < 3 || performance.now() - t0 < seconds * 1000) {
    once();
    n++;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  tf.dispose([a, b]);
  return { gflops: (2 * size ** 3 * n) / ms / 1e6, coresBusy: (cpu.user + cpu.system) / 1000 / ms };
}

/** Cost of one step row through the MetricWriter, as the run service writes it (µs). */
function loggingCost(): number {
  const dir = mkdtempSync(join(tmpdir(), 'vae-bench-'));
  const store = openDatabase(join(dir, 'bench.db'));
  try {
    const run = store.runs.create({ config: findPreset('quick')!.config, status: 'running', ownerPid: process.pid });
    const writer = store.metrics.writer(run.id);
    const rows = 20_000;
    const t0 = performance.now();
    for (let step = 1; step <= rows; step++) {
      writer.append({ step, epoch: 1, loss: { recon: 100 + step, kl: 10, total: 110 + step }, imagesPerSec: 1000, wallMs: step });
    }
    writer.close();
    return ((performance.now() - t0) * 1000) / rows;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tensorCounts(): Promise<number[]> {
  const cfg: ExperimentConfig = structuredClone(findPreset('quick')!.config);
  cfg.data.limit = 600;
  cfg.optim.epochs = 3;
  cfg.run.previewEvery = 3;
  cfg.run.checkpointEvery = 4;
  const trainer = new Trainer(cfg, prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed));
  const counts: number[] = [];
  await runLoop(1, trainer, {
    emit: (e) => {
      if (e.type === 'epoch') counts.push(tf.memory().numTensors);
    },
    checkpoint: () => {},
    control: () => CONTROL_RUN,
    waitWhilePaused: () => {},
  });
  trainer.dispose();
  return counts;
}

async function handle(req: Record<string, unknown>): Promise<object> {
  switch (req.op) {
    case 'measure':
      return measure(String(req.name), Number(req.seconds));
    case 'matmul':
      return matmul(Number(req.size), Number(req.seconds));
    case 'logging':
      return { microsPerRow: loggingCost() };
    case 'tensors':
      return { counts: await tensorCounts() };
    default:
      throw new Error(`unknown op ${JSON.stringify(req.op)}`);
  }
}

const reply = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
try {
  // The thread count is fixed by the backend's first initialisation (run.threads does the same in a run).
  const requested = withThreads(findCase('mlp b128').config, Number(threadsArg));
  // Split the batch: the threads are the gradient workers', each backend on one (a case whose batch
  // is too small to share, batch 1, then trains on this one thread). Split each product: XNNPACK's pool.
  const b = await initBackend(backendArg as BackendChoice, threading === 'data' ? 1 : requested.threads);
  backendName = b.name;
  const threads = threading === 'data' ? requested.threads : Math.min(requested.threads, b.threads);
  const threadsNote = requested.note || (threads < Number(threadsArg) ? `threads: ${threads} (${b.note})` : '');
  reply({ ok: true, note: b.note, threads, threadsNote });
} catch (e) {
  reply({ ok: false, error: (e as Error).message.split('\n')[0] ?? '' });
  process.exit(0);
}
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  try {
    reply({ ok: true, ...(await handle(JSON.parse(line) as Record<string, unknown>)) });
  } catch (e) {
    reply({ ok: false, error: (e as Error).message.split('\n')[0] ?? '' });
  }
}
// The threaded build's compute workers would keep the process alive after its input ends.
process.exit(0);
