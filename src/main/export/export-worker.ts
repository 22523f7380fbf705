// The export worker: builds and saves models for an export, or reads and checks a folder for an
// import. One job per thread, answered with a Result envelope.
import { initBackend } from '../engine/backend.ts';
import { answerWorkerJob } from '../worker-threads.ts';
import type { ExportProtocol } from './protocol.ts';
import { readExport } from './read-export.ts';
import { writeExport } from './write-export.ts';

void answerWorkerJob<ExportProtocol>(
  { export: ({ input }) => writeExport(input), import: ({ dir }) => readExport(dir) },
  // cpu: an export is mostly serialisation, and the one batch it decodes (the latent grid) is small;
  // it also spares starting WebAssembly for a job that lasts a second.
  () => initBackend('cpu'),
);
