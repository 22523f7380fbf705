// Shared by the run service's fault and lifecycle tests: waiting for events and conditions (with a
// generous bound that only guards against hangs, never a timing assertion) and counting workers.
import assert from 'node:assert/strict';
import type { Logger } from '../src/main/log/logger.ts';
import type { RunService } from '../src/main/runs/service.ts';
import { liveWorkerCount } from '../src/main/worker-threads.ts';
import type { TrainingEvent } from '../src/shared/training.ts';

const HANG_MS = 120_000;

export function nextEvent(service: RunService, match: (e: TrainingEvent) => boolean): Promise<TrainingEvent> {
  return new Promise((resolve) => {
    const off = service.subscribe((e) => {
      if (match(e)) {
        off();
        resolve(e);
      }
    });
  });
}

/** Resolves once `condition` holds; fails the test (naming `what`) if it never does. */
export async function waitUntil(condition: () => boolean, what: string, bound = HANG_MS): Promise<void> {
  const deadline = Date.now() + bound;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Terminated workers exit asynchronously: waits for the count to settle at `expected`, then checks it. */
export async function expectLiveWorkers(expected: number, why: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (liveWorkerCount() !== expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(liveWorkerCount(), expected, `live worker threads ${why}`);
}

/** A logger that keeps its lines, so a test stays quiet and can check what was reported. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, error?: unknown) =>
    lines.push(`${level} ${message}${error instanceof Error ? `: ${error.message}` : ''}`);
  return { file: null, lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}
