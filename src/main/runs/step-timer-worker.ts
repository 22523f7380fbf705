// Times training steps of one config on a fresh tfjs instance with a given thread count (the wasm
// backend's threads are fixed at its first initialisation in a thread, so every count needs a
// thread of its own). For bench/ and the determinism tests; see timeTrainingSteps.
import { readFileSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { startBackend, startWorkers } from '../engine/data-parallel/index.ts';
import { Trainer } from '../engine/trainer.ts';
import { endWasmThreads } from '../engine/wasm-threads.ts';
import { loadDataset, prepareSplit } from '../data/index.ts';
import { syntheticDataset } from '../data/synthetic.ts';
import { answerWorkerJob, type Handlers } from '../worker-threads.ts';
import type { StepTimerProtocol, StepTiming } from './step-timer.ts';

/** CPU milliseconds each OS thread of this process has used (Linux; empty elsewhere). */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    // utime + stime are fields 14 and 15 of /proc/<pid>/task/<tid>/stat, in clock ticks (100 a second on Linux).
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    }
  } catch {
    // Not Linux: per-thread figures are left out.
  }
  return out;
}

const handlers: Handlers<StepTimerProtocol> = {
  async time(job): Promise<StepTiming> {
    const { backend, ...compute } = await startBackend(job.config, job.threads);
    const cfg = job.config;
    const data = job.synthetic ? { ...syntheticDataset(cfg.data, job.synthetic), test: null } : await loadDataset(cfg.data);
    const trainer = new Trainer(cfg, prepareSplit(data, cfg.data, cfg.run.seed));
    try {
      await startWorkers(trainer, { backend, ...compute });
      const losses: number[] = [];
      for (let i = 0; i < job.warmup; i++) losses.push(trainer.trainStep().total);
      const tensorsBefore = tf.memory().numTensors;
      const workerTensorsBefore = trainer.gradientWorkerTensors();
      const ticks0 = threadCpuMs();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let steps = 0;
      while (steps < job.steps && !trainer.done) {
        losses.push(trainer.trainStep().total);
        steps++;
      }
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const ticks1 = threadCpuMs();
      const cpuMs = (cpu.user + cpu.system) / 1000;
      // Threads that did at least 5% of the process's work: the ones computing, not idle helpers.
      const busy = [...ticks1]
        .map(([tid, ms]) => ms - (ticks0.get(tid) ?? 0))
        .filter((ms) => ms >= cpuMs / 20)
        .sort((a, b) => b - a)
        .map((ms) => ms / wallMs);
      return {
        note: backend.note,
        steps,
        msPerStep: wallMs / steps,
        cpuMsPerStep: cpuMs / steps,
        imagesPerSec: (1000 * cfg.optim.batchSize * steps) / wallMs,
        threadUtilisation: busy,
        losses,
        tensorGrowth: tf.memory().numTensors - tensorsBefore,
        workerTensorGrowth: trainer.gradientWorkerTensors() - workerTensorsBefore,
        gradientWorkers: trainer.gradientWorkers,
      };
    } finally {
      trainer.dispose();
      await Promise.all([trainer.endDataParallel(), endWasmThreads()]);
    }
  },
};

void answerWorkerJob(handlers);
