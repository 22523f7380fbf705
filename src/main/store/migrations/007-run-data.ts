// What a run's data set held beyond its name and fingerprint (issue 11's image folders): the class
// names its labels stand for (the sorted sub-folders) and the files it skipped as undecodable, with
// the decoder's reason, so a run says what it left out. One row per run that has anything to say;
// runs of CSV, IDX and built-in MNIST need none, and older runs have none.

import type { Migration } from '../migrate.ts';

export const migration007: Migration = {
  version: 7,
  name: 'run-data',
  up(db) {
    db.exec(`
      CREATE TABLE run_data (
        run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        class_names TEXT,
        skipped TEXT NOT NULL DEFAULT '[]'
      ) STRICT;
    `);
  },
};
