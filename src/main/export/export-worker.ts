// The export worker: builds and saves models for an export, or reads and checks a folder for an
// import. One job per thread, answered with a Result envelope.
import { parentPort, workerData } from 'node:worker_threads';
import { toAppError } from '../../shared/result.ts';
import { initBackend } from '../engine/backend.ts';
import { readExport } from './read-export.ts';
import { writeExport } from './write-export.ts';
import type { ExportJob } from './protocol.ts';

try {
  // cpu: an export is mostly serialisation, and the one batch it decodes (the latent grid) is small;
  // it also spares starting WebAssembly for a job that lasts a second.
  await initBackend('cpu');
  const job = workerData as ExportJob;
  const value = job.op === 'export' ? await writeExport(job.input) : await readExport(job.dir);
  parentPort!.postMessage({ ok: true, value });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: toAppError(e) });
}
