// One run on N cores: training steps on 1 thread, on N threads splitting the kernels (XNNPACK's
// pool) and on N threads splitting the batch (data-parallel), alternating in one run, as ratios.
// Usage: npx tsx bench/threads.ts [THREADS=2] [ROUNDS=3]
import { loadavg } from 'node:os';
import { findPreset, CONV64_CONFIG } from '../src/shared/presets.ts';
import type { ExperimentConfig, ThreadingKind } from '../src/shared/config.ts';
import { timeTrainingSteps, type StepTiming } from '../src/main/runs/step-timer.ts';

const threads = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 3);

function config(base: ExperimentConfig, batchSize: number): ExperimentConfig {
  const cfg = structuredClone(base);
  cfg.optim.batchSize = batchSize;
  cfg.optim.epochs = 100;
  cfg.data.limit = 2000;
  cfg.data.labels = [];
  cfg.run.backend = 'wasm';
  return cfg;
}
const preset = (id: string) => findPreset(id)!.config;
const withThreading = (cfg: ExperimentConfig, threading: ThreadingKind) => ({ ...cfg, run: { ...cfg.run, threading } });

/** CPU milliseconds a step of each busy thread: how the work splits, whatever else loads the machine. */
const perThread = (t: StepTiming) => t.threadUtilisation.map((u) => (u * t.msPerStep).toFixed(1)).join(', ');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cases = [
  { name: 'seed-conv b64', cfg: config(preset('seed-notebook'), 64), steps: 12 },
  { name: 'mlp b128', cfg: config(preset('mlp-bernoulli'), 128), steps: 40 },
  { name: 'conv-64 b64', cfg: config(CONV64_CONFIG, 64), steps: 3, synthetic: 256 },
];
const modes = [
  { name: '1 thread', threads: 1, threading: 'kernels' as const },
  { name: `${threads} kernels`, threads, threading: 'kernels' as const },
  { name: `${threads} data`, threads, threading: 'data' as const },
];
console.log(`load average at start: ${load()}`);
for (const c of cases) {
  const timings = modes.map((): StepTiming[] => []);
  for (let r = 0; r < rounds; r++)
    for (const [i, m] of modes.entries())
      timings[i]!.push(
        await timeTrainingSteps(withThreading(c.cfg, m.threading), m.threads, {
          warmup: 2,
          steps: c.steps,
          synthetic: c.synthetic,
        }),
      );
  const ms = timings.map((ts) => median(ts.map((t) => t.msPerStep)));
  const batch = c.cfg.optim.batchSize;
  console.log(
    `${c.name} (load ${load()}): ` +
      modes.map((m, i) => `${m.name} ${((1000 * batch) / ms[i]!).toFixed(0)} images/s`).join(', ') +
      `; vs 1 thread: kernels ${(ms[0]! / ms[1]!).toFixed(2)}x, data ${(ms[0]! / ms[2]!).toFixed(2)}x; data vs kernels ${(ms[1]! / ms[2]!).toFixed(2)}x`,
  );
  // A step can end no sooner than its busiest thread's CPU time allows: the speed-up an idle machine
  // would give at most, measured in CPU time and so whatever else loads this one.
  const busiest = timings.map((ts) => median(ts.map((t) => (t.threadUtilisation[0] ?? 0) * t.msPerStep)));
  console.log(
    `  busiest thread's CPU ms/step: ${modes.map((m, i) => `${m.name} ${busiest[i]!.toFixed(1)}`).join(', ')}; ` +
      `idle bound vs 1 thread: kernels ${(busiest[0]! / busiest[1]!).toFixed(2)}x, data ${(busiest[0]! / busiest[2]!).toFixed(2)}x`,
  );
  for (const [i, m] of modes.entries()) {
    const last = timings[i]!.at(-1)!;
    console.log(
      `  ${m.name}: ${last.note}; CPU ms/step of each busy thread [${perThread(last)}]; cpu ${median(timings[i]!.map((t) => t.cpuMsPerStep)).toFixed(0)} ms/step`,
    );
  }
  const first = timings.map((ts) => ts[0]!.losses[0]!);
  console.log(`  first loss: ${first.map((l) => l.toPrecision(9)).join(' / ')}`);
}
console.log(`load average at end: ${load()}`);
