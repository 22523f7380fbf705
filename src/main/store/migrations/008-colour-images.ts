// Colour image grids (issue 11): migration 001 checked that a grid's bytes are exactly
// rows*cols*height*width, one byte per pixel, which refuses every RGB grid. The table is rebuilt
// with the check widened to one or three bytes per pixel; a grid's channels follow from its byte
// count (src/shared/image-grid.ts), so no column records them. SQLite cannot alter a CHECK in
// place, hence the copy; ids are kept, so nothing that names an image id changes.

import type { Migration } from '../migrate.ts';

export const migration008: Migration = {
  version: 8,
  name: 'colour-images',
  foreignKeysOff: true,
  up(db) {
    db.exec(`
      CREATE TABLE images_new (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('reconstruction', 'samples')),
        rows INTEGER NOT NULL CHECK (rows > 0),
        cols INTEGER NOT NULL CHECK (cols > 0),
        height INTEGER NOT NULL CHECK (height > 0),
        width INTEGER NOT NULL CHECK (width > 0),
        created_at INTEGER NOT NULL,
        pixels BLOB NOT NULL CHECK (length(pixels) IN (rows * cols * height * width, 3 * rows * cols * height * width))
      ) STRICT;
      INSERT INTO images_new SELECT id, run_id, epoch, step, kind, rows, cols, height, width, created_at, pixels FROM images;
      DROP TABLE images;
      ALTER TABLE images_new RENAME TO images;
      CREATE INDEX images_run_kind_step ON images (run_id, kind, step);
      CREATE TRIGGER images_change_insert AFTER INSERT ON images BEGIN
        INSERT INTO changes (run_id, kind) VALUES (NEW.run_id, 'image');
      END;
    `);
  },
};
