// What the main thread asks the export worker to do.
import type { ExportInput } from './write-export.ts';

export type ExportJob = { op: 'export'; input: ExportInput } | { op: 'import'; dir: string };
