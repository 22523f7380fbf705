// A stand-in for the backend inside the page: installs `window.workbench` (which getClient prefers
// over the WebSocket) before the app loads, answering the contract with canned Results and
// synthesising long histories and live event streams. For screens that are hard to reach with real
// training (a 100,000-step run, a failed or queued run, the Electron-only Browse button) and for
// measuring the renderer alone.
import type { AppInfo } from '../../src/shared/contract.ts';
import type { SweepRecord } from '../../src/shared/sweep.ts';
import { PRESETS, findPreset } from '../../src/shared/presets.ts';
import type { RunRecord } from '../../src/shared/training.ts';
import { runRecord } from '../run-record.ts';

export interface StubOptions {
  appInfo: AppInfo;
  runs: RunRecord[];
  /** Synthetic logged steps per run id (getRun returns them all, whatever maxPoints says). */
  historySteps: Record<number, number>;
  /** After getRun of this run, stream step batches at this rate. */
  stream?: { runId: number; perBatch: number; perSecond: number; batches: number };
  /** Sweeps that exist at load (their runs go in `runs`, with sweepId and sweepIndex). */
  sweeps?: SweepRecord[];
  /**
   * How a created sweep's runs move: every `everyMs`, the running ones finish (sweep indexes in
   * `fail` fail; with pruning on, every third is pruned) and queued ones start, up to `parallel` at
   * once; after `maxTicks` ticks it holds still (for a screenshot mid-sweep). While the page's
   * `window.__stubHoldSweeps` is true, no sweep moves.
   */
  sweepTicks?: { everyMs: number; maxTicks: number; fail?: number[] };
  /**
   * The list's arrival, for the Runs table's loading states: `malformed` answers listRuns with a
   * packed list that cannot be unpacked until the page sets `window.__stubListFixed`; `held` answers
   * it only when the page calls `window.__stubReleaseList()`, and answers listRunsHead (newest
   * first only) meanwhile.
   */
  list?: 'malformed' | 'held';
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
      emit({ type: 'training', events });
      if (sent >= s.batches) clearInterval(timer);
    }, 1000 / s.perSecond);
  };
  // listRuns answers in the packed form (src/shared/run-list.ts), written out here because the page
  // has none of this module's imports: the plainest packing the format allows, every column as plain
  // values and every config its own base.
  const COLUMNS = window.__stubPackedColumns;
  const triple = (l) => (l ? [l.recon, l.kl, l.total] : null);
  const packRunList = (list) => ({
    format: 'runs/1',
    count: list.length,
    columns: Object.fromEntries(COLUMNS.map((k) => [k, { values: list.map((r) => r[k]) }])),
    finalTrain: list.map((r) => triple(r.finalTrain)),
    finalHeldOut: list.map((r) => triple(r.finalHeldOut)),
    configBases: list.map((r) => r.config),
    configPaths: [],
    configs: list.map((_, i) => ({ base: i })),
  });
  const find = (id) => runs.find((r) => r.id === id);
  const emit = (event) => { for (const l of listeners) l(event); };

  // Sweeps: enough of the real thing to drive the views (a grid of list and range axes times seeds;
  // random search draws uniformly). The definitions received are kept for the test to check with
  // the real expandSweep.
  let sweeps = (o.sweeps || []).slice();
  window.__stubSweepDefinitions = [];
  const SHORT = { 'model.latentDim': 'z', 'loss.beta': 'β', 'optim.learningRate': 'lr', 'run.seed': 'seed' };
  const axisVals = (a) => {
    if (!a.range) return a.values;
    const { from, to, count, scale } = a.range, out = [];
    for (let i = 0; i < count; i++) {
      const t = count === 1 ? 0 : i / (count - 1);
      const v = scale === 'log' ? Math.exp(Math.log(from) + t * (Math.log(to) - Math.log(from))) : from + t * (to - from);
      out.push(Number(v.toPrecision(10)));
    }
    return out;
  };
  const pointNameOf = (values) => Object.entries(values).map(([p, v]) => (SHORT[p] ? SHORT[p] + v : p.split('.').pop() + '=' + v)).join(' ');
  const withRuns = (s) => {
    const own = runs.filter((r) => r.sweepId === s.id);
    const counts = { queued: 0, running: 0, paused: 0, completed: 0, failed: 0, interrupted: 0, pruned: 0 };
    for (const r of own) counts[r.status]++;
    const done = own.filter((r) => r.status === 'completed' && r.finalHeldOut).sort((a, b) => a.finalHeldOut.total - b.finalHeldOut.total);
    return { ...s, total: own.length, counts, bestRunId: done[0] ? done[0].id : null, bestHeldOut: done[0] ? done[0].finalHeldOut.total : null };
  };
  const findSweep = (id) => sweeps.find((s) => s.id === id);
  const sweepChanged = (s) => emit({ type: 'sweeps-changed', sweeps: [structuredClone(withRuns(s))] });
  const setStatus = (run, status) => {
    run.status = status;
    emit({ type: 'training', events: [{ type: 'status', runId: run.id, status, message: '' }] });
  };
  const tick = (s) => {
    if (s.status !== 'running') return;
    const own = runs.filter((r) => r.sweepId === s.id).sort((a, b) => a.sweepIndex - b.sweepIndex);
    for (const r of own.filter((r) => r.status === 'running')) {
      const total = 100 + ((r.sweepIndex * 7) % 13) + r.config.model.latentDim / 4;
      const loss = { recon: total * 0.88, kl: total * 0.12, total };
      if ((o.sweepTicks.fail || []).includes(r.sweepIndex)) { r.statusMessage = 'loss became NaN at step 3'; setStatus(r, 'failed'); }
      else if (s.definition.pruning.kind === 'asha' && r.sweepIndex % 3 === 2) { r.finalHeldOut = loss; setStatus(r, 'pruned'); }
      else { r.finalHeldOut = loss; r.finalTrain = loss; r.finishedAt = Date.now(); setStatus(r, 'completed'); }
    }
    let free = s.definition.parallel - own.filter((r) => r.status === 'running').length;
    for (const r of own) if (free > 0 && r.status === 'queued') { r.startedAt = Date.now(); setStatus(r, 'running'); free--; }
    emit({ type: 'runs-changed' });
    if (own.every((r) => ['completed', 'failed', 'pruned'].includes(r.status))) {
      s.status = 'completed';
      s.finishedAt = Date.now();
      sweepChanged(s);
    }
  };
  const drive = (s) => {
    if (!o.sweepTicks) return;
    let n = 0;
    const timer = setInterval(() => {
      // Held by the test (window.__stubHoldSweeps = true): no tick happens, and none is used up.
      if (window.__stubHoldSweeps) return;
      tick(s);
      if (++n >= o.sweepTicks.maxTicks || s.status === 'completed') clearInterval(timer);
    }, o.sweepTicks.everyMs);
  };
  const sweepAnswer = (id, change) => {
    const s = findSweep(id);
    if (!s) return fail('not-found', 'Sweep ' + id + ' does not exist.');
    if (change) { change(s); sweepChanged(s); }
    return ok(withRuns(s));
  };

  window.workbench = {
    getAppInfo: () => ok(o.appInfo),
    // A training file with grey pixels; a test split when one is set (or built in), else one found beside it.
    inspectDataset: ({ data }) => {
      const hasTest = data.source === 'builtin-mnist' || data.testPath !== '';
      return ok({
        name: 'stub data', fingerprint: 'stub', count: 60000, height: 28, width: 28,
        labelCounts: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
        binary: false,
        test: hasTest ? { name: 'stub test', count: 10000, labelCounts: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009] } : null,
        testCandidate: hasTest ? null : '/home/me/data/mnist_test.csv',
      });
    },
    pickDataFile: () => ok({ path: '/home/me/data/mnist_train.csv', testPath: null }),
    startRun: ({ config }) => {
      const run = { ...runs[0], id: Math.max(0, ...runs.map((r) => r.id)) + 1, config, status: 'queued', name: config.run.name || 'new run', createdAt: Date.now(), startedAt: null, finishedAt: null };
      runs = [run, ...runs];
      return ok(run);
    },
    pauseRun: ({ runId }) => (find(runId) ? ok(find(runId)) : fail('not-found', 'no run ' + runId)),
    resumeRun: ({ runId }) => (find(runId) ? ok(find(runId)) : fail('not-found', 'no run ' + runId)),
    stopRun: ({ runId }) => (find(runId) ? ok(find(runId)) : fail('not-found', 'no run ' + runId)),
    listRuns: () => {
      if (o.list === 'malformed' && !window.__stubListFixed) return ok({ ...packRunList(runs), count: runs.length + 1 });
      if (o.list === 'held') return new Promise((resolve) => (window.__stubReleaseList = () => resolve(ok(packRunList(runs)))));
      return ok(packRunList(runs));
    },
    // Otherwise the stub sorts nothing: without a head the page waits for listRuns, as after any failed head.
    listRunsHead: ({ sort, count }) => {
      if (o.list !== 'held' || sort.key !== 'created' || sort.direction !== 'desc') return fail('internal', 'the stub answers no head');
      const newest = runs.slice().sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      return ok({ list: packRunList(newest.slice(0, count)), matched: runs.length, total: runs.length });
    },
    getRun: ({ runId }) => {
      const run = find(runId);
      if (!run) return fail('not-found', 'Run ' + runId + ' does not exist.');
      if (o.stream && o.stream.runId === runId) setTimeout(stream, 500);
      return ok(detail(run));
    },
    getRunHistories: ({ runIds }) => {
      const found = runIds.map(find).filter(Boolean);
      for (const run of found) if (o.stream && o.stream.runId === run.id) setTimeout(stream, 500);
      return ok(found.map((run) => {
        const d = detail(run);
        return { run: d.run, steps: d.steps, epochs: d.epochs, checkpoints: d.checkpoints };
      }));
    },
    getImage: () => fail('not-found', 'no image'),
    // No stubbed run has been evaluated; evaluating needs the real backend (test/e2e/evaluation.e2e.test.ts).
    listEvaluations: ({ runId }) => (find(runId) ? ok([]) : fail('not-found', 'no run ' + runId)),
    evaluateRun: () => fail('internal', 'the stub backend does not evaluate'),
    cancelEvaluation: () => ok({ cancelled: false }),
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
    createSweep: ({ definition }) => {
      window.__stubSweepDefinitions.push(definition);
      const id = Math.max(0, ...sweeps.map((s) => s.id)) + 1;
      let settings = [{}];
      if (definition.method === 'grid') {
        for (const a of definition.axes) settings = settings.flatMap((st) => axisVals(a).map((v) => ({ ...st, [a.path]: v })));
      } else {
        settings = Array.from({ length: definition.draws }, (_, d) => Object.fromEntries(definition.axes.map((a, k) => { const vs = axisVals(a); return [a.path, vs[(d * 7 + k * 3) % vs.length]]; })));
      }
      const points = settings.flatMap((st) => (definition.seeds > 0 ? Array.from({ length: definition.seeds }, (_, k) => ({ ...st, 'run.seed': k + 1 })) : [st]));
      const base = runs[0] || o.runs[0];
      let nextId = Math.max(0, ...runs.map((r) => r.id)) + 1;
      const created = points.map((values, index) => {
        const config = structuredClone(base.config);
        for (const [path, v] of Object.entries(values)) { const [sec, key] = path.split('.'); config[sec][key] = v; }
        const name = (definition.name ? definition.name + ' ' : '') + pointNameOf(values);
        config.run.name = name;
        return { ...base, id: nextId++, name, config, status: 'queued', statusMessage: '', createdAt: Date.now(), startedAt: null, finishedAt: null, finalTrain: null, finalHeldOut: null, sweepId: id, sweepIndex: index };
      });
      runs = [...created.reverse(), ...runs];
      const s = { id, name: definition.name, definition, status: 'running', statusMessage: '', createdAt: Date.now(), finishedAt: null, owner: null, queue: null };
      sweeps = [s, ...sweeps];
      emit({ type: 'runs-changed' });
      drive(s);
      return ok(withRuns(s));
    },
    listSweeps: () => ok(sweeps.map(withRuns)),
    getSweep: ({ sweepId }) => sweepAnswer(sweepId),
    pauseSweep: ({ sweepId }) => sweepAnswer(sweepId, (s) => { s.status = 'paused'; }),
    resumeSweep: ({ sweepId }) => sweepAnswer(sweepId, (s) => { s.status = 'running'; drive(s); }),
    cancelSweep: ({ sweepId }) => sweepAnswer(sweepId, (s) => { s.status = 'cancelled'; }),
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
})();
`;

/** The fields packed as plain columns: every field of a run record but those packed their own way. */
const PACKED_COLUMNS = Object.keys(runRecord()).filter((k) => !['config', 'finalTrain', 'finalHeldOut'].includes(k));

export function stubClientScript(options: StubOptions): string {
  return `window.__stubOptions = ${JSON.stringify(options)};\nwindow.__stubPackedColumns = ${JSON.stringify(PACKED_COLUMNS)};\n${STUB_BODY}`;
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
  return runRecord({
    id,
    name: `${preset} run ${id}`,
    preset,
    config: findPreset(preset)!.config,
    createdAt: T0 + id * HOUR,
    startedAt: T0 + id * HOUR + 1000,
    finishedAt: T0 + id * HOUR + 95_000,
    datasetName: 'MNIST (built-in)',
    totalSteps: 423,
    finalTrain: loss(104 + id),
    finalHeldOut: loss(101 + id * 1.7),
    imagesPerSec: 3800,
    ...overrides,
  });
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
