// `npm run bench [-- --json] [-- --seconds N] [-- --backend NAME]`: training throughput of the
// presets' models on every backend that loads here, the cost of logging to the store, and the
// tensor count across epochs. Each backend runs in its own child process (one tfjs instance each).
// This prints numbers; it asserts nothing, so it is not part of `npm test`.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ChildResult } from './throughput-child.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean' },
    seconds: { type: 'string', default: '6' },
    backend: { type: 'string', multiple: true },
  },
});
const backends = values.backend ?? ['tensorflow', 'wasm', 'cpu'];
const child = fileURLToPath(new URL('./throughput-child.ts', import.meta.url));

// Targets from the issue, on the wasm backend of this 2-core machine.
const TARGETS: Record<string, number> = { 'seed-conv b1': 30, 'seed-conv b64': 200, 'mlp b128': 1500 };

const results: ChildResult[] = [];
for (const backend of backends) {
  if (!values.json) process.stderr.write(`measuring ${backend}…\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, backend, values.seconds], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    results.push(JSON.parse(line) as ChildResult);
  } catch {
    results.push({
      backend,
      available: false,
      note: (r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? 'no output',
      cases: [],
      logging: null,
      tensors: null,
    });
  }
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ targets: { backend: 'wasm', imagesPerSec: TARGETS }, results })}\n`);
} else {
  const rows: string[][] = [['backend', 'case', 'images/s', 'ms/step', 'target (wasm)']];
  for (const r of results) {
    if (!r.available) {
      rows.push([r.backend, 'unavailable', '-', '-', r.note]);
      continue;
    }
    for (const c of r.cases) {
      const target = TARGETS[c.name];
      const verdict = r.backend === 'wasm' && target ? `>= ${target} ${c.imagesPerSec >= target ? 'met' : 'MISSED'}` : '';
      rows.push([r.backend, c.name, c.imagesPerSec.toFixed(1), c.msPerStep.toFixed(2), verdict]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}\n`);
  for (const r of results.filter((x) => x.available)) {
    if (r.logging) {
      process.stdout.write(
        `\n${r.backend}: logging one step row to SQLite (batched) costs ${r.logging.microsPerRow.toFixed(1)} µs = ` +
          `${r.logging.percentOfStep.toFixed(3)}% of the fastest step measured (${r.logging.stepMs.toFixed(2)} ms; target < 2%)`,
      );
    }
    if (r.tensors) {
      process.stdout.write(
        `\n${r.backend}: tf.memory().numTensors after epochs 1, 2, 3: ${r.tensors.join(', ')} (${r.tensors[0] === r.tensors[1] && r.tensors[1] === r.tensors[2] ? 'flat' : 'GROWING'})`,
      );
    }
    process.stdout.write(`\n${r.backend}: ${r.note}\n`);
  }
}
