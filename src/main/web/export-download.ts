// Browser mode's export: the browser cannot be handed a folder, so the run is exported exactly as
// the exportRun call would (through the contract, off the main thread) into a temporary folder on
// this machine, and that folder goes back as one ZIP download. The temporary folder never outlives
// the request.

import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppCore } from '../app-core.ts';
import { exportBaseName } from '../../shared/export-name.ts';
import type { CheckpointChoice } from '../../shared/contract.ts';
import type { ErrorCode } from '../../shared/result.ts';
import { folderEntries, zipEntries } from '../export/zip.ts';

/**
 * `/export/<runId>.zip`, or `/export/<runId>-best.zip` for the best checkpoint; ids beyond the
 * contract's range fall through to its validation.
 */
export const EXPORT_PATH = /^\/export\/(\d{1,12})(-best)?\.zip$/;

const STATUS: Partial<Record<ErrorCode, number>> = { 'not-found': 404, 'invalid-argument': 404, conflict: 409 };

export function downloadName(runName: string, runId: number): string {
  return `${exportBaseName(runName, runId)}.zip`;
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${message}\n`);
}

export async function sendExportZip(
  core: AppCore,
  res: ServerResponse,
  runId: number,
  headOnly: boolean,
  checkpoint: CheckpointChoice = 'last',
): Promise<void> {
  let tmp: string | null = null;
  try {
    tmp = await mkdtemp(join(tmpdir(), 'vae-export-download-'));
    const dir = join(tmp, `run-${runId}`);
    const result = await core.call('exportRun', { runId, dir, checkpoint });
    if (!result.ok) return plain(res, STATUS[result.error.code] ?? 500, result.error.message);
    const archive = await zipEntries(folderEntries(dir));
    // Everything is in memory now: the folder goes before the first byte, so a client that reads
    // the whole download never sees it linger.
    await rm(tmp, { recursive: true, force: true });
    tmp = null;
    const name = downloadName(core.store.runs.get(runId)?.name ?? '', runId);
    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Length': String(archive.length),
      'Content-Disposition': `attachment; filename="${name}"`,
      'Cache-Control': 'no-store',
    });
    if (headOnly) return void res.end();
    res.end(archive);
  } catch (e) {
    const message = `The export could not be packed: ${e instanceof Error ? e.message : String(e)}`;
    if (res.headersSent) res.destroy();
    else plain(res, 500, message);
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}
