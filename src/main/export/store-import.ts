// Stores a checked export as a new run, in one transaction: a failure part way (the disk fills,
// the database is locked past its timeout) leaves no partial run behind.

import type { RunRecord } from '../../shared/training.ts';
import { databaseFailure, type Store } from '../store/index.ts';
import { lossFromJson } from './manifest.ts';
import type { ImportPayload } from './read-export.ts';

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

export function storeImport(store: Store, payload: ImportPayload): RunRecord {
  const { manifest: m, config } = payload;
  // The runs repository sets start and finish times to "now" as training happens; an import
  // restores the original ones, which only this statement needs to write.
  const history = store.db.prepare(`
    UPDATE runs SET backend = ?, started_at = ?, finished_at = ?, total_steps = ?, step = ?, epoch = ?
    WHERE id = ?`);

  const write = store.db.transaction((): number => {
    const run = store.runs.create({
      config,
      name: m.run.name,
      preset: m.run.preset,
      datasetName: m.dataset.name,
      datasetFingerprint: m.dataset.fingerprint,
      notes: m.run.notes,
      tags: m.run.tags,
      // Completed whatever it was: the optimizer state is not exported, so it cannot be resumed.
      status: 'completed',
      createdAt: ms(m.run.createdAt)!,
    });
    const writer = store.metrics.writer(run.id, { batchSize: Number.MAX_SAFE_INTEGER, maxDelayMs: Number.POSITIVE_INFINITY });
    for (const step of payload.steps) writer.append(step);
    writer.close();
    for (const epoch of payload.epochs) store.metrics.appendEpoch(run.id, epoch);
    for (const image of payload.images) store.images.save(run.id, image);
    for (const { createdAt, ...result } of payload.evaluations) store.evaluations.add(run.id, result, createdAt);
    store.checkpoints.save({
      runId: run.id,
      epoch: m.checkpoint.epoch,
      step: m.checkpoint.step,
      encoder: payload.encoder,
      decoder: payload.decoder,
      optimizer: null,
      state: {
        step: m.checkpoint.step,
        epoch: m.checkpoint.epoch,
        stepInEpoch: 0,
        ...(m.conditional ? { classes: m.conditional.classes } : {}),
      },
      atEpochEnd: m.checkpoint.atEpochEnd,
    });
    const train = lossFromJson(m.metrics.train);
    if (train !== null) {
      store.runs.setFinal(run.id, { train, heldOut: lossFromJson(m.metrics.heldOut), imagesPerSec: m.metrics.imagesPerSec ?? 0 });
    }
    history.run(m.backend, ms(m.run.startedAt), ms(m.run.finishedAt), m.run.totalSteps, m.run.step, m.run.epoch, run.id);
    return run.id;
  });
  // Taking the write lock (or committing) can fail in SQLite itself, past the repositories that name
  // the file: say which database, like every other store error.
  let id: number;
  try {
    id = write.immediate();
  } catch (e) {
    throw databaseFailure(e, store.file);
  }
  return store.runs.get(id)!;
}
