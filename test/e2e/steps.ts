// Tests as short named steps that share state, run in order: node:test runs the tests of one
// `describe` one after another, and once a step fails (or times out) the later ones are skipped,
// naming it, instead of failing with errors that only follow from the first.
import { test, type TestContext, type TestOptions } from 'node:test';

type StepBody = (t: TestContext) => Promise<void> | void;
export interface Step {
  (name: string, fn: StepBody): void;
  (name: string, options: TestOptions, fn: StepBody): void;
}

/** A step runner for one suite. Each step's timeout only guards against a hang (default 180 s: two page waits' worth). */
export function steps(): Step {
  let broken: string | null = null;
  return (name: string, optionsOrFn: TestOptions | StepBody, body?: StepBody) => {
    const fn = typeof optionsOrFn === 'function' ? optionsOrFn : body!;
    const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
    test(name, { timeout: 180_000, ...options }, async (t) => {
      if (broken !== null) {
        t.skip(`step "${broken}" failed`);
        return;
      }
      // Set before running and cleared on success, so that a step cut off by its timeout (whose
      // body may still be running) also stops the ones after it.
      broken = name;
      await fn(t);
      broken = null;
    });
  };
}
