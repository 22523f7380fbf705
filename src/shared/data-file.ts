// Which loader reads a data file the person picked by name (the CLI's --data, the app's File > Open
// Data File). The loaders detect gzip by content, so `.csv.gz` is a CSV too; IDX files carry no
// reliable extension (`train-images-idx3-ubyte`, `.gz`), so anything else is tried as IDX, whose
// magic number then says clearly if it is not one.

import type { DataSource } from './config.ts';

export function dataSourceForFile(path: string): Exclude<DataSource, 'builtin-mnist'> {
  return /\.csv(\.gz)?$/i.test(path) ? 'csv' : 'idx';
}
