// A stand-in for the backend inside the page: installs `window.workbench` (which getClient prefers
// over the WebSocket) before the app loads, answering the contract with canned Results and
// synthesising long histories and live event streams. For screens that are hard to reach with real
// training (a 100,000-step run, a failed or queued run, the Electron-only Browse button) and for
// measuring the renderer alone.
import type { AppInfo } from '../../src/shared/contract.ts';
import { PRESETS, findPreset } from '../../src/shared/presets.ts';
import type { RunRecord } from '../../src/shared/training.ts';

export interface StubOptions {
  appInfo: AppInfo;
  runs: RunRecord[];
  /** Synthetic logged steps per run id (getRun returns them all, whatever maxPoints says). */
  historySteps: Record<number, number>;
  /** After getRun of this run, stream step batches at this rate. */
  stream?: { runId: number; perBatch: number; perSecond: number; batches: number };
}

// Plain JavaScript in a string: it runs in the page, where nothing of this module exists.
const STUB_BODY = String.raw`
(() => {
  const o = window.__stubOptions;
  const listeners = new Set();
  // Real transports copy what they carry (structured clone, JSON); so does the stub, or the app
  // would share objects with it and see edits before they are answered.
  const ok = (value) => Promise.resolve({ ok: true, value: structuredClone(value) });
  const fail = (code, message) => Promise.resolve({ ok: false, error: { code, message } });
  let runs = o.runs.slice();
  const lossAt = (s) => {
    const total = 95 + 420 * Math.exp(-s / 1500) + 12 * Math.sin(s * 12.9898) * Math.sin(s * 0.37);
    return { recon: total * 0.88, kl: total * 0.12, total };
  };
  const grid = (rows, cols, seed) => {
    const h = 28, w = 28, pixels = new Uint8Array(rows * cols * h * w);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      const cx = 14 + 5 * Math.sin(seed + r * 3 + c), cy = 14 + 4 * Math.cos(seed + c * 2 + r), rad = 6 + ((r + c) % 4);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const d = Math.abs(Math.hypot(x - cx, y - cy) - rad);
        pixels[(r * h + y) * cols * w + c * w + x] = d < 1.8 ? Math.round(255 * (1 - d / 1.8)) : 0;
      }
    }
    return { rows, cols, height: h, width: w, pixels };
  };
  const detail = (run) => {
    const n = o.historySteps[run.id] || 0;
    const steps = new Array(n);
    for (let i = 0; i < n; i++) steps[i] = { step: i + 1, epoch: 1 + Math.floor(i / 10000), loss: lossAt(i + 1), imagesPerSec: 900, wallMs: i * 10 };
    const epochs = [];
    for (let e = 1; e * 10000 <= n; e++) {
      const l = lossAt(e * 10000);
      epochs.push({ epoch: e, step: e * 10000, train: l, heldOut: { recon: l.recon * 1.03, kl: l.kl, total: l.recon * 1.03 + l.kl }, imagesPerSec: 900, wallMs: e * 1e5 });
    }
    const images = n > 0 ? [
      { kind: 'reconstruction', epoch: 1, step: n, grid: grid(8, 8, 1) },
      { kind: 'samples', epoch: 1, step: n, grid: grid(4, 8, 2) },
    ] : [];
    return { run, steps, epochs, images, imageSteps: { reconstruction: n ? [n] : [], samples: n ? [n] : [] }, checkpoints: [] };
  };
  let streaming = false;
  const stream = () => {
    const s = o.stream;
    if (!s || streaming) return;
    streaming = true;
    let step = o.historySteps[s.runId] || 0, sent = 0;
    const timer = setInterval(() => {
      const events = [];
      for (let i = 0; i < s.perBatch; i++) {
        step++;
        events.push({ type: 'step', runId: s.runId, epoch: 11, step, totalSteps: 200000, loss: lossAt(step), imagesPerSec: 900, etaSeconds: 600, wallMs: step * 10 });
      }
      if (++sent % 10 === 0) events.push({ type: 'image', runId: s.runId, epoch: 10, step, kind: 'samples', grid: grid(4, 8, sent) });
      window.__stubBatchesSent = sent;
      for (const l of listeners) l({ type: 'training', events });
      if (sent >= s.batches) clearInterval(timer);
    }, 1000 / s.perSecond);
  };
  const find = (id) => runs.find((r) => r.id === id);
  window.workbench = {
    getAppInfo: () => ok(o.appInfo),
    inspectDataset: () => ok({ name: 'stub data', fingerprint: 'stub', count: 60000, height: 28, width: 28, labelCounts: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949] }),
    pickDataFile: () => ok({ path: '/home/me/data/mnist_train.csv' }),
    startRun: ({ config }) => {
      const run = { ...runs[0], id: Math.max(0, ...runs.map((r) => r.id)) + 1, config, status: 'queued', name: config.run.name || 'new run', createdAt: Date.now(), startedAt: null, finishedAt: null };
      runs = [run, ...runs];
      return ok(run);
    },
    pauseRun: ({ runId }) => (find(runId) ? ok(find(runId)) : fail('not-found', 'no run ' + runId)),
    resumeRun: ({ runId }) => (find(runId) ? ok(find(runId)) : fail('not-found', 'no run ' + runId)),
    stopRun: ({ runId }) => (find(runId) ? ok(find(runId)) : fail('not-found', 'no run ' + runId)),
    listRuns: () => ok(runs),
    getRun: ({ runId }) => {
      const run = find(runId);
      if (!run) return fail('not-found', 'Run ' + runId + ' does not exist.');
      if (o.stream && o.stream.runId === runId) setTimeout(stream, 500);
      return ok(detail(run));
    },
    getImage: () => fail('not-found', 'no image'),
    updateRun: (edit) => {
      const run = find(edit.runId);
      if (!run) return fail('not-found', 'no run');
      Object.assign(run, edit);
      return ok(run);
    },
    deleteRuns: ({ runIds }) => {
      runs = runs.filter((r) => !runIds.includes(r.id));
      return ok({ deleted: runIds });
    },
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
})();
`;

export function stubClientScript(options: StubOptions): string {
  return `window.__stubOptions = ${JSON.stringify(options)};\n${STUB_BODY}`;
}

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 9, 30);

export function stubAppInfo(shell: AppInfo['shell']): AppInfo {
  return {
    version: '0.1.0',
    shell,
    databasePath: '/home/me/.config/VAE Workbench/workbench.db',
    logFile: '/home/me/.config/VAE Workbench/workbench.log',
    presets: PRESETS,
    maxConcurrent: 2,
    pid: 4242,
    cores: 2,
  };
}

/** A finished run of a preset, an hour after the previous id; `overrides` make it anything else. */
export function stubRun(id: number, overrides: Partial<RunRecord> = {}): RunRecord {
  const preset = overrides.preset ?? 'quick';
  const loss = (total: number) => ({ recon: total * 0.88, kl: total * 0.12, total });
  return {
    id,
    name: `${preset} run ${id}`,
    preset,
    config: findPreset(preset)!.config,
    status: 'completed',
    statusMessage: '',
    backend: 'wasm',
    createdAt: T0 + id * HOUR,
    startedAt: T0 + id * HOUR + 1000,
    finishedAt: T0 + id * HOUR + 95_000,
    datasetName: 'MNIST (built-in)',
    datasetFingerprint: 'f',
    notes: '',
    tags: [],
    step: 0,
    epoch: 0,
    totalSteps: 423,
    finalTrain: loss(104 + id),
    finalHeldOut: loss(101 + id * 1.7),
    imagesPerSec: 3800,
    owner: null,
    sweepId: null,
    sweepIndex: null,
    ...overrides,
  };
}

/** A run of 100,000 logged steps that goes on streaming 50 steps 20 times a second for 3 s. */
export function longStreamingRun(): StubOptions {
  const live = stubRun(1, {
    name: 'long run',
    status: 'running',
    finishedAt: null,
    totalSteps: 200_000,
    finalTrain: null,
    finalHeldOut: null,
  });
  return {
    appInfo: stubAppInfo('browser'),
    runs: [live],
    historySteps: { 1: 100_000 },
    stream: { runId: 1, perBatch: 50, perSecond: 20, batches: 60 },
  };
}

/** Records the page's long tasks (>= 50 ms) into window.__longTasks, from before the app loads. */
export const LONG_TASK_OBSERVER = `window.__longTasks = []; new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });`;
