// A store-only ZIP writer for handing an export folder to a browser as one download. Exports are a
// few megabytes of mostly incompressible weights and PNGs, so skipping deflate costs little and
// keeps this small; without ZIP64 it is limited to 4 GiB and 65,535 entries, which it checks.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from './png.ts';

export interface ZipEntry {
  /** Relative path with forward slashes, e.g. `encoder/model.json`. */
  name: string;
  data: Uint8Array;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_RECORD = 0x06054b50;
const VERSION = 20;
/** General purpose bit 11: names are UTF-8. */
const UTF8_NAMES = 0x0800;
const MAX_32 = 0xffffffff;

/** MS-DOS time and date fields, local time, 2-second resolution, years 1980 to 2107. */
function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

/** The archive as chunks in order; concatenate them or write them one after another. */
export function zipChunks(entries: readonly ZipEntry[], modified = new Date()): Buffer[] {
  if (entries.length > 0xffff) throw new Error(`a ZIP without ZIP64 holds at most 65,535 files, not ${entries.length}`);
  const stamp = dosDateTime(modified);
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    if (entry.name === '' || entry.name.startsWith('/') || entry.name.includes('\\') || entry.name.split('/').includes('..'))
      throw new Error(`"${entry.name}" is not a relative path with forward slashes`);
    const name = Buffer.from(entry.name, 'utf8');
    const size = entry.data.length;
    if (size > MAX_32 || offset > MAX_32) throw new Error('the archive would need ZIP64 (over 4 GiB)');
    const crc = crc32(entry.data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(stamp.time, 10);
    local.writeUInt16LE(stamp.date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(CENTRAL_HEADER, 0);
    header.writeUInt16LE(VERSION, 4); // made by: MS-DOS attributes, so no Unix modes to get wrong
    header.writeUInt16LE(VERSION, 6);
    header.writeUInt16LE(UTF8_NAMES, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(stamp.time, 12);
    header.writeUInt16LE(stamp.date, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(size, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    // extra, comment, disk number, internal and external attributes stay 0
    header.writeUInt32LE(offset, 42);
    central.push(header, name);

    chunks.push(local, name, Buffer.from(entry.data.buffer, entry.data.byteOffset, size));
    offset += local.length + name.length + size;
  }
  const centralSize = central.reduce((n, b) => n + b.length, 0);
  if (offset + centralSize > MAX_32) throw new Error('the archive would need ZIP64 (over 4 GiB)');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_RECORD, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return [...chunks, ...central, end];
}

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
