// One backend's measurements for bench/throughput.ts; prints one JSON line.
// Usage: node --import tsx bench/throughput-child.ts BACKEND SECONDS

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/main/engine/backend.ts';
import { Trainer } from '../src/main/engine/trainer.ts';
import { loadDataset, prepareSplit } from '../src/main/data/index.ts';
import { runLoop } from '../src/main/runs/loop.ts';
import { CONTROL_RUN } from '../src/main/runs/protocol.ts';
import { openDatabase } from '../src/main/store/index.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import type { BackendChoice } from '../src/shared/config.ts';

export interface CaseResult {
  name: string;
  batchSize: number;
  steps: number;
  imagesPerSec: number;
  msPerStep: number;
}
export interface ChildResult {
  backend: string;
  available: boolean;
  note: string;
  cases: CaseResult[];
  logging: { microsPerRow: number; stepMs: number; percentOfStep: number } | null;
  tensors: number[] | null;
}

const [backendArg = 'cpu', secondsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 6);

function withBatch(presetId: string, batchSize: number): ExperimentConfig {
  const base = structuredClone(findPreset(presetId)!.config);
  base.optim.batchSize = batchSize;
  base.data.labels = [];
  return base;
}

async function measure(name: string, cfg: ExperimentConfig, budgetSeconds: number): Promise<CaseResult> {
  const data = prepareSplit(await loadDataset(cfg.data), cfg.data, cfg.run.seed);
  const trainer = new Trainer(cfg, data);
  try {
    for (let i = 0; i < 3; i++) trainer.trainStep(); // warm-up: kernel compilation, XNNPACK operator caches
    let steps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < budgetSeconds * 1000 && !trainer.done) {
      trainer.trainStep();
      steps++;
    }
    const ms = (performance.now() - t0) / steps;
    return { name, batchSize: cfg.optim.batchSize, steps, imagesPerSec: (1000 * cfg.optim.batchSize) / ms, msPerStep: ms };
  } finally {
    trainer.dispose();
  }
}

/** Cost of one step row through the MetricWriter, as the run service writes it. */
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
  const cfg = withBatch('quick', 64);
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

async function main(): Promise<ChildResult> {
  let note: string;
  try {
    const b = await initBackend(backendArg as BackendChoice);
    note = b.note;
  } catch (e) {
    return {
      backend: backendArg,
      available: false,
      note: (e as Error).message.split('\n')[0] ?? '',
      cases: [],
      logging: null,
      tensors: null,
    };
  }
  // The pure-JS cpu backend trains the conv model at a few images/s: give it fewer seconds there.
  const convBudget = backendArg === 'cpu' ? Math.min(seconds, 4) : seconds;
  const cases = [
    await measure('seed-conv b1', withBatch('seed-notebook', 1), convBudget),
    await measure('seed-conv b64', withBatch('seed-notebook', 64), convBudget),
    await measure('mlp b128', withBatch('mlp-bernoulli', 128), seconds),
  ];
  const micros = loggingCost();
  const fastest = Math.min(...cases.map((c) => c.msPerStep));
  return {
    backend: backendArg,
    available: true,
    note,
    cases,
    logging: { microsPerRow: micros, stepMs: fastest, percentOfStep: (micros / 1000 / fastest) * 100 },
    tensors: await tensorCounts(),
  };
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
