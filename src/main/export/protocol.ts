// What main asks the export worker to do, and what each job answers.
import type { ImportPayload } from './read-export.ts';
import type { ExportInput, ExportResult } from './write-export.ts';

export type ExportProtocol = {
  export: { request: { input: ExportInput }; reply: ExportResult };
  import: { request: { dir: string }; reply: ImportPayload };
};
