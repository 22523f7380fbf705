// `npx tsx bench/importance.ts [--json]`: how long "which settings matter" takes to fit, by number
// of runs, with the forest's row cap lifted, so the cap (MAX_ROWS in importance.ts) can be chosen
// from numbers. Synthetic runs over latent size, β and seed (test/analysis-fixtures.ts). The fit
// runs in a Web Worker in the app, so this is the wait for an answer, not a frozen page.
// Prints numbers; asserts nothing.

import { parseArgs } from 'node:util';
import { fitImportance, importanceInput } from '../src/renderer/src/lib/analysis/importance.ts';
import type { RunRecord } from '../src/shared/training.ts';
import { syntheticRun } from '../test/analysis-fixtures.ts';

const { values } = parseArgs({ options: { json: { type: 'boolean' } } });

const runs: RunRecord[] = [];
for (let k = 0; runs.length < 1000; k++)
  for (const latent of [4, 16, 64])
    for (const beta of [0.25, 0.5, 1, 2, 4])
      for (const seed of [1, 2, 3, 4]) runs.push(syntheticRun(runs.length + 1, { latent, beta, seed: seed + 4 * k }));

const rows: { runs: number; ms: number; r2: number }[] = [];
for (const n of [100, 200, 300, 500, 750, 1000]) {
  const input = importanceInput(runs.slice(0, n));
  const t0 = performance.now();
  const result = fitImportance(input, { maxRows: Infinity });
  rows.push({ runs: n, ms: Math.round(performance.now() - t0), r2: result.status === 'ok' ? result.r2 : NaN });
}
if (values.json) console.log(JSON.stringify(rows));
else
  for (const r of rows) console.log(`${String(r.runs).padStart(5)} runs  ${String(r.ms).padStart(6)} ms  R² ${r.r2.toFixed(3)}`);
