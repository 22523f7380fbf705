// Shared by tests: temporary folders and small configs on the built-in MNIST.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppCore } from '../src/main/app-core.ts';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { findPreset } from '../src/shared/presets.ts';
import type { Result } from '../src/shared/result.ts';
import { validateConfig } from '../src/shared/validate.ts';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vae-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A preset with overrides, validated so a typo in a test fails loudly. */
export function presetConfig(id: string, overrides: Record<string, unknown> = {}): ExperimentConfig {
  const base = findPreset(id)!.config;
  const merged = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
  for (const [path, value] of Object.entries(overrides)) {
    const [group, key] = path.split('.');
    const section = group === undefined ? undefined : merged[group];
    if (!section || key === undefined) throw new Error(`presetConfig: ${path} is not a group.key setting`);
    section[key] = value;
  }
  const r = validateConfig(merged, base);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** `call` and `value` on an AppCore a test file opens in `before`: a Result, or its value asserted ok. */
export function coreCalls(core: () => AppCore): {
  call: <T>(method: string, args: unknown) => Promise<Result<T>>;
  value: <T>(method: string, args: unknown) => Promise<T>;
} {
  const call = async <T>(method: string, args: unknown) => (await core().call(method, args)) as Result<T>;
  return {
    call,
    value: async <T>(method: string, args: unknown): Promise<T> => {
      const r = await call<T>(method, args);
      assert.ok(r.ok, JSON.stringify(r));
      return r.value;
    },
  };
}
