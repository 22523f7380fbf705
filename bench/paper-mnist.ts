// `npm run bench:paper [-- --epochs N] [--eval-images N] [--eval-k N] [--limit N] [--json]`: trains the
// `paper-mnist` preset through the run service (the code path of the app and `npm run train`), into a
// throwaway database, and prints what it reaches and what it costs: test negative ELBO, NLL_k,
// bits/dim, active units, and the wall and process CPU time of training and of the end-of-run
// evaluation. CPU seconds are the figure to quote on a shared machine: training and evaluation run
// single-threaded in one worker, so CPU time is what they cost, wall time what they waited.
// The flags shorten it to check the script; without them it is the preset as shipped. Asserts nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/main/store/database.ts';
import { RunService } from '../src/main/runs/service.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import type { TrainingEvent } from '../src/shared/training.ts';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string' },
    'eval-images': { type: 'string' },
    'eval-k': { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
});

function intFlag(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number ≥ 0, got "${text}"`);
  return n;
}

const preset = findPreset('paper-mnist')!.config;
const config: ExperimentConfig = {
  ...preset,
  data: { ...preset.data, limit: intFlag('limit', values.limit, preset.data.limit) },
  optim: { ...preset.optim, epochs: intFlag('epochs', values.epochs, preset.optim.epochs) },
  run: {
    ...preset.run,
    name: 'bench:paper',
    evalImages: intFlag('eval-images', values['eval-images'], preset.run.evalImages),
    evalSamples: intFlag('eval-k', values['eval-k'], preset.run.evalSamples),
  },
};

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
interface Mark {
  wall: number;
  cpu: number;
}
const mark = (): Mark => ({ wall: performance.now() / 1000, cpu: cpuSeconds() });
const since = (a: Mark, b: Mark) => ({ wallSeconds: b.wall - a.wall, cpuSeconds: b.cpu - a.cpu });

const dir = mkdtempSync(join(tmpdir(), 'vae-bench-paper-'));
const store = openDatabase(join(dir, 'runs.db'));
const service = new RunService(store, { maxConcurrent: 1 });
let trainStart: Mark | null = null;
let evalStart: Mark | null = null;
let nextProgress = 1;
const log = (text: string) => {
  if (!values.json) process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}\n`);
};
service.subscribe((e: TrainingEvent) => {
  if (e.type === 'started') {
    trainStart = mark();
    log(`${e.trainSize} training, ${e.heldOutSize} ${e.evaluation ?? 'held-out'} images, ${e.totalSteps} steps on ${e.backend}`);
  } else if (e.type === 'epoch') {
    const m = e.metric;
    log(
      `epoch ${m.epoch}: train -ELBO ${m.train.total.toFixed(2)}, test -ELBO ${m.heldOut?.total.toFixed(2) ?? '-'}, ${Math.round(m.imagesPerSec)} img/s, CPU ${cpuSeconds().toFixed(0)} s`,
    );
  } else if (e.type === 'evaluation' && e.state === 'running' && e.done === 0) {
    evalStart = mark();
    log(`evaluating NLL_${e.k} on ${e.total} images`);
  } else if (e.type === 'evaluation' && e.state === 'running' && e.done >= nextProgress) {
    nextProgress = e.done + e.total / 10;
    log(`  ${e.done}/${e.total} images, CPU ${cpuSeconds().toFixed(0)} s`);
  }
});

try {
  const started = mark();
  const run = await service.waitFor((await service.start(config)).id);
  const ended = mark();
  if (run.status !== 'completed') throw new Error(`run ended ${run.status}: ${run.statusMessage}`);
  const training = since(trainStart ?? started, evalStart ?? ended);
  const evaluation = evalStart ? since(evalStart, ended) : null;
  const ev = run.evaluation;
  const result = {
    backend: run.backend,
    epochs: config.optim.epochs,
    steps: run.step,
    trainNegElbo: run.finalTrain?.total ?? null,
    testNegElbo: run.finalHeldOut?.total ?? null,
    evaluation: ev && {
      k: ev.k,
      images: ev.images,
      split: ev.split,
      binarization: ev.binarization,
      nll: ev.nll,
      nllStdErr: ev.nllStdErr,
      bitsPerDim: ev.bitsPerDim,
      negElboK: ev.negElbo,
      activeUnits: ev.activeUnits,
      latentDim: ev.latentDim,
      mutualInfo: ev.mutualInfo,
    },
    training,
    evaluationTime: evaluation,
    total: since(started, ended),
    cpus: (await import('node:os')).cpus().length,
    loadAverage: (await import('node:os')).loadavg(),
  };
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    const t = (x: { wallSeconds: number; cpuSeconds: number } | null) =>
      x ? `${x.wallSeconds.toFixed(0)} s wall, ${x.cpuSeconds.toFixed(0)} s CPU` : '-';
    console.log(`paper-mnist on ${result.backend}: ${result.epochs} epochs, ${result.steps} steps`);
    console.log(`  training            ${t(training)}`);
    console.log(`  train -ELBO         ${result.trainNegElbo?.toFixed(2) ?? '-'} nats (last epoch, running mean)`);
    console.log(`  test -ELBO          ${result.testNegElbo?.toFixed(2) ?? '-'} nats (1 sample, whole test split)`);
    if (ev) {
      console.log(
        `  ${`NLL_${ev.k}`.padEnd(20)}${ev.nll.toFixed(2)} ± ${ev.nllStdErr.toFixed(2)} nats on ${ev.images} ${ev.split} images (${ev.binarization})`,
      );
      console.log(`  bits/dim            ${ev.bitsPerDim.toFixed(4)}`);
      console.log(`  -ELBO (k draws)     ${ev.negElbo.toFixed(2)} nats`);
      console.log(`  active units        ${ev.activeUnits} of ${ev.latentDim}, I(x;z) ${ev.mutualInfo.toFixed(2)} nats`);
    }
    console.log(`  evaluation          ${t(evaluation)}`);
    console.log(`  load average        ${result.loadAverage.map((l) => l.toFixed(1)).join(' ')} on ${result.cpus} CPUs`);
  }
} finally {
  await service.shutdown();
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
