// Shared by tests: temporary folders and small configs on the built-in MNIST.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentConfig } from '../src/shared/config.ts';
import { findPreset } from '../src/shared/presets.ts';
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
