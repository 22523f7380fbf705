// One run on N cores: training steps with 1 thread and with N, alternating in one run, as ratios.
// Usage: npx tsx bench/threads.ts [THREADS=2] [ROUNDS=3]
import { loadavg } from 'node:os';
import { findPreset } from '../src/shared/presets.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { timeTrainingSteps, type StepTiming } from '../src/main/runs/step-timer.ts';

const threads = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 3);

function config(presetId: string, batchSize: number): ExperimentConfig {
  const cfg = structuredClone(findPreset(presetId)!.config);
  cfg.optim.batchSize = batchSize;
  cfg.optim.epochs = 100;
  cfg.data.limit = 2000;
  cfg.data.labels = [];
  cfg.run.backend = 'wasm';
  return cfg;
}

/** CPU milliseconds a step of each busy thread: how the work splits, whatever else loads the machine. */
const perThread = (t: StepTiming) => t.threadUtilisation.map((u) => (u * t.msPerStep).toFixed(1)).join(', ');
const identical = (a: StepTiming, b: StepTiming) => a.losses.every((l, i) => l === b.losses[i]);

const cases = [
  { name: 'seed-conv b64', cfg: config('seed-notebook', 64), steps: 12 },
  { name: 'mlp b128', cfg: config('mlp-bernoulli', 128), steps: 40 },
];
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const c of cases) {
  const one: StepTiming[] = [];
  const many: StepTiming[] = [];
  for (let r = 0; r < rounds; r++) {
    one.push(await timeTrainingSteps(c.cfg, 1, { warmup: 3, steps: c.steps }));
    many.push(await timeTrainingSteps(c.cfg, threads, { warmup: 3, steps: c.steps }));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const ms1 = median(one.map((t) => t.msPerStep));
  const msN = median(many.map((t) => t.msPerStep));
  const cpu1 = median(one.map((t) => t.cpuMsPerStep));
  const cpuN = median(many.map((t) => t.cpuMsPerStep));
  console.log(
    `${c.name}: 1 thread ${ms1.toFixed(1)} ms/step (cpu ${cpu1.toFixed(1)}), ${threads} threads ${msN.toFixed(1)} ms/step (cpu ${cpuN.toFixed(1)}): speed-up ${(ms1 / msN).toFixed(2)}x; ` +
      `CPU ms per step of each busy thread: 1: [${perThread(one.at(-1)!)}] ${threads}: [${perThread(many.at(-1)!)}]`,
  );
  console.log(`  ${many.at(-1)!.note}; losses identical to 1 thread: ${identical(one[0]!, many[0]!)}`);
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
