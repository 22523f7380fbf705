// One safe base name for a run's export, shared by the browser download (server) and the folder the
// Electron save dialog suggests (renderer), so both shells name an export alike.

/** Letters and digits without accents, `.`, `_`, `-` and spaces: quotes, slashes and control characters would break a header or a path. */
export function exportBaseName(runName: string, runId: number): string {
  const clean = runName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._ -]+/g, '_')
    .replace(/^[. _-]+|[. _-]+$/g, '')
    .slice(0, 100);
  return clean || `run-${runId}`;
}
