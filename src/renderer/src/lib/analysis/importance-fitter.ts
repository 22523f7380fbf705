// The page's side of the importance worker: one fit at a time, the latest request wins. A request
// made while another is still fitting terminates that worker (its answer is no longer wanted, and it
// would hold a core for seconds) and starts a fresh one; a reply naming an older request is dropped.
// The worker is made by the caller (`spawn`), so this logic is the same with a real Web Worker in
// the app and with the in-process stand-in the unit tests use.

import type { ImportanceInput, ImportanceResult } from './importance.ts';
import type { FitReply, FitRequest } from './importance-protocol.ts';

/** The part of the Web Worker interface used here. */
export interface WorkerLike {
  postMessage(message: FitRequest): void;
  terminate(): void;
  onmessage: ((e: MessageEvent) => void) | null;
  /** Typed ErrorEvent as in the DOM, though a script that failed to load fires a bare Event. */
  onerror: ((e: ErrorEvent) => void) | null;
  onmessageerror: ((e: MessageEvent) => void) | null;
}

export interface FitHandlers {
  progress(done: number, total: number): void;
  result(result: ImportanceResult): void;
  error(message: string): void;
}

export class ImportanceFitter {
  private worker: WorkerLike | null = null;
  private busy = false;
  private latest = 0;
  private handlers: FitHandlers | null = null;
  /** Workers started so far: a new one for every request that superseded a fit in progress. */
  spawned = 0;

  constructor(private readonly spawn: () => WorkerLike) {}

  fit(input: ImportanceInput, handlers: FitHandlers): void {
    const id = ++this.latest;
    this.handlers = handlers;
    if (this.worker && this.busy) this.stop();
    try {
      const worker = this.worker ?? this.start();
      this.busy = true;
      worker.postMessage({ id, input });
    } catch (e) {
      this.stop();
      handlers.error(`The importance worker could not be started: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Ends the worker and forgets the request in flight (when the view goes away). */
  dispose(): void {
    this.stop();
    this.handlers = null;
  }

  private start(): WorkerLike {
    const worker = this.spawn();
    this.spawned++;
    worker.onmessage = (e) => this.receive(worker, e.data as FitReply);
    const fail = (what: string) => (e: Event) => {
      if (worker !== this.worker) return;
      // Handled here, shown in the view: not also an uncaught error in the console.
      e.preventDefault();
      // An ErrorEvent carries a message; a worker script that failed to load fires a bare Event.
      const message = (e as { message?: unknown }).message;
      const detail = typeof message === 'string' && message ? `: ${message}` : '';
      const handlers = this.handlers;
      this.stop();
      handlers?.error(`The importance worker ${what}${detail}.`);
    };
    worker.onerror = fail('failed (it could not be loaded, or it crashed)');
    worker.onmessageerror = fail('sent a message that could not be read');
    this.worker = worker;
    return worker;
  }

  private stop(): void {
    this.worker?.terminate();
    this.worker = null;
    this.busy = false;
  }

  private receive(worker: WorkerLike, reply: FitReply): void {
    if (worker !== this.worker || reply.id !== this.latest || !this.handlers) return;
    if (reply.kind === 'progress') return this.handlers.progress(reply.done, reply.total);
    this.busy = false;
    if (reply.kind === 'result') this.handlers.result(reply.result);
    else this.handlers.error(reply.error);
  }
}

/** The app's worker: bundled by Vite from importance.worker.ts as an ES module of its own. */
export function spawnImportanceWorker(): WorkerLike {
  return new Worker(new URL('./importance.worker.ts', import.meta.url), { type: 'module', name: 'settings-importance' });
}
