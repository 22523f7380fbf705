// An export folder as one ZIP, for handing it to a browser as a single download; written by fflate.
// Text (manifest, model topology, metric CSVs) deflates to under half. PNGs are deflated already and
// float32 weights shrink by 8 % for about a second per few MB (bench/export-zip.ts), so both are
// stored: deflating them would cost the server time for almost nothing. fflate's asynchronous zip deflates large files in
// worker threads, so a big export does not hold up the server's event loop.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zip, type AsyncZippable } from 'fflate';

export interface ZipEntry {
  /** Relative path with forward slashes, e.g. `encoder/model.json`. */
  name: string;
  data: Uint8Array;
}

/** Files kept as they are: already compressed, or nearly incompressible. */
const STORED = /\.(png|bin)$/i;

/** Every file under `dir`, depth first and sorted so the same folder gives the same archive. */
export function folderEntries(dir: string, prefix = ''): ZipEntry[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => {
      const name = prefix + d.name;
      if (d.isDirectory()) return folderEntries(join(dir, d.name), `${name}/`);
      return d.isFile() ? [{ name, data: readFileSync(join(dir, d.name)) }] : [];
    });
}

/** The archive of `entries`, each dated `modified`; names must be relative paths with forward slashes. */
export function zipEntries(entries: readonly ZipEntry[], modified = new Date()): Promise<Uint8Array> {
  const files: AsyncZippable = {};
  for (const entry of entries) {
    if (entry.name === '' || entry.name.startsWith('/') || entry.name.includes('\\') || entry.name.split('/').includes('..'))
      return Promise.reject(new Error(`"${entry.name}" is not a relative path with forward slashes`));
    if (entry.name in files) return Promise.reject(new Error(`"${entry.name}" is listed twice`));
    files[entry.name] = [entry.data, { level: STORED.test(entry.name) ? 0 : 6, mtime: modified }];
  }
  return new Promise((resolve, reject) => zip(files, (err, data) => (err ? reject(err) : resolve(data))));
}
