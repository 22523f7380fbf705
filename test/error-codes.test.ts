// Every error code the contract declares is produced by some code in src/, so a client's handling
// of a code is never dead code, and a code nothing produces gets removed instead of lingering.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '../src/shared/result.ts';

const SRC = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|svelte)$/.test(e.name) ? [p] : [];
  });
}

test('every error code is produced somewhere in src', () => {
  const text = sources(SRC)
    .filter((f) => !f.endsWith(join('shared', 'result.ts')))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  // A producer writes the code as an AppError's `code`, passes it to err(), or picks it in a conditional (`? code`).
  const unproduced = ERROR_CODES.filter((code) => !new RegExp(`(code:\\s*|err\\(\\s*|\\?\\s*)'${code}'`).test(text));
  assert.deepEqual(unproduced, []);
});
