// Image grids logged during training (reconstructions and prior samples), for the run's timeline.
//
// Thinning: a long run with frequent previews would keep thousands of grids. Of each kind a run keeps
// the first grid and, with the steps 0..newest cut into equal spans (a power of two wide, the
// narrowest that needs fewer than `maxPerKind` of them), the latest grid of each span, the newest
// grid included: at most `maxPerKind` grids (2 when it is smaller) spread over the whole run, and
// an epoch's last grid wins over an earlier one in its span.
// Which grids survive depends only on the steps logged, never on when thinning ran: spans only
// widen as the run advances, and the latest grid of a wide span is the latest of one of its halves,
// so a grid the uninterrupted run keeps is never dropped along the way. A run resumed from a
// checkpoint (its later grids removed by `removeAfter`, then logged again) therefore ends with the
// same grids as the run that was never interrupted. Thinning happens on every save, not only past
// the cap, for the same reason: a cap reached at different moments would keep different grids.

import { channelsFromByteLength, imageGridProblem, withChannels } from '../../shared/image-grid.ts';
import type { ImageGrid, ImageKind } from '../../shared/training.ts';
import { invalidArgument, rethrowMissingRun } from './errors.ts';
import type { Db } from './migrate.ts';

export const IMAGE_KINDS: readonly ImageKind[] = ['reconstruction', 'samples'];

export interface NewImage {
  epoch: number;
  step: number;
  kind: ImageKind;
  grid: ImageGrid;
}

export interface ImageMeta {
  id: number;
  runId: number;
  epoch: number;
  step: number;
  kind: ImageKind;
  rows: number;
  cols: number;
  height: number;
  width: number;
  createdAt: number;
}

export interface StoredImage extends ImageMeta {
  grid: ImageGrid;
}

export interface ImagesRepo {
  save(runId: number, image: NewImage): ImageMeta;
  /** Oldest step first, without pixels; all kinds unless `kind` is given. */
  list(runId: number, kind?: ImageKind): ImageMeta[];
  latest(runId: number, kind: ImageKind): StoredImage | null;
  /** The id `latest` would return, without reading pixels; null when the run has none of that kind. */
  latestId(runId: number, kind: ImageKind): number | null;
  load(id: number): StoredImage | null;
  /** Drops grids logged past `step`, for a run resumed from the checkpoint at `step`. */
  removeAfter(runId: number, step: number): void;
}

interface MetaRow {
  id: number;
  run_id: number;
  epoch: number;
  step: number;
  kind: ImageKind;
  rows: number;
  cols: number;
  height: number;
  width: number;
  created_at: number;
}

interface FullRow extends MetaRow {
  pixels: Uint8Array;
}

const META_COLUMNS = 'id, run_id, epoch, step, kind, rows, cols, height, width, created_at';

const toMeta = (r: MetaRow): ImageMeta => ({
  id: r.id,
  runId: r.run_id,
  epoch: r.epoch,
  step: r.step,
  kind: r.kind,
  rows: r.rows,
  cols: r.cols,
  height: r.height,
  width: r.width,
  createdAt: r.created_at,
});

// No column records a grid's channels (grids stored before colour are grayscale): the byte count
// tells. Bytes that fit neither stay without channels, so the view's own check names the mismatch.
const toStored = (r: FullRow): StoredImage => {
  const grid = { rows: r.rows, cols: r.cols, height: r.height, width: r.width, pixels: r.pixels };
  return { ...toMeta(r), grid: withChannels(grid, channelsFromByteLength(grid, r.pixels.length) ?? 1) };
};

function checkImage(image: NewImage): void {
  if (!IMAGE_KINDS.includes(image.kind)) {
    throw invalidArgument(`Unknown image kind "${String(image.kind)}"; expected ${IMAGE_KINDS.join(' or ')}.`, 'kind');
  }
  const problem = imageGridProblem(image.grid);
  if (problem) throw invalidArgument(problem.message, problem.field);
}

/** Width of the spans that each keep one grid when the newest is at `newestStep`; the first grid is kept besides. */
function thinningSpan(newestStep: number, maxPerKind: number): number {
  const spans = Math.max(1, maxPerKind - 1);
  let span = 1;
  while (Math.floor(newestStep / span) + 1 > spans) span *= 2;
  return span;
}

export function createImagesRepo(db: Db, now: () => number, maxPerKind = 200): ImagesRepo {
  const s = {
    insert: db.prepare(`
      INSERT INTO images (run_id, epoch, step, kind, rows, cols, height, width, created_at, pixels)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    newestStep: db.prepare<[number, ImageKind], number>('SELECT MAX(step) FROM images WHERE run_id = ? AND kind = ?').pluck(),
    // CAST: better-sqlite3 binds JS numbers as REAL, and the span index must be an integer.
    thin: db.prepare<[number, number, ImageKind]>(`
      DELETE FROM images WHERE id IN (
        SELECT id FROM (
          SELECT id,
                 ROW_NUMBER() OVER (PARTITION BY CAST(step / ? AS INTEGER) ORDER BY step DESC, id DESC) AS latest,
                 ROW_NUMBER() OVER (ORDER BY step, id) AS first
          FROM images WHERE run_id = ? AND kind = ?
        ) WHERE latest > 1 AND first > 1
      )`),
    removeAfter: db.prepare<[number, number]>('DELETE FROM images WHERE run_id = ? AND step > ?'),
    listAll: db.prepare<[number], MetaRow>(`SELECT ${META_COLUMNS} FROM images WHERE run_id = ? ORDER BY step, id`),
    listKind: db.prepare<[number, ImageKind], MetaRow>(
      `SELECT ${META_COLUMNS} FROM images WHERE run_id = ? AND kind = ? ORDER BY step, id`,
    ),
    latest: db.prepare<[number, ImageKind], FullRow>(
      `SELECT ${META_COLUMNS}, pixels FROM images WHERE run_id = ? AND kind = ? ORDER BY step DESC, id DESC LIMIT 1`,
    ),
    latestId: db
      .prepare<[number, ImageKind], number>(
        'SELECT id FROM images WHERE run_id = ? AND kind = ? ORDER BY step DESC, id DESC LIMIT 1',
      )
      .pluck(),
    load: db.prepare<[number], FullRow>(`SELECT ${META_COLUMNS}, pixels FROM images WHERE id = ?`),
  };

  const save = db.transaction((runId: number, image: NewImage): ImageMeta => {
    const { rows, cols, height, width, pixels } = image.grid;
    const createdAt = now();
    const { lastInsertRowid } = s.insert.run(
      runId,
      image.epoch,
      image.step,
      image.kind,
      rows,
      cols,
      height,
      width,
      createdAt,
      pixels,
    );
    s.thin.run(thinningSpan(s.newestStep.get(runId, image.kind)!, maxPerKind), runId, image.kind);
    // Built from the input rather than re-read: a grid logged out of step order can be thinned away at
    // once, and the caller still gets a truthful description of it.
    const { epoch, step, kind } = image;
    return { id: Number(lastInsertRowid), runId, epoch, step, kind, rows, cols, height, width, createdAt };
  });

  return {
    save(runId, image) {
      checkImage(image);
      try {
        return save(runId, image);
      } catch (e) {
        return rethrowMissingRun(e, runId);
      }
    },
    list(runId, kind) {
      return (kind === undefined ? s.listAll.all(runId) : s.listKind.all(runId, kind)).map(toMeta);
    },
    latest(runId, kind) {
      const row = s.latest.get(runId, kind);
      return row === undefined ? null : toStored(row);
    },
    latestId(runId, kind) {
      return s.latestId.get(runId, kind) ?? null;
    },
    load(id) {
      const row = s.load.get(id);
      return row === undefined ? null : toStored(row);
    },
    removeAfter(runId, step) {
      s.removeAfter.run(runId, step);
    },
  };
}
