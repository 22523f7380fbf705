// Starts a worker thread from a module beside the caller. From source (tests, the CLI under tsx)
// the entry is NAME.ts and the worker must register tsx itself: Node 20 does not pass the parent's
// tsx loader on to worker threads. From a build (electron-vite) every entry is bundled to NAME.js
// in the same folder as the code that spawns it.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { AppFailure, toAppError, type Result } from '../shared/result.ts';

let live = 0;

/**
 * Worker threads spawned here that have not exited yet. A leaked worker holds its data (about 100 MB for
 * a training run) until the process ends, so tests count them around every path that can fail.
 */
export function liveWorkerCount(): number {
  return live;
}

function counted(worker: Worker): Worker {
  live++;
  worker.once('exit', () => live--);
  return worker;
}

/**
 * Packages a source-mode worker loads before tsx registers. tsx turns on source maps for the whole
 * thread, and Node then reads and parses the map of every module loaded after it: 17 MB of maps
 * for tfjs's bundles, about half a second of CPU in every training thread. Loaded first, they keep
 * their compiled positions, while the project's own TypeScript still gets its source maps.
 */
const LOADED_BEFORE_TSX = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];

/**
 * The boot of a worker from source. It registers tsx's CommonJS loader, not its ESM loader: the ESM
 * one runs every import through a loader thread of its own and, for each CommonJS package, reads
 * the source again to detect its format and scan its exports (megabytes for tfjs), which cost a
 * second and more of CPU per worker. So worker entries must not use top-level await (a CommonJS
 * module cannot), which a build allows too.
 */
function sourceBoot(entry: string, caller: string, tensorflow: boolean): string {
  const from = createRequire(caller);
  const preload = tensorflow ? LOADED_BEFORE_TSX.map((p) => `require(${JSON.stringify(from.resolve(p))});`).join(' ') : '';
  const tsx = JSON.stringify(from.resolve('tsx/cjs/api'));
  return `${preload} require(${tsx}).register(); require(${JSON.stringify(entry)});`;
}

/**
 * `tensorflow`: the worker builds models (training, evaluation, export, latent space); see
 * LOADED_BEFORE_TSX. Only a worker run from source uses it.
 */
export function spawnWorker(callerUrl: string, name: string, workerData: unknown, { tensorflow = false } = {}): Worker {
  const caller = fileURLToPath(callerUrl);
  const dir = dirname(caller);
  if (caller.endsWith('.ts')) {
    return counted(new Worker(sourceBoot(join(dir, `${name}.ts`), caller, tensorflow), { eval: true, workerData }));
  }
  const built = join(dir, `${name}.js`);
  if (!existsSync(built)) throw new Error(`worker ${name} not found at ${built}; was the app built?`);
  return counted(new Worker(built, { workerData }));
}

/**
 * A worker's protocol: for each operation, what main sends and what the worker answers. Both sides
 * are typed from one map, so a reply cannot drift from its request without a type error.
 */
export type Protocol = Record<string, { request: object; reply: unknown }>;
/** The message for operation K: its name plus its request fields. */
export type JobFor<P extends Protocol, K extends keyof P & string> = { op: K } & P[K]['request'];
/** Any one operation's message. */
export type JobOf<P extends Protocol> = { [K in keyof P & string]: JobFor<P, K> }[keyof P & string];
export type ReplyOf<P extends Protocol, K extends keyof P & string> = P[K]['reply'];
/** The worker's implementation: one function per operation, returning that operation's reply. */
export type Handlers<P extends Protocol> = {
  [K in keyof P & string]: (job: JobFor<P, K>) => Promise<ReplyOf<P, K>> | ReplyOf<P, K>;
};

/** Runs `job` with the handler for its operation (in the worker). */
export function dispatchJob<P extends Protocol>(handlers: Handlers<P>, job: JobOf<P>): Promise<ReplyOf<P, keyof P & string>> {
  const handler = handlers[job.op];
  return Promise.resolve().then(() => handler(job) as ReplyOf<P, keyof P & string>);
}

/**
 * Runs one job in a fresh worker thread (`name`, beside `callerUrl`) and resolves with its reply;
 * the worker's failure, or its exit without an answer, rejects with an AppFailure naming it. The
 * thread ends either way.
 */
export function runWorkerJob<P extends Protocol, K extends keyof P & string>(
  callerUrl: string,
  name: string,
  job: JobFor<P, K>,
  options: { tensorflow?: boolean; onNote?: (note: unknown) => void } = {},
): Promise<ReplyOf<P, K>> {
  const worker = spawnWorker(callerUrl, name, job, options);
  return new Promise<ReplyOf<P, K>>((done, fail) => {
    // The reply crosses a structured clone untyped; the worker built it as ReplyOf<P, K> (answerWorkerJob).
    // Notes (postWorkerNote) may come first: progress, never the answer.
    worker.on('message', (r: Result<ReplyOf<P, K>> | { note: unknown }) => {
      if ('note' in r) options.onNote?.(r.note);
      else if (r.ok) done(r.value);
      else fail(new AppFailure(r.error));
    });
    worker.once('error', (e) => fail(new AppFailure({ code: 'internal', message: `the ${name} thread failed: ${e.message}` })));
    worker.once('exit', (code) =>
      fail(new AppFailure({ code: 'internal', message: `the ${name} thread exited (code ${code}) without an answer` })),
    );
  }).finally(() => void worker.terminate());
}

/** From inside a job's worker: something for runWorkerJob's `onNote` (progress) before the answer. */
export function postWorkerNote(note: unknown): void {
  parentPort?.postMessage({ note });
}

/** The worker's side of runWorkerJob: answers the job in workerData with a Result envelope. */
export async function answerWorkerJob<P extends Protocol>(
  handlers: Handlers<P>,
  prepare?: () => Promise<unknown>,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('answerWorkerJob runs only inside a worker thread');
  let reply: Result<unknown>;
  try {
    await prepare?.();
    reply = { ok: true, value: await dispatchJob(handlers, workerData as JobOf<P>) };
  } catch (e) {
    reply = { ok: false, error: toAppError(e) };
  }
  port.postMessage(reply);
}
