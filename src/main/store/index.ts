// The store's public surface, for the run service, the CLI and the web server.

export { openDatabase, type OpenOptions, type Store } from './database.ts';
export { recoverInterrupted, defaultIsProcessAlive } from './recovery.ts';
export type { RunsRepo, NewRun, RunStart, RunEdit, RunFinal, RunOwner, FinishedStatus, ResumeClaim } from './runs.ts';
export type { SweepsRepo, SweepOwner } from './sweeps.ts';
export type { MetricsRepo, MetricWriter, MetricWriterOptions, ListStepsOptions } from './metrics.ts';
export type { CheckpointsRepo, NewCheckpoint, Checkpoint, CheckpointMeta } from './checkpoints.ts';
export { IMAGE_KINDS, type ImagesRepo, type NewImage, type ImageMeta, type StoredImage } from './images.ts';
export type { EvaluationsRepo } from './evaluations.ts';
export type { RunDataRepo } from './run-data.ts';
export { LATEST_SCHEMA_VERSION } from './migrations/index.ts';
export { databaseFailure } from './errors.ts';
